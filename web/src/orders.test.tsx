import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { checkReplace, formatKst, OrdersPage } from "./orders";
import { Session } from "./session";

// Orders, fills and stocks as the real server answers them (captured from `investking serve`).
function alpacaOrder(n: number, fields: Record<string, unknown>): Record<string, unknown> {
  const id = `00000001-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  return {
    id, client_order_id: `ik-${n}`, created_at: "2026-11-25T19:05:22.808093Z", updated_at: "2026-11-25T19:05:22.808093Z",
    submitted_at: "2026-11-25T19:05:22.808093Z", filled_at: null, expired_at: null, canceled_at: null, failed_at: null,
    replaced_at: null, replaced_by: null, replaces: null, asset_id: "00000004-0000-4000-8000-000000000003", symbol: "005930",
    asset_class: "us_equity", notional: null, qty: "6", filled_qty: "0", filled_avg_price: null, order_class: "simple",
    order_type: "limit", type: "limit", side: "buy", position_intent: "buy_to_open", time_in_force: "gtc",
    limit_price: "241000", stop_price: null, status: "new", extended_hours: false, legs: null, trail_percent: null,
    trail_price: null, hwm: null, ...fields,
  };
}

const openOrders = () => [
  alpacaOrder(6, { replaces: "00000001-0000-4000-8000-000000000005" }),
  alpacaOrder(3, {
    submitted_at: "2026-11-25T19:05:19.223012Z", qty: "3", type: "stop_limit", order_type: "stop_limit", side: "sell",
    time_in_force: "day", limit_price: "230000", stop_price: "235000", position_intent: "sell_to_close",
  }),
];

const closedOrders = () => [
  alpacaOrder(7, { qty: "4", filled_qty: "4", filled_avg_price: "249500.00", type: "market", order_type: "market", side: "sell",
    time_in_force: "day", limit_price: null, status: "filled", updated_at: "2026-11-25T19:05:22.889879Z" }),
  alpacaOrder(5, { status: "replaced", replaced_by: "00000001-0000-4000-8000-000000000006" }),
  alpacaOrder(4, { symbol: "035720", qty: "2", limit_price: "36000", time_in_force: "day", status: "canceled" }),
  alpacaOrder(9, { symbol: "000660", qty: "1", limit_price: "1800000", time_in_force: "day", status: "expired" }),
];

const fills = () => [
  {
    id: "20261125190522889::00000003-0000-4000-8000-000000000002", account_id: "00000002-0000-4000-8000-000000000002",
    activity_type: "FILL", transaction_time: "2026-11-25T19:05:22.889879Z", type: "fill", price: "249500", qty: "4",
    side: "sell", symbol: "005930", leaves_qty: "0", order_id: "00000001-0000-4000-8000-000000000007", cum_qty: "4",
    order_status: "filled", commission: "149", tax: "1996", settle_date: "2026-11-30",
  },
  {
    id: "20261125190518674::00000003-0000-4000-8000-000000000001", account_id: "00000002-0000-4000-8000-000000000002",
    activity_type: "FILL", transaction_time: "2026-11-25T19:05:18.674340Z", type: "fill", price: "250500", qty: "10",
    side: "buy", symbol: "005930", leaves_qty: "0", order_id: "00000001-0000-4000-8000-000000000001", cum_qty: "10",
    order_status: "filled", commission: "375", tax: "0", settle_date: "2026-11-30",
  },
];

const stocks = [
  { symbol: "005930", name_ko: "삼성전자", name_en: "Samsung Electronics", market: "KOSPI", tradable: true, price: "250000",
    previous_close: "249500", change: "500", change_pct: "0.20", upper_limit: "324000", lower_limit: "175000", volume: 1000 },
  { symbol: "035720", name_ko: "카카오", name_en: "Kakao", market: "KOSPI", tradable: true, price: "36200",
    previous_close: "36200", change: "0", change_pct: "0.00", upper_limit: "47050", lower_limit: "25350", volume: 0 },
];

interface Call {
  method: string;
  path: string;
  body: unknown;
  auth: string | null;
}

// The server's orders API, enough for this page: lists, cancel and replace, with refusals on request.
class FakeBroker {
  calls: Call[] = [];
  open = openOrders();
  closed = closedOrders();
  fills: Record<string, unknown>[] = fills();
  olderFills: Record<string, unknown>[] = [];
  refuse: { status: number; code: number; message: string } | null = null;

  fetch: typeof fetch = async (input, init) => {
    const path = String(input);
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    this.calls.push({ method, path, body, auth: new Headers(init?.headers).get("Authorization") });
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });
    const url = new URL(path, "http://x");
    if (url.pathname === "/api/v1/stocks") return json(200, stocks);
    if (method !== "GET" && this.refuse) return json(this.refuse.status, { code: this.refuse.code, message: this.refuse.message });
    if (url.pathname === "/v2/orders") {
      const list = url.searchParams.get("status") === "open" ? this.open : this.closed;
      return json(200, list.slice(0, Number(url.searchParams.get("limit"))));
    }
    if (url.pathname === "/v2/account/activities") {
      return json(200, url.searchParams.get("page_token") ? this.olderFills : this.fills);
    }
    const id = /^\/v2\/orders\/(.+)$/.exec(url.pathname)?.[1];
    const order = this.open.find((o) => o.id === id);
    if (!order) return json(404, { code: 40410000, message: "order not found" });
    this.open = this.open.filter((o) => o !== order);
    if (method === "DELETE") {
      this.closed.unshift({ ...order, status: "canceled" });
      return new Response(null, { status: 204 });
    }
    const replacement = alpacaOrder(10, { ...order, id: "00000001-0000-4000-8000-00000000000a", client_order_id: "ik-10", ...body });
    this.open.unshift(replacement);
    this.closed.unshift({ ...order, status: "replaced" });
    return json(200, replacement);
  };

  reads(prefix: string): number {
    return this.calls.filter((c) => c.method === "GET" && c.path.startsWith(prefix)).length;
  }
}

function signedInSession(fetcher: typeof fetch): Session {
  const store = new Map<string, string>([
    ["ik.session", JSON.stringify({ access_token: "a1", refresh_token: "r1", expires_at: Date.now() + 3_600_000 })],
  ]);
  return new Session({
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v), removeItem: (k) => void store.delete(k) },
    fetch: fetcher,
    now: () => Date.now(),
    withLock: (_name, fn) => fn(),
  });
}

async function settle() {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

async function mount(broker: FakeBroker, lang: "ko" | "en" = "ko", version = 0, onChanged = vi.fn()) {
  vi.stubGlobal("fetch", broker.fetch);
  const session = signedInSession(broker.fetch);
  const root = document.createElement("div");
  document.body.appendChild(root);
  const draw = (v: number) => render(<OrdersPage lang={lang} session={session} version={v} onChanged={onChanged} />, root);
  await act(async () => draw(version));
  await settle();
  return { root, onChanged, rerender: async (v: number) => (await act(async () => draw(v)), await settle()) };
}

const openRow = (root: HTMLElement, n: number) =>
  root.querySelector(`table[data-testid="open-orders"] tr[data-order-id="00000001-0000-4000-8000-${n.toString(16).padStart(12, "0")}"]`) as HTMLElement;

async function click(el: Element) {
  await act(async () => (el as HTMLElement).click());
  await settle();
}

async function fill(root: HTMLElement, name: string, value: string) {
  const input = root.querySelector(`form[data-testid="replace"] input[name=${name}]`) as HTMLInputElement;
  await act(async () => {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

async function submitReplace(root: HTMLElement) {
  await act(async () => {
    root.querySelector('form[data-testid="replace"]')!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
  await settle();
}

const alerts = (el: Element) => [...el.querySelectorAll("[role=alert]")].map((a) => a.textContent);

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = "";
});

describe("order helpers", () => {
  it("shows times in KST", () => {
    expect(formatKst("2026-11-25T19:05:22.808093Z")).toBe("2026-11-26 04:05:22");
    expect(formatKst(null)).toBe("—");
  });

  it("checks a replacement before sending, in ko and en", () => {
    expect(checkReplace("ko", "", "").problems).toEqual(["새 수량이나 새 지정가를 입력해 주세요"]);
    expect(checkReplace("en", "", "").problems).toEqual(["Enter a new quantity or a new limit price"]);
    expect(checkReplace("ko", "0", "1.5").problems).toEqual([
      "수량은 1 이상 1,000,000,000 이하의 정수로 입력해 주세요",
      "지정가는 1원 이상의 정수(원)로 입력해 주세요",
    ]);
    expect(checkReplace("en", "-3", "abc").problems).toEqual([
      "Quantity must be a whole number from 1 to 1,000,000,000",
      "Limit price must be a whole number of won, at least 1",
    ]);
    expect(checkReplace("en", "1e3", "").problems).toHaveLength(1);
    expect(checkReplace("ko", "7", "242,000")).toEqual({ problems: [], body: { qty: "7", limit_price: "242000" } });
    expect(checkReplace("ko", "", "242000")).toEqual({ problems: [], body: { limit_price: "242000" } });
    expect(checkReplace("en", "", "242100").problems).toEqual(["The limit price is not on the tick grid"]);
  });
});

describe("OrdersPage", () => {
  it("shows open orders, history and fills from the server's JSON", async () => {
    const broker = new FakeBroker();
    const { root } = await mount(broker, "ko");
    expect(broker.calls.find((c) => c.path.startsWith("/v2/orders?status=open"))).toMatchObject({
      path: "/v2/orders?status=open&limit=101&direction=desc",
      auth: "Bearer a1",
    });
    expect(broker.reads("/v2/orders?status=closed&limit=101")).toBe(1);
    expect(broker.reads("/v2/account/activities?activity_types=FILL&direction=desc&page_size=100")).toBe(1);

    const limit = openRow(root, 6);
    expect(limit.dataset.symbol).toBe("005930");
    expect(limit.textContent).toContain("삼성전자");
    expect(limit.textContent).toContain("매수");
    expect(limit.querySelector('[data-col="limit_price"]')!.textContent).toBe("241,000");
    expect(limit.querySelector('[data-col="tif"]')!.textContent).toBe("취소 시까지");
    expect(limit.querySelector('[data-col="submitted_at"]')!.textContent).toBe("2026-11-26 04:05:22");
    const stop = openRow(root, 3);
    expect(stop.querySelector('[data-col="type"]')!.textContent).toBe("스톱 지정가");
    expect(stop.querySelector('[data-col="stop_price"]')!.textContent).toBe("235,000");
    // Every button names its action and its order, so rows can be told apart.
    const labels = [...root.querySelectorAll("table[data-testid=open-orders] button")].map((b) => b.getAttribute("aria-label"));
    expect(labels).toEqual([
      "주문 취소: 삼성전자 매수 6주 (ik-6)",
      "주문 정정: 삼성전자 매수 6주 (ik-6)",
      "주문 취소: 삼성전자 매도 3주 (ik-3)",
      "주문 정정: 삼성전자 매도 3주 (ik-3)",
    ]);

    const statuses = [...root.querySelectorAll('table[data-testid="order-history"] td[data-col="status"]')].map((td) => [
      td.getAttribute("data-status"),
      td.textContent,
    ]);
    expect(statuses).toEqual([["filled", "체결"], ["replaced", "정정됨"], ["canceled", "취소"], ["expired", "만료"]]);
    expect(root.querySelector('table[data-testid="order-history"] tr[data-symbol="035720"]')!.textContent).toContain("카카오");
    expect(root.querySelector('table[data-testid="order-history"] tr[data-symbol="000660"]')!.textContent).toContain("000660");

    const fillRows = root.querySelectorAll('table[data-testid="fills"] tr[data-symbol="005930"]');
    expect(fillRows).toHaveLength(2);
    expect(fillRows[0]!.querySelector('[data-col="price"]')!.textContent).toBe("249,500");
    expect(fillRows[0]!.querySelector('[data-col="commission"]')!.textContent).toBe("149");
    expect(fillRows[0]!.querySelector('[data-col="tax"]')!.textContent).toBe("1,996");
    expect(fillRows[1]!.querySelector('[data-col="tax"]')!.textContent).toBe("0");
    expect(root.querySelector(".more")).toBeNull();
  });

  it("cancels with DELETE /v2/orders/{id}, reloads and tells the app", async () => {
    const broker = new FakeBroker();
    const { root, onChanged } = await mount(broker, "en");
    const before = broker.reads("/v2/orders?status=open");
    await click(openRow(root, 6).querySelector('button[data-action="cancel"]')!);
    expect(broker.calls.filter((c) => c.method !== "GET")).toEqual([
      { method: "DELETE", path: "/v2/orders/00000001-0000-4000-8000-000000000006", body: undefined, auth: "Bearer a1" },
    ]);
    expect(onChanged).toHaveBeenCalledOnce();
    expect(broker.reads("/v2/orders?status=open")).toBe(before + 1);
    expect(openRow(root, 6)).toBeNull();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Order canceled");
    expect(root.querySelector('table[data-testid="order-history"] td[data-status="canceled"]')).not.toBeNull();
  });

  it("shows the server's refusal of a cancel", async () => {
    const broker = new FakeBroker();
    broker.refuse = { status: 422, code: 42210000, message: "order is filled and can no longer be canceled" };
    const { root, onChanged } = await mount(broker, "en");
    await click(openRow(root, 3).querySelector('button[data-action="cancel"]')!);
    expect(alerts(root)).toEqual(["order is filled and can no longer be canceled"]);
    expect(onChanged).not.toHaveBeenCalled();
    expect(openRow(root, 3)).not.toBeNull();
  });

  it("replaces with PATCH and the new qty and limit price, after checking them", async () => {
    const broker = new FakeBroker();
    const { root, onChanged } = await mount(broker, "ko");
    await click(openRow(root, 6).querySelector('button[data-action="replace"]')!);
    const form = root.querySelector('form[data-testid="replace"]')!;
    expect(form.querySelector("input[name=qty]")).not.toBeNull();
    expect(form.querySelector("input[name=limit_price]")).not.toBeNull();

    await submitReplace(root);
    expect(alerts(form)).toEqual(["새 수량이나 새 지정가를 입력해 주세요"]);
    await fill(root, "qty", "0");
    await fill(root, "limit_price", "241000.5");
    await submitReplace(root);
    expect(alerts(form)).toEqual([
      "수량은 1 이상 1,000,000,000 이하의 정수로 입력해 주세요",
      "지정가는 1원 이상의 정수(원)로 입력해 주세요",
    ]);
    expect(broker.calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

    await fill(root, "qty", "7");
    await fill(root, "limit_price", "242,000");
    await submitReplace(root);
    expect(broker.calls.filter((c) => c.method === "PATCH")).toEqual([
      {
        method: "PATCH",
        path: "/v2/orders/00000001-0000-4000-8000-000000000006",
        body: { qty: "7", limit_price: "242000" },
        auth: "Bearer a1",
      },
    ]);
    expect(onChanged).toHaveBeenCalledOnce();
    expect(root.querySelector('form[data-testid="replace"]')).toBeNull();
    const replacement = openRow(root, 10);
    expect(replacement.querySelector('[data-col="qty"]')!.textContent).toBe("7");
    expect(replacement.querySelector('[data-col="limit_price"]')!.textContent).toBe("242,000");
    expect(root.querySelector('[role="status"]')!.textContent).toBe("주문을 정정했습니다");
  });

  it("shows validation in English and the server's refusal of a replace in the form", async () => {
    const broker = new FakeBroker();
    const { root, onChanged } = await mount(broker, "en");
    await click(openRow(root, 6).querySelector('button[data-action="replace"]')!);
    await fill(root, "qty", "two");
    await submitReplace(root);
    const form = root.querySelector('form[data-testid="replace"]')!;
    expect(alerts(form)).toEqual(["Quantity must be a whole number from 1 to 1,000,000,000"]);

    broker.refuse = {
      status: 422,
      code: 42210000,
      message: "price 400,000 is outside today's band 175,000 … 324,000",
    };
    await fill(root, "qty", "");
    await fill(root, "limit_price", "241001"); // off the tick grid: caught here
    await submitReplace(root);
    expect(alerts(root.querySelector('form[data-testid="replace"]')!)).toEqual(["The limit price is not on the tick grid"]);
    await fill(root, "limit_price", "400000"); // on the grid, outside the band: the server says so
    await submitReplace(root);
    expect(broker.calls.find((c) => c.method === "PATCH")!.body).toEqual({ limit_price: "400000" });
    expect(alerts(root.querySelector('form[data-testid="replace"]')!)).toEqual([broker.refuse.message]);
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("offers only a new quantity for orders without a limit price", async () => {
    const broker = new FakeBroker();
    broker.open = [alpacaOrder(11, { type: "stop", order_type: "stop", side: "sell", limit_price: null, stop_price: "240000" })];
    const { root } = await mount(broker, "en");
    await click(openRow(root, 11).querySelector('button[data-action="replace"]')!);
    expect(root.querySelector('form[data-testid="replace"] input[name=qty]')).not.toBeNull();
    expect(root.querySelector('form[data-testid="replace"] input[name=limit_price]')).toBeNull();
  });

  it("reloads when the version changes", async () => {
    const broker = new FakeBroker();
    const { root, rerender } = await mount(broker, "en", 1);
    expect(broker.reads("/v2/orders?status=open")).toBe(1);
    broker.open = [];
    broker.fills = [{ ...fills()[1]!, id: "x::1", symbol: "035720" }, ...fills()];
    await rerender(2);
    expect(broker.reads("/v2/orders?status=open")).toBe(2);
    expect(broker.reads("/v2/account/activities")).toBe(2);
    expect(root.querySelector('table[data-testid="open-orders"]')).toBeNull();
    expect(root.textContent).toContain("No open orders");
    expect(root.querySelector('table[data-testid="fills"] tr[data-symbol="035720"]')).not.toBeNull();
  });

  it("shows the newest 100 of each list and says when there are more", async () => {
    const broker = new FakeBroker();
    broker.open = Array.from({ length: 120 }, (_, i) => alpacaOrder(200 - i, {}));
    broker.fills = Array.from({ length: 100 }, (_, i) => ({ ...fills()[0]!, id: `f${i}` }));
    broker.olderFills = [{ ...fills()[1]! }];
    const { root } = await mount(broker, "en");
    expect(root.querySelectorAll('table[data-testid="open-orders"] tr[data-order-id]')).toHaveLength(100);
    expect(root.querySelectorAll('table[data-testid="fills"] tr[data-symbol]')).toHaveLength(100);
    expect(broker.calls.some((c) => c.path.includes("page_size=1&page_token=f99"))).toBe(true);
    expect([...root.querySelectorAll(".more")].map((p) => p.textContent)).toEqual([
      "Showing the newest 100; there are older entries.",
      "Showing the newest 100; there are older entries.",
    ]);
  });

  it("shows a failed load as the server said it", async () => {
    const broker = new FakeBroker();
    broker.fetch = async () => new Response(JSON.stringify({ code: 50310000, message: "service unavailable" }), { status: 503 });
    const { root } = await mount(broker, "en");
    expect(alerts(root)).toEqual(["service unavailable"]);
  });
});
