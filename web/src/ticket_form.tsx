// The order ticket on the stock page: side, type, time in force, quantity and prices (snapped to the KRX tick
// grid, with one-tick steppers), the estimate with commission and tax, and what the user can spend or sell.
// Mistakes are caught here first (ticket.ts) and listed in the user's language; whatever the server refuses
// is shown as the server said it. An accepted order's status follows its trade updates (`version`).
import { useEffect, useState } from "preact/hooks";

import { ApiError, errorText, type MarketRules, type Stock } from "./api";
import { formatWon } from "./format";
import { t, type Key, type Lang } from "./i18n";
import { snapToTick, stepTick } from "./krx";
import { word } from "./orders";
import type { Session } from "./session";
import { checkTicket, DEFAULT_FEES, estimate, type OrderType, type Problem, type Side } from "./ticket";

const TYPES: ReadonlyArray<[OrderType, Key]> = [
  ["market", "market_"],
  ["limit", "limit"],
  ["stop", "stop"],
  ["stop_limit", "stop_limit"],
];
const TIFS = ["day", "gtc", "ioc", "fok"] as const;

interface Order {
  id: string;
  status: string;
  filled_qty: string;
  filled_avg_price: string | null;
}

export function problemText(lang: Lang, p: Problem): string {
  const field = p.field === "qty" ? "" : p.field === "limitPrice" ? `${t(lang, "limitPrice")}: ` : p.field === "stopPrice" ? `${t(lang, "stopPrice")}: ` : "";
  const key: Key =
    p.field === "qty"
      ? ({ required: "qtyRequired", whole: "qtyWhole", positive: "qtyPositive", tooMany: "qtyTooMany", tooLarge: "qtyTooLarge" } as const)[p.reason]
      : p.field === "total"
        ? "overBuyingPower"
        : ({ required: "priceRequired", whole: "priceWhole", offTick: "priceOffTick", outsideBand: "priceOutsideBand" } as const)[p.reason];
  return field + t(lang, key);
}

function digits(text: string): number | null {
  const s = text.trim().replace(/,/g, "");
  return /^\d+$/.test(s) ? Number(s) : null;
}

