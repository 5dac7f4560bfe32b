// The stock page's price alerts: a form for a new alert (condition, level, once or repeat with a cooldown, an
// optional expiry in KST, where to send it) and, below it, the user's alerts for that stock. Mistakes are caught
// here first (alerts.ts) and listed in the user's language; whatever the server refuses is shown as the server
// said it, beside the form.
import { useState } from "preact/hooks";

import { AlertList } from "./alerts_page";
import {
  CHANNELS,
  checkAlert,
  conditionText,
  createAlert,
  KINDS,
  levelUnit,
  modeText,
  type Alert,
  type AlertDraft,
  type AlertKind,
  type AlertMode,
  type Channel,
  type DraftField,
} from "./alerts";
import { errorText, type Stock } from "./api";
import { t, type Lang } from "./i18n";
import type { Session } from "./session";
import "./pages.css";

type Authed = Pick<Session, "authed">;

// The field a server refusal names at its start ("webhook_url points at …", "level must be …"), if any.
export function refusedField(message: string): DraftField | null {
  const m = /^(level|cooldown_s|expires_at|channels|webhook_url|sns_topic_arn)\b/.exec(message);
  if (!m) return null;
  return m[1] === "cooldown_s" ? "cooldown" : m[1] === "expires_at" ? "expires" : (m[1] as DraftField);
}

