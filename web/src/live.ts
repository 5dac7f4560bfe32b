// Live updates over the server's WebSockets, in Alpaca's protocols, authenticated with the session's access
// token: market data (`/v2/iex`: trades of the symbols shown, handed to the page) and the account's trade
// updates (`/stream`: every order event, so open orders, fills and cash refresh without polling) and, on the same
// connection, the account's new notifications (price alerts that fired: the header's unread count and the inbox).
// A dropped connection is retried with exponential backoff and jitter (0.5 s doubling to 30 s); while it is
// down the feed reports itself stale so the page can say its prices may be old.
import type { Notification } from "./alerts";

export interface Trade {
  symbol: string;
  price: number;
  size: number;
  time: string;
}

export interface TradeUpdate {
  event: string; // new, fill, partial_fill, canceled, expired, replaced, rejected, …
  order: { id?: string; symbol?: string; status?: string };
}

// A notification pushed on /stream's `notifications` stream: the inbox entry and the user's unread count after it.
export interface PushedNotification extends Notification {
  unread: number | null; // null when the server did not say
}

export interface LiveFeedOptions {
  url: string;                                   // ws://host/v2/iex or ws://host/stream
  token: () => Promise<string | null>;           // a fresh access token, or null when signed out
  stream?: "market" | "trade_updates";           // which protocol `url` speaks (market data by default)
  symbols?: string[];
  onTrade?: (t: Trade) => void;
  onUpdate?: (u: TradeUpdate) => void;
  onNotification?: (n: PushedNotification) => void; // trade_updates: also listen to the notifications stream
  onListening?: (streams: string[]) => void;          // trade_updates: the streams the server confirmed
  onStale: (stale: boolean) => void;
  makeSocket?: (url: string) => WebSocket;       // tests pass a fake
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  now?: () => number;
  clearTimer?: (timer: unknown) => void;
}

const FIRST_DELAY_MS = 500;
const READY_TIMEOUT_MS = 10_000; // from opening the socket to subscribed: longer means a half-open connection
const STABLE_MS = 30_000; // a connection that lasted this long resets the backoff
// Alpaca's stream errors after which the server closes (or the connection is useless): reconnect. Others
// (a bad message, a symbol limit, a server hiccup) leave the connection as it is.
const FATAL_ERRORS = new Set([401, 402, 404, 406, 407, 409]);
const MAX_DELAY_MS = 30_000;

export function backoffDelay(attempt: number, random: () => number): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return Math.round(base / 2 + (random() * base) / 2); // half fixed, half jitter
}

export class LiveFeed {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private upSince: number | null = null; // when the current connection became ready
  private timer: unknown = null;
  private closed = false;
  private stale: boolean | null = null; // unknown until the first connection succeeds or fails

  constructor(private readonly o: LiveFeedOptions) {}

  start(): void {
    this.closed = false;
    void this.connect();
  }

  stop(): void {
    this.closed = true;
    if (this.timer !== null) (this.o.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
    this.timer = null;
    this.socket?.close(1000, "page closed");
    this.socket = null;
  }

  private setStale(stale: boolean) {
    if (stale === this.stale) return;
    this.stale = stale;
    this.o.onStale(stale);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let token: string | null = null;
    try {
      token = await this.o.token();
    } catch {
      token = null; // the session could not renew (offline?): try again later
    }
    if (this.closed) return;
    if (!token) return this.retry();
    const ws = (this.o.makeSocket ?? ((u) => new WebSocket(u)))(this.o.url);
    this.socket = ws;
    ws.binaryType = "arraybuffer"; // /stream may send binary frames (JSON text in them, as Alpaca does)
    ws.onopen = () => {
      if (this.o.stream === "trade_updates") ws.send(JSON.stringify({ action: "authenticate", data: { oauth_token: token } }));
    };
    ws.onmessage = (ev) => {
      const text = typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer);
      if (this.o.stream === "trade_updates") this.onUpdateMessage(ws, text);
      else this.onMessage(ws, text, token);
    };
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (this.upSince !== null && this.clock() - this.upSince >= STABLE_MS) this.attempt = 0;
      this.upSince = null;
      this.setStale(true);
      this.retry();
    };
    ws.onerror = () => ws.close();
    // Never ready (no subscription confirmed): give up on this socket and try again.
    (this.o.setTimer ?? setTimeout)(() => {
      if (this.socket === ws && this.upSince === null) ws.close();
    }, READY_TIMEOUT_MS);
  }

  private clock(): number {
    return (this.o.now ?? Date.now)();
  }

  private ready(): void {
    this.upSince = this.clock();
    this.setStale(false);
  }

  private retry(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.attempt++, this.o.random ?? Math.random);
    this.timer = (this.o.setTimer ?? setTimeout)(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private onMessage(ws: WebSocket, text: string, token: string): void {
    let messages: unknown;
    try {
      messages = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(messages)) return;
    for (const m of messages as Array<Record<string, unknown>>) {
      switch (m.T) {
        case "success":
          if (m.msg === "connected") ws.send(JSON.stringify({ action: "auth", token }));
          if (m.msg === "authenticated") ws.send(JSON.stringify({ action: "subscribe", trades: this.o.symbols ?? [] }));
          break;
        case "subscription":
          this.ready();
          break;
        case "t":
          this.o.onTrade?.({ symbol: String(m.S), price: Number(m.p), size: Number(m.s), time: String(m.t) });
          break;
        case "error":
          if (FATAL_ERRORS.has(Number(m.code))) ws.close(); // auth failed, slow client, …: reconnect, fresh token
          break;
      }
    }
  }

  // /stream: {"stream":"authorization","data":{"status":"authorized"}} → listen → trade_updates events, and
  // notifications when asked for. A server without the notifications stream leaves it out of its "listening"
  // reply; trade updates work the same.
  private onUpdateMessage(ws: WebSocket, text: string): void {
    let m: { stream?: string; data?: Record<string, unknown> };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    if (m.stream === "authorization") {
      if (m.data?.status === "authorized") {
        const streams = this.o.onNotification ? ["trade_updates", "notifications"] : ["trade_updates"];
        ws.send(JSON.stringify({ action: "listen", data: { streams } }));
      } else ws.close(); // refused: reconnect with a fresh token
    } else if (m.stream === "listening") {
      const streams = m.data?.streams;
      this.o.onListening?.(Array.isArray(streams) ? streams.map(String) : []);
      this.ready();
    } else if (m.stream === "trade_updates" && m.data) {
      this.o.onUpdate?.({ event: String(m.data.event), order: (m.data.order ?? {}) as TradeUpdate["order"] });
    } else if (m.stream === "notifications" && m.data) {
      const n = pushedNotification(m.data);
      if (n) this.o.onNotification?.(n);
    }
  }
}

// A pushed notification's data, or null when it has no id (nothing the inbox could show or mark read).
export function pushedNotification(d: Record<string, unknown>): PushedNotification | null {
  const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
  const id = text(d.id);
  if (!id) return null;
  return {
    id,
    alert_id: text(d.alert_id),
    symbol: text(d.symbol),
    price: text(d.price),
    message: text(d.message),
    created_at: text(d.created_at),
    read: d.read === true,
    unread: typeof d.unread === "number" && Number.isInteger(d.unread) && d.unread >= 0 ? d.unread : null,
  };
}