export function OrderTicket({ lang, session, stock, rules, version, onPlaced }: {
  lang: Lang;
  session: Session;
  stock: Stock;
  rules: MarketRules | null;
  version: number;
  onPlaced: () => void;
}) {
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const [side, setSide] = useState<Side>("buy");
  const [type, setType] = useState<OrderType>("market");
  const [tif, setTif] = useState<(typeof TIFS)[number]>("day");
  const [qty, setQty] = useState("");
  const [limitPrice, setLimitPrice] = useState("");
  const [stopPrice, setStopPrice] = useState("");
  const [buyingPower, setBuyingPower] = useState<number | null>(null);
  const [shares, setShares] = useState(0);
  const [problems, setProblems] = useState<string[]>([]);
  const [invalid, setInvalid] = useState<ReadonlySet<string>>(new Set()); // fields named by the problems
  const [placed, setPlaced] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);

  const market = { price: Number(stock.price), lower: Number(stock.lower_limit), upper: Number(stock.upper_limit) };
  const fees = rules ?? DEFAULT_FEES;

  // What the user may spend and sell, and the last order's status, follow the account's trade updates.
  useEffect(() => {
    let stopped = false;
    session
      .authed<{ buying_power: string }>("/v2/account")
      .then((a) => !stopped && setBuyingPower(Number(a.buying_power)))
      .catch(() => undefined);
    session
      .authed<{ qty_available: string }>(`/v2/positions/${stock.symbol}`)
      .then((p) => !stopped && setShares(Number(p.qty_available)))
      .catch((e) => !stopped && e instanceof ApiError && e.status === 404 && setShares(0));
    if (placed)
      session
        .authed<Order>(`/v2/orders/${placed.id}`)
        .then((o) => !stopped && setPlaced(o))
        .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [session, stock.symbol, version]);

  const needsLimit = type === "limit" || type === "stop_limit";
  const needsStop = type === "stop" || type === "stop_limit";
  // IOC and FOK need the continuous session and are not for stop orders (the server refuses them otherwise).
  const immediateAllowed = !needsStop && (rules === null || rules.session === "continuous");
  const tifAllowed = (v: (typeof TIFS)[number]) => immediateAllowed || (v !== "ioc" && v !== "fok");
  useEffect(() => {
    if (!tifAllowed(tif)) setTif("day");
  });
  const chooseType = (next: OrderType) => {
    setType(next);
    const here = String(snapToTick(market.price, "down"));
    if ((next === "limit" || next === "stop_limit") && !limitPrice) setLimitPrice(here);
    if ((next === "stop" || next === "stop_limit") && !stopPrice) setStopPrice(here);
  };
  const step = (field: "limit_price" | "stop_price", steps: number) => {
    const [value, set] = field === "limit_price" ? [limitPrice, setLimitPrice] : [stopPrice, setStopPrice];
    const current = digits(value) ?? market.price;
    const onGrid = snapToTick(current, steps > 0 ? "up" : "down");
    const next = onGrid !== current ? onGrid : stepTick(current, steps);
    set(String(Math.min(market.upper, Math.max(market.lower, next))));
  };

  const q = digits(qty) ?? 0;
  const e = estimate(side, type, q, digits(limitPrice) ?? 0, market, fees);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const found = checkTicket(
      { side, type, qty, limitPrice, stopPrice },
      market,
      { buyingPower: buyingPower ?? Number.MAX_SAFE_INTEGER, sharesAvailable: shares },
      fees,
    );
    setPlaced(null);
    setInvalid(new Set(found.map((p) => (p.field === "total" ? "qty" : p.field))));
    if (found.length > 0) return setProblems(found.map((p) => problemText(lang, p)));
    setProblems([]);
    setBusy(true);
    try {
      const body: Record<string, string> = { symbol: stock.symbol, qty: String(q), side, type, time_in_force: tif };
      if (needsLimit) body.limit_price = String(digits(limitPrice));
      if (needsStop) body.stop_price = String(digits(stopPrice));
      setPlaced(await session.authed<Order>("/v2/orders", { method: "POST", body: JSON.stringify(body) }));
      onPlaced();
    } catch (err) {
      setProblems([errorText(lang, err)]);
    } finally {
      setBusy(false);
    }
  };

  const priceInput = (field: "limit_price" | "stop_price", label: Key, value: string, set: (v: string) => void) => (
    <div class="price-field">
      <label>
        {t(lang, label)}
        <input
          name={field}
          inputMode="numeric"
          autocomplete="off"
          value={value}
          aria-invalid={invalid.has(field === "limit_price" ? "limitPrice" : "stopPrice") || undefined}
          aria-describedby={problems.length > 0 ? "ticket-problems" : undefined}
          onInput={(e) => set(e.currentTarget.value)}
        />
      </label>
      <button type="button" data-step={`${field}:-1`} aria-label={`${t(lang, label)} — ${t(lang, "tickDown")}`} onClick={() => step(field, -1)}>
        −
      </button>
      <button type="button" data-step={`${field}:+1`} aria-label={`${t(lang, label)} — ${t(lang, "tickUp")}`} onClick={() => step(field, 1)}>
        +
      </button>
    </div>
  );

  return (
    <form class="ticket" data-testid="ticket" data-side={side} onSubmit={submit} noValidate aria-label={t(lang, side === "buy" ? "placeBuy" : "placeSell")}>
      <fieldset class="sides">
        <legend class="visually-hidden">{t(lang, "buy")} / {t(lang, "sell")}</legend>
        {(["buy", "sell"] as const).map((s) => (
          <label key={s} class={`side ${s}`}>
            <input type="radio" name="side" value={s} checked={side === s} onClick={() => setSide(s)} onChange={() => setSide(s)} />
            {t(lang, s)}
          </label>
        ))}
      </fieldset>
      <label>
        {t(lang, "orderType")}
        <select name="type" value={type} onChange={(e) => chooseType(e.currentTarget.value as OrderType)}>
          {TYPES.map(([v, k]) => (
            <option key={v} value={v}>
              {t(lang, k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(lang, "tif")}
        <select name="tif" value={tif} onChange={(e) => setTif(e.currentTarget.value as (typeof TIFS)[number])}>
          {TIFS.map((v) => (
            <option key={v} value={v} disabled={!tifAllowed(v)}>
              {t(lang, v)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t(lang, "qty")}
        <input
          name="qty"
          inputMode="numeric"
          autocomplete="off"
          value={qty}
          aria-invalid={invalid.has("qty") || undefined}
          aria-describedby={problems.length > 0 ? "ticket-problems" : undefined}
          onInput={(e) => setQty(e.currentTarget.value)}
        />
      </label>
      {needsLimit && priceInput("limit_price", "limitPrice", limitPrice, setLimitPrice)}
      {needsStop && priceInput("stop_price", "stopPrice", stopPrice, setStopPrice)}
      <dl data-testid="estimate" class="estimate">
        <dt>{t(lang, "estimateAt")}</dt>
        <dd>{formatWon(e.price, locale)}</dd>
        <dt>{t(lang, "notional")}</dt>
        <dd>{formatWon(e.notional, locale)}</dd>
        <dt>{t(lang, "commission")}</dt>
        <dd>{formatWon(e.commission, locale)}</dd>
        {side === "sell" && (
          <>
            <dt>{t(lang, "tax")}</dt>
            <dd>{formatWon(e.tax, locale)}</dd>
          </>
        )}
        <dt>{t(lang, side === "buy" ? "totalBuy" : "totalSell")}</dt>
        <dd>{formatWon(e.total, locale)}</dd>
      </dl>
      <p data-testid="available" class="available">
        {side === "buy"
          ? `${t(lang, "buyingPower")}: ${buyingPower === null ? "—" : formatWon(buyingPower, locale)}`
          : `${t(lang, "sharesAvailable")}: ${formatWon(shares, locale)}`}
      </p>
      {problems.length > 0 && (
        <ul role="alert" class="error" id="ticket-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {placed && (
        <p role="status" class="placed" data-status={placed.status}>
          {t(lang, "placed")}: {word(lang, placed.status)}
          {Number(placed.filled_qty) > 0 && placed.filled_avg_price
            ? ` (${formatWon(placed.filled_qty, locale)} @ ${formatWon(placed.filled_avg_price, locale)})`
            : ""}
        </p>
      )}
      {/* The list can lag a halt or resumption by a few seconds, so the order may still go: the server decides. */}
      {!stock.tradable && (
        <p role="status" class="error">
          {t(lang, "notTradable")}
        </p>
      )}
      <button type="submit" class={`submit ${side}`} disabled={busy}>
        {t(lang, side === "buy" ? "placeBuy" : "placeSell")}
      </button>
    </form>
  );
}
