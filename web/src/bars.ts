// Price bars for the stock chart: the app's timeframes and the data API's names and windows for them, Alpaca
// bars parsed into the chart's shape, and a live trade folded into the last bar (or starting the next one).
// Buckets follow the server: minutes and hours on whole UTC multiples (hours are whole hours in KST too),
// days from 00:00 KST (15:00Z the day before). Times are shown in KST whatever the browser's zone.

import type { Lang } from "./i18n";
import type { Trade } from "./live";

export type Timeframe = "1m" | "5m" | "1h" | "1d";
export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "1h", "1d"];
export const DEFAULT_TIMEFRAME: Timeframe = "1m";

export interface Bar {
  time: number; // epoch seconds of the bucket's start
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

// A bar as the data API sends it (`/v2/stocks/{symbol}/bars`): prices and volume are JSON numbers from this
// server, strings are accepted too.
export interface RawBar {
  t: string;
  o: number | string;
  h: number | string;
  l: number | string;
  c: number | string;
  v: number | string;
}

export interface BarsPage {
  bars: RawBar[] | null;
  symbol?: string;
  next_page_token?: string | null;
}

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const KST_OFFSET = 9 * HOUR;
export const BARS_PAGE_LIMIT = 10_000; // the API's largest page

interface Spec {
  api: string;     // the data API's timeframe
  seconds: number; // one bucket
  window: number;  // how far back the chart looks, seconds
}

// Windows reach over a weekend and a holiday, so the chart is not empty before Monday's open.
const SPECS: Record<Timeframe, Spec> = {
  "1m": { api: "1Min", seconds: MINUTE, window: 4 * DAY },
  "5m": { api: "5Min", seconds: 5 * MINUTE, window: 10 * DAY },
  "1h": { api: "1Hour", seconds: HOUR, window: 60 * DAY },
  "1d": { api: "1Day", seconds: DAY, window: 3 * 365 * DAY },
};

export function isTimeframe(s: string): s is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(s);
}

export function apiTimeframe(tf: Timeframe): string {
  return SPECS[tf].api;
}

// Seconds since the epoch of an RFC 3339 time (the server writes microseconds; Date takes milliseconds).
export function epochSeconds(rfc3339: string): number {
  return Date.parse(rfc3339.replace(/(\.\d{3})\d+/, "$1")) / 1000;
}

// The path of one page of bars for `symbol`, from `window` before `nowMs` up to now.
export function barsPath(symbol: string, tf: Timeframe, nowMs: number, pageToken?: string | null): string {
  const params = new URLSearchParams({
    timeframe: SPECS[tf].api,
    start: new Date(nowMs - SPECS[tf].window * 1000).toISOString(),
    limit: String(BARS_PAGE_LIMIT),
  });
  if (pageToken) params.set("page_token", pageToken);
  return `/v2/stocks/${encodeURIComponent(symbol)}/bars?${params}`;
}

// One bar from the API, or null when a field is missing or not a number.
export function parseBar(raw: RawBar): Bar | null {
  const time = epochSeconds(raw.t);
  const [open, high, low, close, volume] = [raw.o, raw.h, raw.l, raw.c, raw.v].map(Number) as [
    number, number, number, number, number,
  ];
  if (![time, open, high, low, close, volume].every(Number.isFinite)) return null;
  return { time: Math.floor(time), open, high, low, close, volume };
}

// Bars in ascending time with no repeated time (the chart requires it): later duplicates win.
export function parseBars(raw: readonly RawBar[]): Bar[] {
  const out: Bar[] = [];
  for (const r of raw) {
    const bar = parseBar(r);
    if (!bar) continue;
    const last = out[out.length - 1];
    if (last && bar.time < last.time) continue;
    if (last && bar.time === last.time) out[out.length - 1] = bar;
    else out.push(bar);
  }
  return out;
}

// The start of the bucket holding `seconds` (epoch seconds).
export function bucketStart(seconds: number, tf: Timeframe): number {
  if (tf === "1d") return Math.floor((seconds + KST_OFFSET) / DAY) * DAY - KST_OFFSET;
  const size = SPECS[tf].seconds;
  return Math.floor(seconds / size) * size;
}

// The bars with a trade folded in: the last bar's high, low, close and volume when the trade falls in its
// bucket, a new bar when it starts a later one. A trade from before the last bar (or with an unreadable time
// or price) changes nothing: the same array comes back. The input is never modified.
export function applyTradeToBars(bars: readonly Bar[], trade: Pick<Trade, "price" | "size" | "time">, tf: Timeframe): Bar[] {
  const seconds = epochSeconds(trade.time);
  const size = Number.isFinite(trade.size) && trade.size > 0 ? trade.size : 0;
  if (!Number.isFinite(seconds) || !Number.isFinite(trade.price) || trade.price <= 0) return bars as Bar[];
  const start = bucketStart(seconds, tf);
  const last = bars[bars.length - 1];
  if (last && start < last.time) return bars as Bar[];
  if (last && start === last.time) {
    const updated: Bar = {
      ...last,
      high: Math.max(last.high, trade.price),
      low: Math.min(last.low, trade.price),
      close: trade.price,
      volume: last.volume + size,
    };
    return [...bars.slice(0, -1), updated];
  }
  const p = trade.price;
  return [...bars, { time: start, open: p, high: p, low: p, close: p, volume: size }];
}

// --- KST times for the chart's axis and crosshair ---------------------------------------------------------

const LOCALES: Record<Lang, string> = { ko: "ko-KR", en: "en-US" };
const ZONE = "Asia/Seoul";

function kst(lang: Lang, options: Intl.DateTimeFormatOptions): (seconds: number) => string {
  const f = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: ZONE, ...options });
  return (seconds) => f.format(new Date(seconds * 1000));
}

// The crosshair's label: the date, and the time (KST, 24-hour) for intraday bars.
export function timeLabel(lang: Lang, intraday: boolean): (seconds: number) => string {
  return kst(lang, {
    year: "numeric", month: "2-digit", day: "2-digit",
    ...(intraday ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
  });
}

// Tick mark kinds, numbered as lightweight-charts' TickMarkType (kept here so this module needs no library).
export const TICK = { year: 0, month: 1, day: 2, time: 3, timeWithSeconds: 4 } as const;

// The axis's tick labels, in KST: the year, the month, the day, or the time.
export function tickLabel(lang: Lang): (seconds: number, kind: number) => string {
  const year = kst(lang, { year: "numeric" });
  const month = kst(lang, { month: "short" });
  const day = kst(lang, { month: "numeric", day: "numeric" });
  const time = kst(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const seconds = kst(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  return (s, kind) => {
    switch (kind) {
      case TICK.year: return year(s);
      case TICK.month: return month(s);
      case TICK.day: return day(s);
      case TICK.timeWithSeconds: return seconds(s);
      default: return time(s);
    }
  };
}
