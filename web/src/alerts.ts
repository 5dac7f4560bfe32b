// Price alerts and the notification inbox as the server keeps them (`/api/v1/alerts`, `/api/v1/notifications`;
// docs/api.md, "Price alerts"): the shapes, the calls with the signed-in session, the alert form's checks before
// anything is sent, and an alert's condition in words. The server checks everything again; its refusals are
// shown as it sent them.
import { formatWon } from "./format";
import { t, tf, type Key, type Lang } from "./i18n";
import { formatKst } from "./orders";
import type { Session } from "./session";

export const KINDS = ["price_at_or_above", "price_at_or_below", "change_pct_at_or_above", "change_pct_at_or_below", "volume_above"] as const;
export type AlertKind = (typeof KINDS)[number];
export const CHANNELS = ["in_app", "webhook", "sns"] as const;
export type Channel = (typeof CHANNELS)[number];
export type AlertMode = "once" | "repeat";
export type AlertStatus = "armed" | "fired" | "expired";

// An alert as the server shows it: `level` is decimal text (won, percent or shares by kind), times RFC 3339.
export interface Alert {
  id: string;
  symbol: string;
  kind: AlertKind;
  level: string;
  mode: AlertMode;
  cooldown_s: number;
  expires_at: string | null;
  channels: Channel[];
  webhook_url: string | null;
  webhook_secret?: string | null; // whsec_…: what the receiver checks X-InvestKing-Signature with
  sns_topic_arn?: string | null;
  language?: Lang;
  status: AlertStatus;
  last_fired_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewAlert {
  symbol: string;
  kind: AlertKind;
  level: string;
  mode: AlertMode;
  cooldown_s?: number;
  expires_at?: string;
  channels: Channel[];
  webhook_url?: string;
  sns_topic_arn?: string;
  language?: Lang;
}

export interface Notification {
  id: string;
  alert_id: string;
  symbol: string;
  price: string;
  message: string;
  created_at: string;
  read: boolean;
}

export interface NotificationPage {
  notifications: Notification[];
  unread: number;
}

type Authed = Pick<Session, "authed">;

export function listAlerts(session: Authed): Promise<Alert[]> {
  return session.authed<Alert[]>("/api/v1/alerts");
}

export function createAlert(session: Authed, body: NewAlert): Promise<Alert> {
  return session.authed<Alert>("/api/v1/alerts", { method: "POST", body: JSON.stringify(body) });
}

export function deleteAlert(session: Authed, id: string): Promise<void> {
  return session.authed<void>(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: "DELETE" });
}

// A fired once-alert watches again.
export function rearmAlert(session: Authed, id: string): Promise<Alert> {
  return session.authed<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify({ status: "armed" }) });
}

// The inbox, newest first: `limit` of them, only those older than `before` (an id) when given.
export function listNotifications(session: Authed, { limit, before }: { limit: number; before?: string }): Promise<NotificationPage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before) params.set("before", before);
  return session.authed<NotificationPage>(`/api/v1/notifications?${params}`);
}

export function readNotification(session: Authed, id: string): Promise<void> {
  return session.authed<void>(`/api/v1/notifications/${encodeURIComponent(id)}/read`, { method: "POST" });
}

// ---- the form's checks ----

// The bounds the server keeps (src/alerts/rules.hpp): prices 1 … 10^8 won, changes −100 % … +1,000 % (not 0) with
// at most four decimals, volumes 1 … 10^12 shares; cooldowns up to 7 days.
const MAX_PRICE = 100_000_000;
const MAX_VOLUME = 1_000_000_000_000;
const MAX_COOLDOWN_MIN = 7 * 24 * 60;

export interface AlertDraft {
  kind: AlertKind;
  level: string;
  mode: AlertMode;
  cooldownMin: string; // repeat only
  expires: string; // "YYYY-MM-DDTHH:MM" in Korea Standard Time (a datetime-local input), or empty
  channels: readonly Channel[];
  webhookUrl: string; // with the webhook channel
  snsTopicArn?: string; // with the sns channel: a topic, or empty for an SMS to the profile's phone
}

export type DraftField = "level" | "cooldown" | "expires" | "channels" | "webhook_url" | "sns_topic_arn";

// An SNS topic ARN as the server accepts it.
const TOPIC_ARN = /^arn:aws:sns:[a-z0-9-]{1,32}:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export interface Checked {
  problems: Array<{ field: DraftField; text: string }>;
  body: NewAlert | null; // null when there are problems
}

export type LevelUnit = "price" | "change_pct" | "volume";

export function levelUnit(kind: AlertKind): LevelUnit {
  return kind.startsWith("price") ? "price" : kind.startsWith("change_pct") ? "change_pct" : "volume";
}

