import { useEffect, useState } from "preact/hooks";

import { listStocks, type Stock } from "./api";
import { AuthForm } from "./auth";
import { direction, formatChange, formatPercent, formatWon, moveColor } from "./format";
import { defaultLang, stockName, t, type Lang } from "./i18n";
import { LiveFeed } from "./live";
import { Search } from "./search";
import type { Session } from "./session";

const REFRESH_MS = 1_000;

type Page = "home" | "login" | "signup" | `stock:${string}`;

export function pageOf(path: string): Page {
  if (path === "/login") return "login";
  if (path === "/signup") return "signup";
  const stock = /^\/stocks\/([0-9A-Z]{6})$/.exec(path);
  if (stock) return `stock:${stock[1]}`;
  return "home";
}

function pathOf(page: Page): string {
  if (page === "home") return "/";
  if (page.startsWith("stock:")) return `/stocks/${page.slice(6)}`;
  return `/${page}`;
}

// The site: home (every stock of the universe with its live price and the day's move), sign-in and sign-up.
// Pages are chosen by the path, without reloads. (Live WebSocket updates, charts and trading pages build on
// this.)
export function App({ session }: { session: Session }) {
  const [lang, setLang] = useState<Lang>(() => defaultLang(localStorage.getItem("lang"), navigator.languages ?? []));
  const [page, setPage] = useState<Page>(() => pageOf(location.pathname));
  const [signedIn, setSignedIn] = useState(() => session.signedIn());
  useEffect(() => session.onChange(setSignedIn), [session]);
  useEffect(() => {
    const back = () => setPage(pageOf(location.pathname));
    addEventListener("popstate", back);
    return () => removeEventListener("popstate", back);
  }, []);
  const go = (to: Page) => {
    history.pushState(null, "", pathOf(to));
    setPage(to);
  };
  const [stocks, setStocks] = useState<Stock[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      listStocks()
        .then((s) => {
          if (stopped) return;
          setStocks(s);
          setError(null);
        })
        .catch((e: Error) => !stopped && setError(e.message));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  // Signed in: trades pushed over the market-data WebSocket move the prices between refreshes.
  const [stale, setStale] = useState(false);
  const symbols = stocks?.map((s) => s.symbol).join(",") ?? "";
  useEffect(() => {
    if (!signedIn || !symbols) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const feed = new LiveFeed({
      url: `${scheme}//${location.host}/v2/iex`,
      token: () => session.accessToken(),
      symbols: symbols.split(","),
      onTrade: (trade) => setStocks((list) => list && applyTrade(list, trade.symbol, trade.price)),
      onStale: setStale,
    });
    feed.start();
    return () => feed.stop();
  }, [signedIn, symbols, session]);

  useEffect(() => {
    localStorage.setItem("lang", lang);
    document.documentElement.lang = lang;
  }, [lang]);

  return (
    <main>
      <header>
        <h1>
          <a href="/" onClick={(e) => (e.preventDefault(), go("home"))}>
            {t(lang, "title")}
          </a>
        </h1>
        <Search lang={lang} search={(q) => listStocks(q, 10)} onPick={(symbol) => go(`stock:${symbol}`)} />
        <nav>
          {signedIn ? (
            <button type="button" onClick={() => void session.logOut()}>
              {t(lang, "signOut")}
            </button>
          ) : (
            <a href="/login" onClick={(e) => (e.preventDefault(), go("login"))}>
              {t(lang, "signIn")}
            </a>
          )}
          <button type="button" onClick={() => setLang(lang === "ko" ? "en" : "ko")}>
            {t(lang, "language")}
          </button>
        </nav>
      </header>
      {(page === "login" || page === "signup") && (
        <AuthForm
          lang={lang}
          mode={page === "login" ? "signin" : "signup"}
          actions={session}
          onDone={() => go("home")}
          onSwitch={() => go(page === "login" ? "signup" : "login")}
        />
      )}
      {(error || (signedIn && stale)) && (
        <p role="status" class="stale">
          {t(lang, "stale")}
          {error ? ` (${error})` : ""}
        </p>
      )}
      {page === "home" &&
        (stocks === null ? <p>{t(lang, "loading")}</p> : <StockTable lang={lang} stocks={stocks} />)}
      {page.startsWith("stock:") && stocks !== null && (
        <StockSummary lang={lang} stock={stocks.find((s) => s.symbol === page.slice(6))} />
      )}
    </main>
  );
}

// The stock page's head: name[code], price and move, previous close and today's band. (The chart and the
// order ticket come next.)
export function StockSummary({ lang, stock }: { lang: Lang; stock: Stock | undefined }) {
  if (!stock) return <p>{t(lang, "noMatch")}</p>;
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const color = moveColor(direction(stock.change));
  return (
    <section aria-label={stockName(lang, stock)}>
      <h2>
        {stockName(lang, stock)}[{stock.symbol}]
      </h2>
      <p class="quote" style={{ color }}>
        {formatWon(stock.price, locale)} {formatChange(stock.change, locale)} ({formatPercent(stock.change_pct)})
      </p>
      <dl>
        <dt>{t(lang, "previousClose")}</dt>
        <dd>{formatWon(stock.previous_close, locale)}</dd>
        <dt>{t(lang, "band")}</dt>
        <dd>
          {formatWon(stock.lower_limit, locale)} – {formatWon(stock.upper_limit, locale)}
        </dd>
      </dl>
    </section>
  );
}

// A trade's price into the list, with the change against the previous close recomputed.
export function applyTrade(list: Stock[], symbol: string, price: number): Stock[] {
  return list.map((s) => {
    if (s.symbol !== symbol) return s;
    const prev = Number(s.previous_close);
    const change = price - prev;
    const pct = prev > 0 ? ((change * 100) / prev).toFixed(2) : "0.00";
    return { ...s, price: String(price), change: String(change), change_pct: pct };
  });
}

export function StockTable({ lang, stocks }: { lang: Lang; stocks: Stock[] }) {
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t(lang, "name")}</th>
          <th scope="col">{t(lang, "price")}</th>
          <th scope="col">{t(lang, "change")}</th>
          <th scope="col">{t(lang, "volume")}</th>
        </tr>
      </thead>
      <tbody>
        {stocks.map((s) => {
          const color = moveColor(direction(s.change));
          return (
            <tr key={s.symbol} data-symbol={s.symbol}>
              <th scope="row">
                {stockName(lang, s)} <small>{s.symbol}</small>
              </th>
              <td style={{ color }}>{formatWon(s.price, locale)}</td>
              <td style={{ color }}>
                {formatChange(s.change, locale)} ({formatPercent(s.change_pct)})
              </td>
              <td>{formatWon(s.volume, locale)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
