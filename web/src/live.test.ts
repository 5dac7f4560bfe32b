import { describe, expect, it } from "vitest";

import { backoffDelay, LiveFeed, pushedNotification, type PushedNotification, type Trade, type TradeUpdate } from "./live";

class FakeSocket {
  static all: FakeSocket[] = [];
  sent: unknown[] = [];
  onmessage: ((ev: { data: string | ArrayBuffer }) => void) | null = null;
  onopen: (() => void) | null = null;
  binaryType = "blob";
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
  serve(messages: unknown[]) {
    this.onmessage?.({ data: JSON.stringify(messages) });
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("LiveFeed", () => {
  it("grows its backoff to 30 s with jitter", () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4_000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
    expect(backoffDelay(20, () => 0)).toBe(15_000);
  });

  it("authenticates with the token, subscribes, delivers trades, and reconnects after a drop", async () => {
    FakeSocket.all = [];
    const trades: Trade[] = [];
    const stale: boolean[] = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    let token = "t1";
    const feed = new LiveFeed({
      url: "ws://x/v2/iex",
      token: async () => token,
      symbols: ["005930", "000660"],
      onTrade: (t) => trades.push(t),
      onStale: (s) => stale.push(s),
      makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      random: () => 1,
      setTimer: (fn, ms) => timers.push({ fn, ms }),
    });
    feed.start();
    await flush();
    const first = FakeSocket.all[0]!;
    first.serve([{ T: "success", msg: "connected" }]);
    expect(first.sent).toEqual([{ action: "auth", token: "t1" }]);
    first.serve([{ T: "success", msg: "authenticated" }]);
    expect(first.sent[1]).toEqual({ action: "subscribe", trades: ["005930", "000660"] });
    first.serve([{ T: "subscription", trades: ["005930", "000660"] }]);
    expect(stale).toEqual([false]);
    first.serve([{ T: "t", S: "005930", p: 250500, s: 10, t: "2026-11-25T00:00:00Z" }, { T: "q", S: "005930" }]);
    expect(trades).toEqual([{ symbol: "005930", price: 250500, size: 10, time: "2026-11-25T00:00:00Z" }]);

    first.close(); // the server went away
    expect(stale).toEqual([false, true]);
    const retries = () => timers.filter((t) => t.ms !== 10_000); // leaving out each socket's ready timeout
    expect(retries().map((t) => t.ms)).toEqual([500]);
    token = "t2";
    retries()[0]!.fn();
    await flush();
    const second = FakeSocket.all[1]!;
    second.serve([{ T: "success", msg: "connected" }]);
    expect(second.sent[0]).toEqual({ action: "auth", token: "t2" });
    second.close(); // down again before subscribing: the delay doubles
    expect(retries().map((t) => t.ms)).toEqual([500, 1_000]);
    feed.stop();
    retries()[1]!.fn();
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("waits for a token instead of connecting signed out or offline", async () => {
    FakeSocket.all = [];
    const timers: number[] = [];
    const feedWith = (token: () => Promise<string | null>) =>
      new LiveFeed({
        url: "ws://x/v2/iex",
        token,
        symbols: ["005930"],
        onTrade: () => undefined,
        onStale: () => undefined,
        makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
        random: () => 1,
        setTimer: (_fn, ms) => timers.push(ms),
      });
    const signedOut = feedWith(async () => null);
    signedOut.start();
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(timers).toEqual([500]);
    signedOut.stop();

    const offline = feedWith(async () => {
      throw new Error("offline");
    });
    offline.start();
    await flush();
    expect(FakeSocket.all).toHaveLength(0);
    expect(timers).toEqual([500, 500]);
    offline.stop();
  });

  it("follows the account's trade updates on /stream, from binary frames too", async () => {
    FakeSocket.all = [];
    const updates: TradeUpdate[] = [];
    const stale: boolean[] = [];
    const feed = new LiveFeed({
      url: "ws://x/stream",
      stream: "trade_updates",
      token: async () => "t1",
      onUpdate: (u) => updates.push(u),
      onStale: (s) => stale.push(s),
      makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      setTimer: () => 0,
    });
    feed.start();
    await flush();
    const ws = FakeSocket.all[0]!;
    expect(ws.binaryType).toBe("arraybuffer");
    ws.onopen?.();
    expect(ws.sent).toEqual([{ action: "authenticate", data: { oauth_token: "t1" } }]);
    const frame = (m: unknown) => ws.onmessage?.({ data: new TextEncoder().encode(JSON.stringify(m)).buffer as ArrayBuffer });
    frame({ stream: "authorization", data: { status: "authorized", action: "authenticate" } });
    expect(ws.sent[1]).toEqual({ action: "listen", data: { streams: ["trade_updates"] } });
    frame({ stream: "listening", data: { streams: ["trade_updates"] } });
    expect(stale).toEqual([false]);
    ws.onmessage?.({ data: JSON.stringify({ stream: "trade_updates", data: { event: "fill", order: { id: "o1", symbol: "005930", status: "filled" } } }) });
    expect(updates).toEqual([{ event: "fill", order: { id: "o1", symbol: "005930", status: "filled" } }]);
    frame({ stream: "authorization", data: { status: "unauthorized" } });
    expect(ws.closed).toBe(true);
    expect(stale).toEqual([false, true]);
    feed.stop();
  });

  it("listens to the account's notifications on the same /stream connection, and hands each to the app", async () => {
    FakeSocket.all = [];
    const updates: TradeUpdate[] = [];
    const pushed: PushedNotification[] = [];
    const listening: string[][] = [];
    const stale: boolean[] = [];
    const feed = new LiveFeed({
      url: "ws://x/stream",
      stream: "trade_updates",
      token: async () => "t1",
      onUpdate: (u) => updates.push(u),
      onNotification: (n) => pushed.push(n),
      onListening: (streams) => listening.push(streams),
      onStale: (s) => stale.push(s),
      makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      setTimer: () => 0,
    });
    feed.start();
    await flush();
    expect(FakeSocket.all).toHaveLength(1); // one connection for both streams
    const ws = FakeSocket.all[0]!;
    ws.onopen?.();
    const send = (m: unknown) => ws.onmessage?.({ data: JSON.stringify(m) });
    send({ stream: "authorization", data: { status: "authorized", action: "authenticate" } });
    expect(ws.sent[1]).toEqual({ action: "listen", data: { streams: ["trade_updates", "notifications"] } });
    send({ stream: "listening", data: { streams: ["trade_updates", "notifications"] } });
    expect(listening).toEqual([["trade_updates", "notifications"]]);
    expect(stale).toEqual([false]);
    send({
      stream: "notifications",
      data: {
        id: "12", alert_id: "3", symbol: "005930", price: "71000", message: "[내일은 투자왕:09:31]삼성전자 71,000원입니다.",
        created_at: "2026-11-26T00:31:02Z", read: false, unread: 4,
      },
    });
    send({ stream: "trade_updates", data: { event: "new", order: { id: "o2" } } });
    send({ stream: "notifications", data: { message: "no id" } }); // nothing to show or mark: dropped
    expect(pushed).toEqual([
      {
        id: "12", alert_id: "3", symbol: "005930", price: "71000", message: "[내일은 투자왕:09:31]삼성전자 71,000원입니다.",
        created_at: "2026-11-26T00:31:02Z", read: false, unread: 4,
      },
    ]);
    expect(updates).toEqual([{ event: "new", order: { id: "o2" } }]);
    feed.stop();
  });

  it("keeps trade updates going with a server that has no notifications stream", async () => {
    FakeSocket.all = [];
    const listening: string[][] = [];
    const stale: boolean[] = [];
    const feed = new LiveFeed({
      url: "ws://x/stream",
      stream: "trade_updates",
      token: async () => "t1",
      onNotification: () => undefined,
      onListening: (streams) => listening.push(streams),
      onStale: (s) => stale.push(s),
      makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      setTimer: () => 0,
    });
    feed.start();
    await flush();
    const ws = FakeSocket.all[0]!;
    const send = (m: unknown) => ws.onmessage?.({ data: JSON.stringify(m) });
    send({ stream: "authorization", data: { status: "authorized" } });
    send({ stream: "listening", data: { streams: ["trade_updates"] } }); // unknown names are left out
    expect(listening).toEqual([["trade_updates"]]);
    expect(stale).toEqual([false]);
    expect(ws.closed).toBe(false);
    feed.stop();
  });

  it("reads a pushed notification defensively", () => {
    expect(pushedNotification({ id: 5, price: 71000, read: "yes", unread: -1 })).toEqual({
      id: "5", alert_id: "", symbol: "", price: "71000", message: "", created_at: "", read: false, unread: null,
    });
    expect(pushedNotification({ id: "" })).toBeNull();
    expect(pushedNotification({ id: "9", unread: 0 })!.unread).toBe(0);
  });

  it("drops a socket that never gets ready, reconnects only on fatal errors, and resets the backoff after a stable run", async () => {
    FakeSocket.all = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    let now = 0;
    const feed = new LiveFeed({
      url: "ws://x/v2/iex",
      token: async () => "t",
      symbols: ["005930"],
      onStale: () => undefined,
      makeSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
      random: () => 1,
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      now: () => now,
    });
    feed.start();
    await flush();
    const silent = FakeSocket.all[0]!;
    timers.find((t) => t.ms === 10_000)!.fn(); // no subscription within 10 s: half-open, closed
    expect(silent.closed).toBe(true);
    timers.filter((t) => t.ms !== 10_000).at(-1)!.fn();
    await flush();
    const ws = FakeSocket.all[1]!;
    ws.serve([{ T: "success", msg: "connected" }, { T: "success", msg: "authenticated" }, { T: "subscription", trades: ["005930"] }]);
    ws.serve([{ T: "error", code: 405, msg: "symbol limit exceeded" }]);
    expect(ws.closed).toBe(false); // the connection stays
    now += 60_000; // a minute of good service
    ws.serve([{ T: "error", code: 407, msg: "slow client" }]);
    expect(ws.closed).toBe(true);
    expect(timers.filter((t) => t.ms !== 10_000).map((t) => t.ms)).toEqual([500, 500]); // backoff back to the start
    feed.stop();
  });
});
