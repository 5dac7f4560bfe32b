import { describe, expect, it } from "vitest";

import { checkTicket, commission, estimate, sellTax, type TicketInput } from "./ticket";

const market = { price: 250_000, lower: 175_000, upper: 324_000 };
const holdings = { buyingPower: 10_000_000, sharesAvailable: 5 };
const ticket = (t: Partial<TicketInput>): TicketInput => ({ side: "buy", type: "limit", qty: "1", limitPrice: "249500", stopPrice: "", ...t });

describe("order ticket", () => {
  it("rounds fees down like the engine", () => {
    expect(commission(2_495_000)).toBe(374); // 374.25
    expect(sellTax(2_495_000)).toBe(4_990);
    expect(commission(6_666)).toBe(0);
    // 999,999,999 shares at 3,000,000 won: notional × rate is past 2^53, still exact
    expect(commission(2_999_999_997_000_000)).toBe(449_999_999_550);
    expect(sellTax(2_999_999_997_000_001)).toBe(5_999_999_994_000);
  });

  it("estimates buys at the limit or the upper limit, and sells net of fees and tax", () => {
    expect(estimate("buy", "limit", 10, 249_500, market)).toEqual({ price: 249_500, notional: 2_495_000, commission: 374, tax: 0, total: 2_495_374 });
    expect(estimate("buy", "market", 10, 0, market).price).toBe(324_000);
    expect(estimate("sell", "market", 10, 0, market)).toEqual({ price: 250_000, notional: 2_500_000, commission: 375, tax: 5_000, total: 2_494_625 });
  });

  it("accepts a good ticket and names each bad field", () => {
    expect(checkTicket(ticket({}), market, holdings)).toEqual([]);
    expect(checkTicket(ticket({ qty: "" }), market, holdings)).toEqual([{ field: "qty", reason: "required" }]);
    expect(checkTicket(ticket({ qty: "1.5" }), market, holdings)).toEqual([{ field: "qty", reason: "whole" }]);
    expect(checkTicket(ticket({ qty: "abc" }), market, holdings)).toEqual([{ field: "qty", reason: "whole" }]);
    expect(checkTicket(ticket({ qty: "0" }), market, holdings)).toEqual([{ field: "qty", reason: "positive" }]);
    expect(checkTicket(ticket({ qty: "1000000001" }), market, holdings)).toEqual([{ field: "qty", reason: "tooLarge" }]);
    expect(checkTicket(ticket({ limitPrice: "249700" }), market, holdings)).toEqual([{ field: "limitPrice", reason: "offTick" }]);
    expect(checkTicket(ticket({ limitPrice: "400000" }), market, holdings)).toEqual([{ field: "limitPrice", reason: "outsideBand" }]);
    expect(checkTicket(ticket({ type: "stop", stopPrice: "" }), market, holdings)).toEqual([{ field: "stopPrice", reason: "required" }]);
    expect(checkTicket(ticket({ qty: "1,000" }), market, holdings)).toEqual([{ field: "total", reason: "buyingPower" }]);
    expect(checkTicket(ticket({ side: "sell", qty: "6" }), market, holdings)).toEqual([{ field: "qty", reason: "tooMany" }]);
    expect(checkTicket(ticket({ side: "sell", type: "market", qty: "5" }), market, holdings)).toEqual([]);
  });
});
