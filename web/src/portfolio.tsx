// The portfolio (the original's "my page"): cash, equity, total and today's P&L and return, holdings with
// average cost, current price, unrealized P&L and weight, the equity curve, and top-up ("charge").
// Holdings are valued at the live prices; P&L leaves deposits out: total is equity minus everything deposited,
// today's is equity minus the equity at 00:00 KST and today's deposits (both from the portfolio history); the
// return is the time-weighted one the leaderboard uses.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

import { errorText, type Stock } from "./api";
import { direction, formatChange, formatPercent, formatWon, moveColor } from "./format";
import { stockName, t, type Lang } from "./i18n";
import { ScrollArea } from "./scroll";
import type { Session } from "./session";

export interface Account {
  cash: string;
  equity: string;
  last_equity: string;
  buying_power: string;
}

export interface Position {
  symbol: string;
  qty: string;
  avg_entry_price: string;
  current_price: string;
  market_value: string;
  cost_basis: string;
  unrealized_pl: string;
  unrealized_plpc: string;
}

// Alpaca's portfolio history: `base_value` is the equity at the window's start, `cashflow.CSD` the deposits that
// arrived at each point.
export interface History {
  base_value: number;
  cashflow?: { CSD?: Array<number | null> | null } | null;
}

// A holding valued at the live price (the price list follows every trade), in whole won.
export interface Holding {
  symbol: string;
  qty: number;
  avgCost: number; // per share, rounded to the won
  price: number;
  value: number;
  costBasis: number;
  unrealized: number;
  unrealizedPct: number; // of the cost basis
}

export interface Summary {
  cash: number;
  equity: number; // cash + holdings at live prices
  holdings: Holding[];
  totalPl: number | null; // equity − everything deposited over the account's life
  dayPl: number | null; // equity − (equity at 00:00 KST + today's deposits)
}

export const MAX_TOPUP = 100_000_000;
const REFRESH_MS = 15_000;

// The start of today in Korea (00:00 KST), as RFC 3339.
export function kstMidnight(now: number): string {
  const kst = new Date(now + 9 * 3_600_000);
  kst.setUTCHours(0, 0, 0, 0);
  return new Date(kst.getTime() - 9 * 3_600_000).toISOString();
}

// What a window's P&L is measured against: its starting equity plus the deposits inside it.
function invested(h: History | null): number | null {
  if (!h || !Number.isFinite(Number(h.base_value))) return null;
  const deposits = (h.cashflow?.CSD ?? []).reduce<number>((sum, d) => sum + Number(d ?? 0), 0);
  return Number(h.base_value) + deposits;
}

// Holdings at live prices (when the list has the stock), equity, and total and today's P&L (the windows start no
// earlier than the account itself).
export function summarize(a: Account, positions: Position[], live: ReadonlyMap<string, number>, total: History | null, today: History | null): Summary {
  const holdings = positions.map((p): Holding => {
    const qty = Number(p.qty);
    const price = live.get(p.symbol) ?? Number(p.current_price);
    const costBasis = Number(p.cost_basis);
    const value = qty * price;
    const unrealized = value - costBasis;
    return {
      symbol: p.symbol, qty, avgCost: Math.round(Number(p.avg_entry_price)), price, value, costBasis, unrealized,
      unrealizedPct: costBasis > 0 ? (unrealized * 100) / costBasis : 0,
    };
  });
  const cash = Number(a.cash);
  const equity = cash + holdings.reduce((sum, h) => sum + h.value, 0);
  const totalBase = invested(total);
  const todayBase = invested(today);
  return {
    cash, equity, holdings,
    totalPl: totalBase === null ? null : equity - totalBase,
    dayPl: todayBase === null ? null : equity - todayBase,
  };
}

export function checkAmount(lang: Lang, text: string): string | null {
  const s = text.trim().replace(/,/g, "");
  if (!s) return t(lang, "amountRequired");
  if (!/^\d+$/.test(s)) return t(lang, "amountWhole");
  const n = Number(s);
  if (n < 1 || n > MAX_TOPUP) return t(lang, "amountRange");
  return null;
}

function Figure({ id, label, children, color }: { id: string; label: string; children: ComponentChildren; color?: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd data-testid={id} style={color ? { color } : undefined}>
        {children}
      </dd>
    </div>
  );
}

