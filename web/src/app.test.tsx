import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it, vi } from "vitest";

import type { Stock } from "./api";
import { App, applyTrade, changePercent, keepNewerPushes, pageOf, StockSummary, StockTable } from "./app";

const samsung: Stock = {
  symbol: "005930", name_ko: "삼성전자", name_en: "Samsung Electronics", market: "KOSPI", tradable: true,
  price: "250000", previous_close: "249500", change: "500", change_pct: "0.20",
  upper_limit: "324000", lower_limit: "175000", volume: 1234,
};

describe("StockTable", () => {
  it("shows each stock with its price and move, coloured by direction", () => {
    const root = document.createElement("div");
    render(<StockTable lang="ko" stocks={[samsung, { ...samsung, symbol: "000660", change: "-1000", change_pct: "-0.06" }]} />, root);
    const rows = root.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("삼성전자");
    expect(rows[0]!.textContent).toContain("250,000");
    expect(rows[0]!.textContent).toContain("+500 (+0.20%)");
    expect((rows[0]!.querySelector("td") as HTMLElement).style.color).toBe("var(--rise)");
    expect((rows[1]!.querySelector("td") as HTMLElement).style.color).toBe("var(--fall)");
    render(<StockTable lang="en" stocks={[samsung]} />, root);
    expect(root.textContent).toContain("Samsung Electronics");
  });
});

