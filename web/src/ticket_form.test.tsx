import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it, vi } from "vitest";

import { ApiError, type Stock } from "./api";
import { OrderTicket } from "./ticket_form";

const samsung: Stock = {
  symbol: "005930", name_ko: "삼성전자", name_en: "Samsung Electronics", market: "KOSPI", tradable: true,
  price: "250000", previous_close: "249500", change: "500", change_pct: "0.20",
  upper_limit: "324000", lower_limit: "175000", volume: 1234,
};

function fakeSession(answers: Record<string, unknown>) {
  const calls: Array<{ path: string; init?: RequestInit }> = [];
  const authed = vi.fn(async (path: string, init?: RequestInit) => {
    calls.push({ path, init });
    const a = answers[`${init?.method ?? "GET"} ${path}`];
    if (a instanceof Error) throw a;
    if (a === undefined) throw new ApiError(404, 40410000, "not found");
    return a;
  });
  return { session: { authed } as never, calls };
}

async function mount(lang: "ko" | "en", answers: Record<string, unknown>) {
  const { session, calls } = fakeSession(answers);
  const root = document.createElement("div");
  await act(async () => {
    render(<OrderTicket lang={lang} session={session} stock={samsung} rules={null} version={0} onPlaced={() => undefined} />, root);
  });
  const form = root.querySelector('form[data-testid="ticket"]') as HTMLFormElement;
  const set = async (name: string, value: string) =>
    act(async () => {
      const el = form.querySelector(`[name="${name}"]`) as HTMLInputElement | HTMLSelectElement;
      el.value = value;
      el.dispatchEvent(new Event(el.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
    });
  const submit = async () => act(async () => void form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true })));
  const alerts = () => [...form.querySelectorAll('[role="alert"] li')].map((li) => li.textContent);
  return { root, form, set, submit, alerts, calls };
}

describe("OrderTicket", () => {
  it("stops bad input in the user's language before sending", async () => {
    const t = await mount("ko", { "GET /v2/account": { buying_power: "1000000" } });
    await t.submit();
    expect(t.alerts()).toEqual(["수량을 입력해 주세요"]);
    expect(t.form.querySelector('[name="qty"]')!.getAttribute("aria-invalid")).toBe("true");
    await t.set("qty", "ten");
    await t.submit();
    expect(t.alerts()).toEqual(["수량은 숫자(정수)로 입력해 주세요"]);
    await t.set("qty", "10");
    await t.submit(); // a market buy of 10 reserves 10 × the upper limit: more than 1,000,000
    expect(t.alerts()).toEqual(["주문 가능 금액을 넘습니다"]);
    await t.set("type", "limit");
    await t.set("limit_price", "250100");
    await t.set("qty", "1");
    await t.submit();
    expect(t.alerts()).toEqual(["지정가 (원): 가격이 호가 단위에 맞지 않습니다"]);
    expect(t.calls.filter((c) => c.init?.method === "POST")).toHaveLength(0);
  });

  it("snaps and steps the limit price by ticks, estimates fees, and sends the order", async () => {
    const t = await mount("en", {
      "GET /v2/account": { buying_power: "10000000" },
      "POST /v2/orders": { id: "o1", status: "new", filled_qty: "0", filled_avg_price: null },
    });
    await t.set("type", "limit");
    const limit = () => (t.form.querySelector('[name="limit_price"]') as HTMLInputElement).value;
    expect(limit()).toBe("250000");
    await act(async () => (t.form.querySelector('[data-step="limit_price:+1"]') as HTMLElement).click());
    expect(limit()).toBe("250500");
    await t.set("limit_price", "199990"); // off the grid: the first step lands on it
    await act(async () => (t.form.querySelector('[data-step="limit_price:-1"]') as HTMLElement).click());
    expect(limit()).toBe("199900");
    await act(async () => (t.form.querySelector('[data-step="limit_price:+1"]') as HTMLElement).click());
    expect(limit()).toBe("200000");
    await act(async () => (t.form.querySelector('[data-step="limit_price:+1"]') as HTMLElement).click());
    expect(limit()).toBe("200500");
    await t.set("qty", "10");
    const estimate = t.form.querySelector('[data-testid="estimate"]')!.textContent!;
    expect(estimate).toContain("2,005,000"); // notional
    expect(estimate).toContain("300"); // 0.015 % commission
    expect(estimate).toContain("2,005,300");
    expect(t.form.querySelector('[data-testid="available"]')!.textContent).toContain("10,000,000");
    await t.submit();
    const post = t.calls.find((c) => c.init?.method === "POST")!;
    expect(JSON.parse(post.init!.body as string)).toEqual({
      symbol: "005930", qty: "10", side: "buy", type: "limit", time_in_force: "day", limit_price: "200500",
    });
    expect(t.form.querySelector('[role="status"]')!.getAttribute("data-status")).toBe("new");
    // IOC and FOK are not offered for stop orders, and a chosen one falls back to day
    await t.set("tif", "ioc");
    await t.set("type", "stop");
    expect((t.form.querySelector('option[value="ioc"]') as HTMLOptionElement).disabled).toBe(true);
    expect((t.form.querySelector('[name="tif"]') as HTMLSelectElement).value).toBe("day");
  });

  it("shows the server's refusal as the server said it, and sells only what is held", async () => {
    const t = await mount("en", {
      "GET /v2/account": { buying_power: "10000000" },
      "GET /v2/positions/005930": { qty_available: "5" },
      "POST /v2/orders": new ApiError(403, 40310000, "insufficient buying power: the order needs 1 won more"),
    });
    await act(async () => (t.form.querySelector('input[name="side"][value="sell"]') as HTMLElement).click());
    expect(t.form.querySelector('[data-testid="available"]')!.textContent).toContain("Shares available: 5");
    await t.set("qty", "6");
    await t.submit();
    expect(t.alerts()).toEqual(["You cannot sell more shares than you hold"]);
    await t.set("qty", "5");
    await t.submit();
    expect(t.alerts()).toEqual(["insufficient buying power: the order needs 1 won more"]);
  });
});