export function PortfolioPage({ lang, session, stocks, me, version, onChanged, curve }: {
  lang: Lang;
  session: Session;
  stocks: Stock[];
  me: string | null;
  version: number;
  onChanged: () => void;
  curve?: ComponentChildren; // the equity curve, drawn by the chart module
}) {
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const [account, setAccount] = useState<Account | null>(null);
  const [positions, setPositions] = useState<Position[]>([]);
  const [history, setHistory] = useState<[History, History] | null>(null);
  const [returnPct, setReturnPct] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The account is read on mount, after each of its trade updates (`version`) and every 15 s; prices move the
  // holdings between reads from the live price list.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    let stopped = false;
    Promise.all([
      session.authed<Account>("/v2/account"),
      session.authed<Position[]>("/v2/positions"),
      session.authed<History>("/v2/account/portfolio/history?start=2000-01-01T00:00:00Z&timeframe=1D"),
      session.authed<History>(`/v2/account/portfolio/history?start=${kstMidnight(Date.now())}&timeframe=1H`),
    ])
      .then(([a, p, total, today]) => {
        if (stopped) return;
        setAccount(a);
        setPositions(p);
        setHistory([total, today]);
        setError(null);
      })
      .catch((e: unknown) => !stopped && setError(errorText(lang, e))); // the last figures stay, with the error above them
    return () => {
      stopped = true;
    };
  }, [session, version, tick]);
  useEffect(() => {
    if (!me) return;
    let stopped = false;
    fetch("/api/v1/leaderboard?period=all&limit=1000")
      .then((r) => r.json() as Promise<{ entries: Array<{ username: string; return_pct: string }> }>)
      .then((b) => !stopped && setReturnPct(b.entries.find((e) => e.username === me)?.return_pct ?? null))
      .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [me, version]);

  if (!account) return error ? <p role="alert" class="error">{error}</p> : <p>{t(lang, "loading")}</p>;
  const names = new Map(stocks.map((x) => [x.symbol, x]));
  const live = new Map(stocks.map((x) => [x.symbol, Number(x.price)]));
  const s = summarize(account, positions, live, history?.[0] ?? null, history?.[1] ?? null);
  const tone = (n: number) => moveColor(direction(n));
  return (
    <section class="portfolio" aria-labelledby="portfolio-title">
      <h2 id="portfolio-title">{t(lang, "portfolio")}</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <dl class="figures">
        <Figure id="equity" label={t(lang, "equity")}>{formatWon(s.equity, locale)}</Figure>
        <Figure id="cash" label={t(lang, "cash")}>{formatWon(s.cash, locale)}</Figure>
        <Figure id="total-pl" label={t(lang, "totalPl")} color={tone(s.totalPl ?? 0)}>{s.totalPl === null ? "—" : formatChange(s.totalPl, locale)}</Figure>
        <Figure id="day-pl" label={t(lang, "dayPl")} color={tone(s.dayPl ?? 0)}>{s.dayPl === null ? "—" : formatChange(s.dayPl, locale)}</Figure>
        <Figure id="return-pct" label={t(lang, "returnPct")} color={tone(Number(returnPct ?? 0))}>
          {returnPct === null ? "—" : formatPercent(returnPct)}
        </Figure>
      </dl>
      <h3>{t(lang, "holdings")}</h3>
      {positions.length === 0 ? (
        <p>{t(lang, "noHoldings")}</p>
      ) : (
        <ScrollArea label={t(lang, "holdings")}>
          <table data-testid="holdings">
            <thead>
              <tr>
                <th scope="col">{t(lang, "name")}</th>
                <th scope="col">{t(lang, "qty")}</th>
                <th scope="col">{t(lang, "avgCost")}</th>
                <th scope="col">{t(lang, "price")}</th>
                <th scope="col">{t(lang, "unrealizedPl")}</th>
                <th scope="col">{t(lang, "weight")}</th>
              </tr>
            </thead>
            <tbody>
              {s.holdings.map((h) => {
                const stock = names.get(h.symbol);
                const weight = s.equity > 0 ? (h.value * 100) / s.equity : 0;
                return (
                  <tr key={h.symbol} data-symbol={h.symbol}>
                    <th scope="row">
                      <a href={`/stocks/${h.symbol}`}>{stock ? stockName(lang, stock) : h.symbol}</a> <small>{h.symbol}</small>
                    </th>
                    <td data-col="qty">{formatWon(h.qty, locale)}</td>
                    <td data-col="avg_cost">{formatWon(h.avgCost, locale)}</td>
                    <td data-col="price">{formatWon(h.price, locale)}</td>
                    <td data-col="unrealized_pl" style={{ color: tone(h.unrealized) }}>
                      {formatChange(h.unrealized, locale)} ({formatPercent(h.unrealizedPct)})
                    </td>
                    <td data-col="weight">{weight.toFixed(1)}%</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollArea>
      )}
      <h3>{t(lang, "equityCurve")}</h3>
      {curve}
      <TopUp lang={lang} session={session} onDone={onChanged} />
    </section>
  );
}

export function TopUp({ lang, session, onDone }: { lang: Lang; session: Session; onDone: () => void }) {
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    const problem = checkAmount(lang, amount);
    if (problem) return setError(problem);
    setError(null);
    setBusy(true);
    try {
      const r = await session.authed<{ cash: string }>("/api/v1/account/topup", {
        method: "POST",
        body: JSON.stringify({ amount: Number(amount.trim().replace(/,/g, "")) }),
      });
      setDone(`${t(lang, "topUpDone")} ${formatWon(r.cash, locale)}`);
      setAmount("");
      onDone();
    } catch (err) {
      setError(errorText(lang, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="topup" data-testid="topup" onSubmit={submit} noValidate aria-labelledby="topup-title">
      <h3 id="topup-title">{t(lang, "topUp")}</h3>
      <p class="note">{t(lang, "topUpRule")}</p>
      <label>
        {t(lang, "amount")}
        <input name="amount" inputMode="numeric" autocomplete="off" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </label>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={busy}>
        {t(lang, "topUp")}
      </button>
    </form>
  );
}