// A whole number typed by a person (thousands separators allowed) in 1 … max, as decimal text; null otherwise.
function wholeText(text: string, max: number): string | null {
  const s = text.replace(/[,\s]/g, "");
  if (!/^[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= max ? String(n) : null;
}

// A percentage as the server takes it ("5", "5.5", "-3.25"; a leading + is dropped): "format" when it is not
// such a number, "range" outside −100 … 1,000 or 0.
export function percentText(text: string): string | "format" | "range" {
  const m = /^([+-]?)(\d+)(?:\.(\d{1,4}))?$/.exec(text.trim().replace(/\s/g, ""));
  if (!m) return "format";
  const [, sign = "", whole = "0", frac = ""] = m;
  if (whole.length > 7) return "range";
  // in units of 0.0001 %, as whole numbers: exact, no floating point
  const units = Number(whole) * 10_000 + Number(frac.padEnd(4, "0"));
  const signed = sign === "-" ? -units : units;
  if (signed === 0 || signed < -100 * 10_000 || signed > 1_000 * 10_000) return "range";
  const fraction = frac.replace(/0+$/, "");
  return `${sign === "-" ? "-" : ""}${Number(whole)}${fraction ? `.${fraction}` : ""}`;
}

// "YYYY-MM-DDTHH:MM[:SS]" read as Korea Standard Time (UTC+9, no daylight saving), as an RFC 3339 UTC time.
export function kstToUtc(local: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h - 9, mi, s);
  const back = new Date(ms + 9 * 3_600_000);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function webhookOk(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && !url.username && !url.password;
  } catch {
    return false;
  }
}

// The form's input checked before sending: each problem in the page's language with the field it is about, or
// the request body.
export function checkAlert(lang: Lang, symbol: string, d: AlertDraft, now: number): Checked {
  const problems: Checked["problems"] = [];
  const add = (field: DraftField, key: Key) => problems.push({ field, text: t(lang, key) });

  let level: string | null = null;
  const unit = levelUnit(d.kind);
  if (!d.level.trim()) add("level", "levelRequired");
  else if (unit === "change_pct") {
    const p = percentText(d.level);
    if (p === "format") add("level", "levelPctRule");
    else if (p === "range") add("level", "levelPctRange");
    else level = p;
  } else {
    level = wholeText(d.level, unit === "price" ? MAX_PRICE : MAX_VOLUME);
    if (level === null) add("level", unit === "price" ? "levelWonRule" : "levelSharesRule");
  }

  let cooldown: number | undefined;
  if (d.mode === "repeat") {
    const s = d.cooldownMin.replace(/[,\s]/g, "");
    const n = s === "" ? 0 : /^[0-9]+$/.test(s) ? Number(s) : NaN;
    if (!(n >= 0 && n <= MAX_COOLDOWN_MIN)) add("cooldown", "cooldownRule");
    else cooldown = n * 60;
  }

  let expires: string | undefined;
  if (d.expires.trim()) {
    const utc = kstToUtc(d.expires);
    if (utc === null) add("expires", "expiryRule");
    else if (Date.parse(utc) <= now) add("expires", "expiryPast");
    else expires = utc;
  }

  const channels = CHANNELS.filter((c) => d.channels.includes(c)); // in the API's order, once each
  if (channels.length === 0) add("channels", "channelsRequired");
  const webhook = channels.includes("webhook");
  if (webhook && !webhookOk(d.webhookUrl)) add("webhook_url", "webhookRule");
  const topic = channels.includes("sns") ? (d.snsTopicArn ?? "").trim() : "";
  if (topic && !TOPIC_ARN.test(topic)) add("sns_topic_arn", "snsTopicRule");

  if (problems.length > 0 || level === null) return { problems, body: null };
  const body: NewAlert = { symbol, kind: d.kind, level, mode: d.mode, channels };
  if (cooldown !== undefined) body.cooldown_s = cooldown;
  if (expires) body.expires_at = expires;
  if (webhook) body.webhook_url = d.webhookUrl.trim();
  if (topic) body.sns_topic_arn = topic;
  body.language = lang; // the message comes in the language the user reads the site in
  return { problems, body };
}

// ---- in words ----

const locale = (lang: Lang) => (lang === "ko" ? "ko-KR" : "en-US");

// The level with its unit's formatting: "71,000", "+5.5", "−3.25", "1,000,000". Percentages keep the server's
// exact digits.
export function levelText(lang: Lang, kind: AlertKind, level: string): string {
  if (levelUnit(kind) !== "change_pct") return formatWon(level, locale(lang));
  return level.startsWith("-") ? `−${level.slice(1)}` : `+${level}`;
}

// "가격 71,000원 이상", "Change at or below −3%", "Volume above 1,000,000 shares".
export function conditionText(lang: Lang, a: Pick<Alert, "kind" | "level">): string {
  return tf(lang, `cond_${a.kind}`, { level: levelText(lang, a.kind, a.level) });
}

function durationText(lang: Lang, seconds: number): string {
  return seconds % 60 === 0 ? tf(lang, "minutes", { n: seconds / 60 }) : tf(lang, "seconds", { n: seconds });
}

// "한 번", "Repeat (at most every 5 min)"; the expiry after it when there is one.
export function modeText(lang: Lang, a: Pick<Alert, "mode" | "cooldown_s" | "expires_at">): string {
  const mode =
    a.mode === "once" ? t(lang, "once") : a.cooldown_s > 0 ? tf(lang, "repeatEvery", { cooldown: durationText(lang, a.cooldown_s) }) : t(lang, "repeat");
  return a.expires_at ? `${mode} · ${tf(lang, "until", { time: formatKst(a.expires_at) })}` : mode;
}

export function statusText(lang: Lang, status: string): string {
  return status === "armed" || status === "fired" || status === "expired" ? t(lang, `status_${status}`) : status;
}

export function channelsText(lang: Lang, channels: readonly string[]): string {
  return channels.map((c) => ((CHANNELS as readonly string[]).includes(c) ? t(lang, `channel_${c as Channel}`) : c)).join(", ");
}
