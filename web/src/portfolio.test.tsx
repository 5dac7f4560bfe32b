import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "./api";
import { checkAmount, kstMidnight, PortfolioPage, summarize } from "./portfolio";

const account = { cash: "7494625", equity: "10094625", last_equity: "10000000", buying_power: "7494625" };

describe("summarize", () => {
  it("values holdings at live prices and leaves deposits out of P&L", () => {
    expect(kstMidnight(Date.parse("2026-11-25T16:00:00Z"))).toBe("2026-11-25T15:00:00.000Z"); // 01:00 on the 26th in Korea
    expect(kstMidnight(Date.parse("2026-11-25T14:59:00Z"))).toBe("2026-11-24T15:00:00.000Z");
    const position = { symbol: "005930", qty: "10", avg_entry_price: "250500.00", current_price: "250000", market_value: "2500000",
      cost_basis: "2505000", unrealized_pl: "-5000", unrealized_plpc: "-0.0020" };
    const a = { cash: "8494625", equity: "10994625", last_equity: "10989625", buying_power: "8494625" };
    // opened with 10,000,000 today, topped up 1,000,000, bought 10 at 250,500 (+375 commission); now 253,000
    const s = summarize(a, [position], new Map([["005930", 253_000]]),
      { base_value: 10_000_000, cashflow: { CSD: [0, 1_000_000] } }, { base_value: 10_000_000, cashflow: { CSD: [0, 1_000_000] } });
    expect(s.equity).toBe(8_494_625 + 2_530_000);
    expect(s.totalPl).toBe(24_625);
    expect(s.dayPl).toBe(24_625);
    expect(s.holdings[0]).toMatchObject({ price: 253_000, value: 2_530_000, unrealized: 25_000, avgCost: 250_500 });
    // without a live price the server's is used; without a history the P&L is unknown, not made up
    const stale = summarize(a, [position], new Map(), null, null);
    expect(stale.equity).toBe(10_994_625);
    expect(stale.totalPl).toBeNull();
  });
});

describe("checkAmount", () => {
  it("refuses empty, non-numeric and out-of-range amounts in the user's language", () => {
    expect(checkAmount("ko", " ")).toBe("금액을 입력해 주세요");
    expect(checkAmount("en", "1e6")).toBe("The amount must be a whole number of won");
    expect(checkAmount("en", "0")).toBe("Top-ups are 1 won to 100,000,000 won");
    expect(checkAmount("en", "100000001")).toBe("Top-ups are 1 won to 100,000,000 won");
    expect(checkAmount("en", "1,000,000")).toBeNull();
  });
});

describe("PortfolioPage", () => {
  it("shows figures and holdings, and tops up through the server (its refusal shown)", async () => {
    const positions = [{ symbol: "005930", qty: "10", avg_entry_price: "250500.00", current_price: "260000", market_value: "2600000",
      cost_basis: "2505000", unrealized_pl: "95000", unrealized_plpc: "0.0379" }];
    let topups = 0;
    const authed = vi.fn(async (path: string, init?: RequestInit) => {
      if (path === "/v2/account") return account;
      if (path === "/v2/positions") return positions;
      if (path.includes("timeframe=1D")) return { base_value: 1e7, cashflow: { CSD: [0, 0] } };
      if (path.includes("timeframe=1H")) return { base_value: 10050000, cashflow: { CSD: [0, 0] } };
      if (path === "/api/v1/account/topup") {
        expect(JSON.parse(init!.body as string)).toEqual({ amount: 1000000 });
        if (++topups > 1) throw new ApiError(422, 42210000, "top-up limit reached");
        return { cash: "8494625" };
      }
      throw new Error(path);
    });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ entries: [{ username: "alice", return_pct: "0.95" }] }))));
    const root = document.createElement("div");
    await act(async () => {
      render(<PortfolioPage lang="en" session={{ authed } as never} stocks={[]} me="alice" version={0} onChanged={() => undefined} />, root);
    });
    await act(async () => new Promise((r) => setTimeout(r, 0)));
    const text = (id: string) => root.querySelector(`[data-testid="${id}"]`)!.textContent;
    expect(text("equity")).toBe("10,094,625");
    expect(text("total-pl")).toBe("+94,625");
    expect(text("day-pl")).toBe("+44,625");
    expect(text("return-pct")).toBe("+0.95%");
    const row = root.querySelector('tr[data-symbol="005930"]')!;
    expect(row.querySelector('[data-col="unrealized_pl"]')!.textContent).toBe("+95,000 (+3.79%)");
    expect(row.querySelector('[data-col="weight"]')!.textContent).toBe("25.8%");
    const form = root.querySelector('form[data-testid="topup"]') as HTMLFormElement;
    const submit = async (amount: string) => {
      await act(async () => {
        const input = form.querySelector('input[name="amount"]') as HTMLInputElement;
        input.value = amount;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await act(async () => void form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true })));
    };
    await submit("");
    expect(form.querySelector('[role="alert"]')!.textContent).toBe("Enter an amount");
    await submit("1,000,000");
    expect(form.querySelector('[role="status"]')!.textContent).toBe("Topped up. Cash: 8,494,625");
    await submit("1000000");
    expect(form.querySelector('[role="alert"]')!.textContent).toBe("top-up limit reached");
    vi.unstubAllGlobals();
  });
});
