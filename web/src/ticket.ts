// The order ticket's arithmetic and checks, mirroring the engine's rules so most mistakes are caught before
// the order is sent (the server still decides, and its refusal is shown as sent). Money is whole won;
// fees are parts per million of the notional, rounded down, as the engine computes them.
import { isOnTickGrid } from "./krx";

export interface FeeSchedule {
  commission_ppm: number; // both sides
  sell_tax_ppm: number; // sells only
}

export const MAX_QTY = 1_000_000_000; // the server's limit per order

export const DEFAULT_FEES: FeeSchedule = { commission_ppm: 150, sell_tax_ppm: 2_000 };

export type Side = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop" | "stop_limit";

export interface TicketInput {
  side: Side;
  type: OrderType;
  qty: string; // as typed
  limitPrice: string;
  stopPrice: string;
}

export interface Market {
  price: number; // last trade
  lower: number; // today's band
  upper: number;
}

export interface Holdings {
  buyingPower: number;
  sharesAvailable: number; // held and not reserved by open sells
}

export type Problem =
  | { field: "qty"; reason: "required" | "whole" | "positive" | "tooMany" | "tooLarge" }
  | { field: "limitPrice" | "stopPrice"; reason: "required" | "whole" | "offTick" | "outsideBand" }
  | { field: "total"; reason: "buyingPower" };

// Parts per million of a whole-won notional, rounded down, in integers (notional × rate can pass 2^53).
function ppm(notional: number, rate: number): number {
  return Number((BigInt(notional) * BigInt(rate)) / 1_000_000n);
}

export function commission(notional: number, fees: FeeSchedule = DEFAULT_FEES): number {
  return ppm(notional, fees.commission_ppm);
}

export function sellTax(notional: number, fees: FeeSchedule = DEFAULT_FEES): number {
  return ppm(notional, fees.sell_tax_ppm);
}

export interface Estimate {
  price: number; // the price the estimate assumes
  notional: number;
  commission: number;
  tax: number;
  total: number; // cash out for a buy, cash in for a sell
}

// Buys are estimated at the limit price, or for market and stop orders at the upper limit (what the engine
// reserves); sells at the limit, or at the last price.
export function estimate(side: Side, type: OrderType, qty: number, limit: number, m: Market, fees = DEFAULT_FEES): Estimate {
  const hasLimit = type === "limit" || type === "stop_limit";
  const price = hasLimit ? limit : side === "buy" ? m.upper : m.price;
  const notional = price * qty;
  const c = commission(notional, fees);
  const tax = side === "sell" ? sellTax(notional, fees) : 0;
  return { price, notional, commission: c, tax, total: side === "buy" ? notional + c : notional - c - tax };
}

function wholeNumber(text: string): number | "required" | "whole" {
  const s = text.trim().replace(/,/g, "");
  if (!s) return "required";
  if (!/^\d+$/.test(s)) return "whole";
  return Number(s);
}

export function checkTicket(input: TicketInput, m: Market, h: Holdings, fees = DEFAULT_FEES): Problem[] {
  const problems: Problem[] = [];
  const qty = wholeNumber(input.qty);
  if (typeof qty !== "number") problems.push({ field: "qty", reason: qty });
  else if (qty <= 0) problems.push({ field: "qty", reason: "positive" });
  else if (qty > MAX_QTY) problems.push({ field: "qty", reason: "tooLarge" });
  else if (input.side === "sell" && qty > h.sharesAvailable) problems.push({ field: "qty", reason: "tooMany" });

  const price = (field: "limitPrice" | "stopPrice", text: string): number | null => {
    const p = wholeNumber(text);
    if (typeof p !== "number") return problems.push({ field, reason: p }), null;
    if (!isOnTickGrid(p)) return problems.push({ field, reason: "offTick" }), null;
    if (p < m.lower || p > m.upper) return problems.push({ field, reason: "outsideBand" }), null;
    return p;
  };
  const limit = input.type === "limit" || input.type === "stop_limit" ? price("limitPrice", input.limitPrice) : 0;
  if (input.type === "stop" || input.type === "stop_limit") price("stopPrice", input.stopPrice);

  if (problems.length === 0 && input.side === "buy" && typeof qty === "number" && limit !== null) {
    const e = estimate("buy", input.type, qty, limit, m, fees);
    if (e.total > h.buyingPower) problems.push({ field: "total", reason: "buyingPower" });
  }
  return problems;
}