export function AlertForm({ lang, session, stock, onCreated, now = Date.now }: {
  lang: Lang;
  session: Authed;
  stock: Pick<Stock, "symbol" | "price" | "volume">;
  onCreated: (a: Alert) => void;
  now?: () => number;
}) {
  const [kind, setKind] = useState<AlertKind>("price_at_or_above");
  const [level, setLevel] = useState("");
  const [mode, setMode] = useState<AlertMode>("once");
  const [cooldownMin, setCooldownMin] = useState("5");
  const [expires, setExpires] = useState("");
  const [channels, setChannels] = useState<readonly Channel[]>(["in_app"]);
  const [webhookUrl, setWebhookUrl] = useState("");
  const [snsTopicArn, setSnsTopicArn] = useState("");
  const [problems, setProblems] = useState<string[]>([]);
  const [invalid, setInvalid] = useState<ReadonlySet<DraftField>>(new Set());
  const [created, setCreated] = useState<Alert | null>(null);
  const [busy, setBusy] = useState(false);

  const unit = levelUnit(kind);
  const chooseKind = (next: AlertKind) => {
    if (levelUnit(next) !== unit) setLevel(""); // won, percent and shares do not carry over
    setKind(next);
  };
  const toggle = (c: Channel, on: boolean) => setChannels((list) => (on ? [...list.filter((x) => x !== c), c] : list.filter((x) => x !== c)));

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const draft: AlertDraft = { kind, level, mode, cooldownMin, expires, channels, webhookUrl, snsTopicArn };
    const checked = checkAlert(lang, stock.symbol, draft, now());
    setCreated(null);
    setInvalid(new Set(checked.problems.map((p) => p.field)));
    setProblems(checked.problems.map((p) => p.text));
    if (!checked.body) return;
    setBusy(true);
    try {
      const alert = await createAlert(session, checked.body);
      setCreated(alert);
      setLevel("");
      onCreated(alert);
    } catch (err) {
      const text = errorText(lang, err);
      const field = err instanceof Error ? refusedField(err.message) : null;
      setInvalid(new Set(field ? [field] : []));
      setProblems([text]);
    } finally {
      setBusy(false);
    }
  };

  const described = problems.length > 0 ? "alert-problems" : undefined;
  const invalidIf = (f: DraftField) => invalid.has(f) || undefined;
  const placeholder = unit === "price" ? String(stock.price) : unit === "change_pct" ? "5.5" : String(Math.max(1, stock.volume));
  return (
    <form class="alert-form" data-testid="alert-form" onSubmit={submit} noValidate aria-label={t(lang, "alertNew")}>
      <label>
        {t(lang, "alertKind")}
        <select name="kind" value={kind} onChange={(e) => chooseKind(e.currentTarget.value as AlertKind)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(lang, `kind_${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(lang, `level_${unit}`)}
        <input
          name="level"
          inputMode={unit === "change_pct" ? "decimal" : "numeric"}
          autocomplete="off"
          placeholder={placeholder}
          value={level}
          aria-invalid={invalidIf("level")}
          aria-describedby={described}
          onInput={(e) => setLevel(e.currentTarget.value)}
        />
      </label>
      <fieldset class="choices">
        <legend>{t(lang, "alertMode")}</legend>
        {(["once", "repeat"] as const).map((m) => (
          <label key={m}>
            <input type="radio" name="mode" value={m} checked={mode === m} onClick={() => setMode(m)} onChange={() => setMode(m)} />
            {t(lang, `mode_${m}`)}
          </label>
        ))}
      </fieldset>
      {mode === "repeat" && (
        <label>
          {t(lang, "cooldownMin")}
          <input
            name="cooldown_min"
            inputMode="numeric"
            autocomplete="off"
            value={cooldownMin}
            aria-invalid={invalidIf("cooldown")}
            aria-describedby={described}
            onInput={(e) => setCooldownMin(e.currentTarget.value)}
          />
        </label>
      )}
      <label>
        {t(lang, "expiresAt")}
        <input
          type="datetime-local"
          name="expires_at"
          value={expires}
          aria-invalid={invalidIf("expires")}
          aria-describedby={described}
          onInput={(e) => setExpires(e.currentTarget.value)}
          onChange={(e) => setExpires(e.currentTarget.value)}
        />
      </label>
      <fieldset class="choices" aria-invalid={invalidIf("channels")}>
        <legend>{t(lang, "alertChannels")}</legend>
        {CHANNELS.map((c) => (
          <label key={c}>
            <input
              type="checkbox"
              name="channels"
              value={c}
              checked={channels.includes(c)}
              onClick={(e) => toggle(c, e.currentTarget.checked)}
              onChange={(e) => toggle(c, e.currentTarget.checked)}
            />
            {t(lang, `channel_${c}`)}
          </label>
        ))}
      </fieldset>
      {channels.includes("webhook") && (
        <label>
          {t(lang, "webhookUrl")}
          <input
            type="url"
            name="webhook_url"
            inputMode="url"
            autocomplete="off"
            placeholder="https://example.com/hook"
            value={webhookUrl}
            aria-invalid={invalidIf("webhook_url")}
            aria-describedby={described}
            onInput={(e) => setWebhookUrl(e.currentTarget.value)}
          />
        </label>
      )}
      {channels.includes("sns") && (
        <label>
          {t(lang, "snsTopicArn")}
          <input
            type="text"
            name="sns_topic_arn"
            autocomplete="off"
            placeholder="arn:aws:sns:ap-northeast-2:123456789012:alerts"
            value={snsTopicArn}
            aria-invalid={invalidIf("sns_topic_arn")}
            aria-describedby={described}
            onInput={(e) => setSnsTopicArn(e.currentTarget.value)}
          />
          <small>{t(lang, "snsTopicHint")}</small>
        </label>
      )}
      {problems.length > 0 && (
        <ul role="alert" class="error" id="alert-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {created && (
        <p role="status" class="created" data-alert-id={created.id} data-status={created.status}>
          {t(lang, "alertCreated")}: {conditionText(lang, created)} · {modeText(lang, created)}
          {created.webhook_secret && (
            <>
              <br />
              {t(lang, "webhookSecret")}: <code data-webhook-secret>{created.webhook_secret}</code>
            </>
          )}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {t(lang, "alertCreate")}
      </button>
    </form>
  );
}

// The form and, below it, the alerts of this stock (read again after each new one and with `version`).
export function StockAlerts({ lang, session, stock, version }: {
  lang: Lang;
  session: Authed;
  stock: Stock;
  version: number;
}) {
  const [created, setCreated] = useState(0);
  const names = new Map([[stock.symbol, stock]]);
  return (
    <section class="stock-alerts" data-testid="stock-alerts" aria-labelledby="stock-alerts-title">
      <h3 id="stock-alerts-title">{t(lang, "alerts")}</h3>
      <p class="note">{t(lang, "alertsIntro")}</p>
      <div class="stock-alerts-body">
        <AlertForm key={stock.symbol} lang={lang} session={session} stock={stock} onCreated={() => setCreated((n) => n + 1)} />
        <div>
          <h4>{t(lang, "alertsOfStock")}</h4>
          <AlertList lang={lang} session={session} symbol={stock.symbol} names={names} version={`${version}:${created}`} />
        </div>
      </div>
    </section>
  );
}
