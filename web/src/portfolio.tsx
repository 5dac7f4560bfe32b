// The portfolio (the original's "my page"): cash, equity, total and today's P&L and return, holdings with
// average cost, current price, unrealized P&L and weight, the equity curve, and top-up ("charge").
// P&L leaves deposits out (the server's portfolio history does the sums): total over the account's life, today's
// since 00:00 KST; the return is the time-weighted one the leaderboard uses.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

import type { Stock } from "./api";
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

// Alpaca's portfolio history; `profit_loss` leaves out the deposits made inside the window.
export interface History {
  equity: number[];
  profit_loss: number[];
}

export interface Summary {
  cash: number;
  equity: number;
  totalPl: number | null;
  dayPl: number | null;
}

export const MAX_TOPUP = 100_000_000;

// The start of today in Korea (00:00 KST), as RFC 3339.
export function kstMidnight(now: number): string {
  const kst = new Date(now + 9 * 3_600_000);
  kst.setUTCHours(0, 0, 0, 0);
  return new Date(kst.getTime() - 9 * 3_600_000).toISOString();
}

const last = (xs: number[] | undefined) => (xs && xs.length > 0 ? xs[xs.length - 1]! : null);

// Total P&L over the account's life and today's since 00:00 KST (windows start no earlier than the account).
export function summarize(a: Account, total: History | null, today: History | null): Summary {
  return { cash: Number(a.cash), equity: Number(a.equity), totalPl: last(total?.profit_loss), dayPl: last(today?.profit_loss) };
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

  // Prices move the holdings: reload on trade updates and on price changes (the stock list's version).
  const prices = stocks.map((s) => s.price).join(",");
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
      .catch((e: Error) => !stopped && setError(e.message));
    if (me)
      fetch("/api/v1/leaderboard?period=all&limit=1000")
        .then((r) => r.json() as Promise<{ entries: Array<{ username: string; return_pct: string }> }>)
        .then((b) => !stopped && setReturnPct(b.entries.find((e) => e.username === me)?.return_pct ?? null))
        .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [session, version, prices, me]);

  if (error) return <p role="alert" class="error">{error}</p>;
  if (!account) return <p>{t(lang, "loading")}</p>;
  const s = summarize(account, history?.[0] ?? null, history?.[1] ?? null);
  const names = new Map(stocks.map((x) => [x.symbol, x]));
  const tone = (n: number) => moveColor(direction(n));
  return (
    <section class="portfolio" aria-labelledby="portfolio-title">
      <h2 id="portfolio-title">{t(lang, "portfolio")}</h2>
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
              {positions.map((p) => {
                const stock = names.get(p.symbol);
                const pl = Number(p.unrealized_pl);
                const weight = s.equity > 0 ? (Number(p.market_value) * 100) / s.equity : 0;
                return (
                  <tr key={p.symbol} data-symbol={p.symbol}>
                    <th scope="row">
                      <a href={`/stocks/${p.symbol}`}>{stock ? stockName(lang, stock) : p.symbol}</a> <small>{p.symbol}</small>
                    </th>
                    <td data-col="qty">{formatWon(p.qty, locale)}</td>
                    <td data-col="avg_cost">{formatWon(Math.round(Number(p.avg_entry_price)), locale)}</td>
                    <td data-col="price">{formatWon(p.current_price, locale)}</td>
                    <td data-col="unrealized_pl" style={{ color: tone(pl) }}>
                      {formatChange(pl, locale)} ({formatPercent(Number(p.unrealized_plpc) * 100)})
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
      setError((err as Error).message);
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