describe("App", () => {
  it("goes to sign-in without a reload, signs in, and shows sign-out", async () => {
    const rules = { timestamp: "2026-11-25T01:00:00Z", session: "continuous", currency: "KRW", commission_ppm: 150, sell_tax_ppm: 2000, price_limit_ppm: 300000 };
    const board = { period: "all", entries: [{ rank: 1, username: "alice", return_pct: "1.50", equity: "10150000", trades: 3 }] };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        const body = url.startsWith("/api/v1/market") ? rules : url.startsWith("/api/v1/leaderboard") ? board : [samsung];
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    const listeners = new Set<(v: boolean) => void>();
    let signedIn = false;
    const session = {
      signedIn: () => signedIn,
      onChange: (l: (v: boolean) => void) => (listeners.add(l), () => listeners.delete(l)),
      logIn: vi.fn(async () => {
        signedIn = true;
        listeners.forEach((l) => l(true));
      }),
      signUp: vi.fn(async () => undefined),
      accessToken: vi.fn(async () => null),
      authed: vi.fn(async () => ({ username: "alice" })),
      logOut: vi.fn(async () => {
        signedIn = false;
        listeners.forEach((l) => l(false));
      }),
    };
    localStorage.setItem("lang", "en");
    const root = document.body.appendChild(document.createElement("div")); // links are followed at the document
    await act(async () => {
      render(<App session={session as never} />, root);
    });
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(root.textContent).toContain("Samsung Electronics");
    expect(root.querySelector('[data-testid="session"]')!.textContent).toContain("Market open");
    expect(root.querySelector('[data-testid="top-leaders"]')!.textContent).toContain("alice");
    await act(async () => (root.querySelector('a[href="/login"]') as HTMLElement).click());
    expect(location.pathname).toBe("/login");
    const form = root.querySelector("form")!;
    for (const [name, value] of [["username", "alice"], ["password", "correct horse 1"]] as const) {
      await act(async () => {
        const input = form.querySelector(`input[name=${name}]`) as HTMLInputElement;
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }
    await act(async () => {
      form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    });
    expect(session.logIn).toHaveBeenCalledWith("alice", "correct horse 1");
    expect(location.pathname).toBe("/");
    expect(root.textContent).toContain("Sign out");
    expect(root.querySelector('nav a[href="/portfolio"]')).not.toBeNull();
    await act(async () => (root.querySelector('button[data-action="theme"]') as HTMLElement).click());
    expect(document.documentElement.dataset.theme).toBe(localStorage.getItem("theme"));
    expect(document.documentElement.dataset.colors).toBe("korean");
    await act(async () => (root.querySelector('button[data-action="colors"]') as HTMLElement).click());
    expect(document.documentElement.dataset.colors).toBe("western");
    await act(async () => (root.querySelector('button[data-action="lang"]') as HTMLElement).click());
    expect(document.documentElement.lang).toBe("ko");
    await act(async () => (root.querySelector('button[data-action="signout"]') as HTMLElement).click());
    expect(session.logOut).toHaveBeenCalled();
    expect(root.textContent).toContain("로그인");
    render(null, root);
    root.remove();
    vi.unstubAllGlobals();
  });
});

describe("changePercent", () => {
  it("rounds half away from zero in whole numbers, as the server does", () => {
    expect(changePercent(500, 249_500)).toBe("0.20");
    expect(changePercent(-1_000, 250_000)).toBe("-0.40");
    expect(changePercent(1, 8)).toBe("12.50");
    expect(changePercent(-1, 80_000)).toBe("0.00"); // −0.00125 % rounds to zero, without a sign
    expect(changePercent(1, 40_000)).toBe("0.00"); // 0.0025 → 0.00
    expect(changePercent(1, 20_000)).toBe("0.01"); // 0.005 → 0.01 (half away from zero)
    expect(changePercent(-1, 20_000)).toBe("-0.01");
    expect(changePercent(5, 0)).toBe("0.00");
  });
});

describe("keepNewerPushes", () => {
  it("keeps a pushed price newer than the poll's request, and takes the poll's otherwise", () => {
    const polled = [{ ...samsung, price: "250000" }, { ...samsung, symbol: "000660", price: "1759000" }];
    const current = [{ ...samsung, price: "251000", change: "1500", change_pct: "0.60", volume: 2000 }, { ...samsung, symbol: "000660", price: "1750000" }];
    const merged = keepNewerPushes(polled, current, new Map([["005930", 2_000], ["000660", 500]]), 1_000);
    expect(merged[0]).toMatchObject({ price: "251000", change: "1500", volume: 2000 });
    expect(merged[1]!.price).toBe("1759000");
    expect(keepNewerPushes(polled, null, new Map(), 0)).toBe(polled);
  });
});

describe("applyTrade", () => {
  it("moves one stock's price and its change against the previous close", () => {
    const [moved, other] = applyTrade([samsung, { ...samsung, symbol: "000660" }], "005930", 248_500);
    expect(moved).toMatchObject({ price: "248500", change: "-1000", change_pct: "-0.40" });
    expect(other!.price).toBe("250000");
  });
});

describe("pages", () => {
  it("maps paths to pages, stock codes included", () => {
    expect(pageOf("/")).toBe("home");
    expect(pageOf("/login")).toBe("login");
    expect(pageOf("/stocks/005930")).toBe("stock:005930");
    expect(pageOf("/stocks/0126Z0")).toBe("stock:0126Z0");
    expect(pageOf("/stocks/../x")).toBe("home");
  });

  it("shows a stock's price, previous close and band", () => {
    const root = document.createElement("div");
    render(<StockSummary lang="en" stock={samsung} />, root);
    expect(root.querySelector("h2")!.textContent).toBe("Samsung Electronics[005930]");
    expect(root.textContent).toContain("249,500");
    expect(root.textContent).toContain("175,000 – 324,000");
    render(<StockSummary lang="en" stock={{ ...samsung, tradable: false }} />, root);
    expect(root.querySelector("h2 .badge")!.textContent).toBe("Halted");
    render(<StockSummary lang="ko" stock={undefined} />, root);
    expect(root.textContent).toContain("일치하는 종목이 없습니다");
  });
});

describe("App notifications", () => {
  class FakeSocket {
    static all: FakeSocket[] = [];
    sent: unknown[] = [];
    binaryType = "blob";
    onmessage: ((ev: { data: string }) => void) | null = null;
    onopen: (() => void) | null = null;
    onclose: (() => void) | null = null;
    onerror: (() => void) | null = null;
    constructor(readonly url: string) {
      FakeSocket.all.push(this);
    }
    send(text: string) {
      this.sent.push(JSON.parse(text));
    }
    close() {
      this.onclose?.();
    }
    serve(m: unknown) {
      this.onmessage?.({ data: JSON.stringify(m) });
    }
  }

  it("shows the unread count on every page, follows the /stream push, and counts a read one down", async () => {
    FakeSocket.all = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify([samsung]), { status: 200 })));
    const older = {
      id: "11", alert_id: "2", symbol: "005930", price: "70500", message: "[내일은 투자왕:09:20]삼성전자 70,500원입니다.",
      created_at: "2026-11-26T00:20:00Z", read: false,
    };
    let unread = 1;
    const calls: string[] = [];
    const session = {
      signedIn: () => true,
      onChange: () => () => undefined,
      accessToken: vi.fn(async () => "tok"),
      authed: vi.fn(async (path: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? "GET"} ${path}`);
        if (path === "/api/v1/me") return { username: "alice" };
        if (path.startsWith("/api/v1/notifications?")) return { notifications: path.includes("limit=1&") || path.endsWith("limit=1") ? [] : [older], unread };
        if (path === "/api/v1/notifications/12/read") return (unread--, undefined);
        return [];
      }),
      logOut: vi.fn(async () => undefined),
    };
    localStorage.setItem("lang", "en");
    history.pushState(null, "", "/notifications");
    const root = document.body.appendChild(document.createElement("div"));
    await act(async () => {
      render(<App session={session as never} />, root);
    });
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    const badge = () => root.querySelector('header nav a[href="/notifications"] [data-testid="unread"]')!;
    expect(badge().getAttribute("data-count")).toBe("1");
    expect(root.querySelector('header nav a[href="/alerts"]')!.textContent).toBe("Price alerts");
    expect(root.querySelector('li[data-notification-id="11"]')).not.toBeNull();

    // One connection for trade updates and notifications.
    const streams = FakeSocket.all.filter((s) => s.url.endsWith("/stream"));
    expect(streams).toHaveLength(1);
    const ws = streams[0]!;
    await act(async () => {
      ws.onopen?.();
      ws.serve({ stream: "authorization", data: { status: "authorized", action: "authenticate" } });
    });
    expect(ws.sent).toEqual([
      { action: "authenticate", data: { oauth_token: "tok" } },
      { action: "listen", data: { streams: ["trade_updates", "notifications"] } },
    ]);
    await act(async () => ws.serve({ stream: "listening", data: { streams: ["trade_updates", "notifications"] } }));
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(root.querySelector('a[data-testid="bell"]')!.getAttribute("data-live")).toBe("true");

    unread = 2;
    await act(async () =>
      ws.serve({
        stream: "notifications",
        data: {
          id: "12", alert_id: "3", symbol: "005930", price: "71000", message: "[내일은 투자왕:09:31]삼성전자 71,000원입니다.",
          created_at: "2026-11-26T00:31:02Z", read: false, unread: 2,
        },
      }),
    );
    expect(badge().getAttribute("data-count")).toBe("2");
    expect(badge().textContent).toBe("2Notifications: 2 unread");
    const items = [...root.querySelectorAll("li[data-notification-id]")].map((li) => li.getAttribute("data-notification-id"));
    expect(items).toEqual(["12", "11"]);

    await act(async () => (root.querySelector('li[data-notification-id="12"] button[data-action="read"]') as HTMLElement).click());
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect(calls).toContain("POST /api/v1/notifications/12/read");
    expect(badge().getAttribute("data-count")).toBe("1");
    expect(document.title).toBe("Notifications · InvestKing");

    render(null, root);
    root.remove();
    history.pushState(null, "", "/");
    vi.unstubAllGlobals();
  });
});
