import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import { StockAlerts } from "./alert_form";
import { listNotifications, type Notification } from "./alerts";
import { AlertsPage } from "./alerts_page";
import { listStocks, marketRules, type MarketRules, type Stock } from "./api";
import { AuthForm } from "./auth";
import { StockChart } from "./chart";
import { EquityCurve } from "./equity";
import { direction, formatChange, formatPercent, formatWon, moveColor } from "./format";
import { defaultLang, stockName, t, type Key, type Lang } from "./i18n";
import { KeysPage } from "./keys";
import { LeaderboardPage, TopLeaders } from "./leaderboard";
import { LiveFeed, type Trade } from "./live";
import { InboxLink, InboxPage } from "./notifications";
import { OrdersPage } from "./orders";
import { PortfolioPage } from "./portfolio";
import { ScrollArea } from "./scroll";
import { Search } from "./search";
import type { Session } from "./session";
import { Sparkline } from "./sparkline";
import { OrderTicket } from "./ticket_form";

// Prices are fetched this often while no live feed is up (signed out, or the feed is down), and this often
// while it is (volumes and listings change without trades being pushed).
const POLL_MS = 1_000;
const POLL_LIVE_MS = 15_000;

type Page =
  | "home"
  | "login"
  | "signup"
  | "portfolio"
  | "orders"
  | "leaderboard"
  | "keys"
  | "alerts"
  | "notifications"
  | `stock:${string}`;
type Theme = "light" | "dark";
type Colors = "korean" | "western";

const SIGNED_IN_PAGES = new Set<Page>(["portfolio", "orders", "keys", "alerts", "notifications"]);
const PAGE_TITLES = {
  login: "signIn",
  signup: "signUp",
  portfolio: "portfolio",
  orders: "orders",
  leaderboard: "leaderboard",
  keys: "apiKeys",
  alerts: "alerts",
  notifications: "notifications",
} as const satisfies Partial<Record<Page, Key>>;

export function pageOf(path: string): Page {
  const plain = ["login", "signup", "portfolio", "orders", "leaderboard", "keys", "alerts", "notifications"] as const;
  for (const p of plain) if (path === `/${p}`) return p;
  const stock = /^\/stocks\/([0-9A-Z]{6})$/.exec(path);
  if (stock) return `stock:${stock[1]}`;
  return "home";
}

function pathOf(page: Page): string {
  if (page === "home") return "/";
  if (page.startsWith("stock:")) return `/stocks/${page.slice(6)}`;
  return `/${page}`;
}

function defaultTheme(): Theme {
  const stored = localStorage.getItem("theme");
  if (stored === "light" || stored === "dark") return stored;
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

// A click on a link inside the app, to be handled without a reload (not a new tab, download or other origin).
export function inAppLink(e: MouseEvent): string | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
  if (!a || a.target || a.hasAttribute("download")) return null;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/v2/")) return null;
  return url.pathname;
}

// The site. Pages are chosen by the path, without reloads; prices, orders and the account follow the server's
// WebSockets while signed in.
export function App({ session }: { session: Session }) {
  const [lang, setLang] = useState<Lang>(() => defaultLang(localStorage.getItem("lang"), navigator.languages ?? []));
  const [theme, setTheme] = useState<Theme>(defaultTheme);
  const [colors, setColors] = useState<Colors>(() => (localStorage.getItem("colors") === "western" ? "western" : "korean"));
  const [page, setPage] = useState<Page>(() => pageOf(location.pathname));
  const [signedIn, setSignedIn] = useState(() => session.signedIn());
  const [me, setMe] = useState<string | null>(null);
  useEffect(() => session.onChange(setSignedIn), [session]);
  useEffect(() => {
    const back = () => setPage(pageOf(location.pathname));
    addEventListener("popstate", back);
    return () => removeEventListener("popstate", back);
  }, []);
  const go = (to: Page) => {
    if (pathOf(to) !== location.pathname) history.pushState(null, "", pathOf(to));
    setPage(to);
    scrollTo?.(0, 0);
  };
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      const path = inAppLink(e);
      if (path === null) return;
      e.preventDefault();
      go(pageOf(path));
    };
    document.addEventListener("click", onClick);
    return () => document.removeEventListener("click", onClick);
  }, []);

  useEffect(() => {
    if (!signedIn) return setMe(null);
    session
      .authed<{ username: string }>("/api/v1/me")
      .then((m) => setMe(m.username))
      .catch(() => setMe(null));
  }, [signedIn, session]);

  const [stocks, setStocks] = useState<Stock[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rules, setRules] = useState<MarketRules | null>(null);
  const [live, setLive] = useState(false);
  const [stale, setStale] = useState(false);
  const [updatesStale, setUpdatesStale] = useState(false);
  const [epoch, setEpoch] = useState(0); // bumped each time the market-data feed (re)connects
  const [version, setVersion] = useState(0); // bumped by every trade update of the account
  const bump = () => setVersion((v) => v + 1);
  // Notifications: the unread count shown on every page (null until known), whether the server pushes new ones
  // on /stream, a count bumped by each pushed one (alerts may have fired: their lists read again) and one bumped
  // each time /stream (re)connects (what was pushed meanwhile is lost: count and inbox are read again).
  const [unread, setUnread] = useState<number | null>(null);
  const [notificationsLive, setNotificationsLive] = useState(false);
  const [alertsVersion, setAlertsVersion] = useState(0);
  const [inboxEpoch, setInboxEpoch] = useState(0);
  const notificationListeners = useRef(new Set<(n: Notification) => void>());
  const subscribeNotifications = useMemo(
    () => (fn: (n: Notification) => void) => {
      notificationListeners.current.add(fn);
      return () => void notificationListeners.current.delete(fn);
    },
    [],
  );
  useEffect(() => {
    if (!signedIn) return setUnread(null);
    let stopped = false;
    listNotifications(session, { limit: 1 })
      .then((page) => !stopped && typeof page?.unread === "number" && setUnread(page.unread))
      .catch(() => undefined); // the badge stays as it was
    return () => {
      stopped = true;
    };
  }, [signedIn, session, inboxEpoch]);

  // One request at a time: the next poll is scheduled when the last answer is in, and a hidden tab does not
  // poll. A pushed trade newer than a poll's request keeps its price (the poll's answer is older news).
  const pushedAt = useRef(new Map<string, number>());
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      if (stopped) return;
      if (document.hidden) return void (timer = setTimeout(load, POLL_MS));
      const asked = Date.now();
      Promise.all([listStocks(), marketRules()])
        .then(([s, r]) => {
          if (stopped) return;
          setStocks((current) => keepNewerPushes(s, current, pushedAt.current, asked));
          setRules(r);
          setError(null);
        })
        .catch((e: Error) => !stopped && setError(e.message))
        .finally(() => {
          if (!stopped) timer = setTimeout(load, live ? POLL_LIVE_MS : POLL_MS);
        });
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [live]);

  // Signed in: trades pushed over the market-data WebSocket move the prices (and the charts) between polls,
  // and the account's trade updates refresh orders, holdings and cash.
  const tradeListeners = useRef(new Set<(t: Trade) => void>());
  const subscribe = useMemo(
    () => (fn: (t: Trade) => void) => {
      tradeListeners.current.add(fn);
      return () => void tradeListeners.current.delete(fn);
    },
    [],
  );
  const symbols = stocks?.map((s) => s.symbol).join(",") ?? "";
  useEffect(() => {
    if (!signedIn || !symbols) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const market = new LiveFeed({
      url: `${scheme}//${location.host}/v2/iex`,
      token: () => session.accessToken(),
      symbols: symbols.split(","),
      onTrade: (trade) => {
        pushedAt.current.set(trade.symbol, Date.now());
        setStocks((list) => list && applyTrade(list, trade.symbol, trade.price, trade.size));
        tradeListeners.current.forEach((l) => l(trade));
      },
      onStale: (down) => {
        setLive(!down);
        setStale(down);
        if (!down) setEpoch((n) => n + 1); // (re)connected: what moved meanwhile is read again
      },
    });
    const updates = new LiveFeed({
      url: `${scheme}//${location.host}/stream`,
      stream: "trade_updates",
      token: () => session.accessToken(),
      onUpdate: bump,
      onNotification: ({ unread: count, ...n }) => {
        setUnread((u) => count ?? (u ?? 0) + 1);
        setAlertsVersion((v) => v + 1);
        notificationListeners.current.forEach((l) => l(n));
      },
      onListening: (streams) => setNotificationsLive(streams.includes("notifications")),
      onStale: (down) => {
        setUpdatesStale(down);
        if (down) setNotificationsLive(false);
        else {
          bump(); // orders may have filled or expired while the stream was down
          setInboxEpoch((n) => n + 1);
        }
      },
    });
    market.start();
    updates.start();
    return () => {
      market.stop();
      updates.stop();
      setLive(false);
      setStale(false);
      setUpdatesStale(false);
      setNotificationsLive(false);
    };
  }, [signedIn, symbols, session]);

  useEffect(() => {
    localStorage.setItem("lang", lang);
    document.documentElement.lang = lang;
  }, [lang]);
  useEffect(() => {
    localStorage.setItem("theme", theme);
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    localStorage.setItem("colors", colors);
    document.documentElement.dataset.colors = colors;
  }, [colors]);

  const needsSignIn = !signedIn && SIGNED_IN_PAGES.has(page);
  const link = (to: Page, key: Key) => (
    <a href={pathOf(to)} aria-current={page === to ? "page" : undefined}>
      {t(lang, key)}
    </a>
  );
  // A stock outside the listed ones (found by search among every stock of the master) is looked up by code.
  const code = page.startsWith("stock:") ? page.slice(6) : null;
  const listed = code ? stocks?.find((s) => s.symbol === code) : undefined;
  const [unlisted, setUnlisted] = useState<Stock | null>(null);
  useEffect(() => {
    if (!code || listed || stocks === null) return;
    let stopped = false;
    listStocks(code, 5)
      .then((found) => !stopped && setUnlisted(found.find((s) => s.symbol === code) ?? null))
      .catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [code, listed === undefined, stocks === null]);
  const stock = listed ?? (unlisted?.symbol === code ? unlisted : undefined);
  const stockNames = useMemo(() => new Map((stocks ?? []).map((s) => [s.symbol, s])), [stocks]);

  // Each page has its own title, and after an in-app navigation the focus moves to the new page's content (a
  // screen reader announces it; the keyboard continues from there), as a full page load would.
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const titleKey = PAGE_TITLES[page as keyof typeof PAGE_TITLES];
  const pageTitle = page.startsWith("stock:")
    ? stock
      ? `${stockName(lang, stock)}[${stock.symbol}]`
      : page.slice(6)
    : titleKey
      ? t(lang, titleKey)
      : "";
  useEffect(() => {
    document.title = pageTitle ? `${pageTitle} · ${t(lang, "title")}` : t(lang, "title");
  }, [pageTitle, lang]);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [page]);

  return (
    <div class="shell">
      <header>
        <h1>
          <a href="/">{t(lang, "title")}</a>
        </h1>
        <Search lang={lang} search={(q) => listStocks(q, 10)} onPick={(symbol) => go(`stock:${symbol}`)} />
        <nav aria-label={t(lang, "mainMenu")}>
          {signedIn && link("portfolio", "portfolio")}
          {signedIn && link("orders", "orders")}
          {link("leaderboard", "leaderboard")}
          {signedIn && link("keys", "apiKeys")}
          {signedIn && link("alerts", "alerts")}
          {signedIn && <InboxLink lang={lang} unread={unread} live={notificationsLive} current={page === "notifications"} />}
          {signedIn ? (
            <button type="button" data-action="signout" onClick={() => void session.logOut().then(() => go("home"))}>
              {t(lang, "signOut")}
            </button>
          ) : (
            link("login", "signIn")
          )}
          <button type="button" data-action="lang" onClick={() => setLang(lang === "ko" ? "en" : "ko")}>
            {t(lang, "language")}
          </button>
          <button
            type="button"
            data-action="theme"
            aria-pressed={theme === "dark"}
            onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
          >
            {t(lang, "themeDark")}
          </button>
          <button
            type="button"
            data-action="colors"
            aria-pressed={colors === "western"}
            title={t(lang, "colorsHint")}
            onClick={() => setColors(colors === "western" ? "korean" : "western")}
          >
            {t(lang, "colorsWestern")}
          </button>
        </nav>
      </header>
      <main data-live={live ? "true" : "false"} ref={mainRef} tabIndex={-1}>
        {(error || (signedIn && (stale || updatesStale))) && (
          <p role="status" class="stale">
            {t(lang, "stale")}
            {error ? ` (${error})` : ""}
          </p>
        )}
        {(page === "login" || page === "signup" || needsSignIn) && (
          <AuthForm
            lang={lang}
            mode={page === "signup" ? "signup" : "signin"}
            actions={session}
            onDone={() => (needsSignIn ? setPage(page) : go("home"))}
            onSwitch={() => go(page === "signup" ? "login" : "signup")}
          />
        )}
        {page === "home" && (
          <Home lang={lang} stocks={stocks} rules={rules} me={me} version={version} />
        )}
        {page.startsWith("stock:") && stocks !== null && (
          <>
            <StockSummary lang={lang} stock={stock} />
            {stock && (
              <div class="stock-body">
                {signedIn ? (
                  <StockChart
                    lang={lang}
                    session={session}
                    symbol={stock.symbol}
                    previousClose={Number(stock.previous_close)}
                    upper={Number(stock.upper_limit)}
                    lower={Number(stock.lower_limit)}
                    theme={theme}
                    colors={colors}
                    epoch={epoch}
                    subscribe={subscribe}
                  />
                ) : (
                  <p class="note">
                    <a href="/login">{t(lang, "signInToTrade")}</a>
                  </p>
                )}
                {signedIn && (
                  <OrderTicket
                    key={stock.symbol}
                    lang={lang}
                    session={session}
                    stock={stock}
                    rules={rules}
                    version={version}
                    onPlaced={bump}
                  />
                )}
              </div>
            )}
            {stock && signedIn && <StockAlerts key={stock.symbol} lang={lang} session={session} stock={stock} version={alertsVersion} />}
          </>
        )}
        {page === "portfolio" && signedIn && (
          <PortfolioPage
            lang={lang}
            session={session}
            stocks={stocks ?? []}
            me={me}
            version={version}
            onChanged={bump}
            curve={<EquityCurve lang={lang} session={session} theme={theme} colors={colors} version={version} />}
          />
        )}
        {page === "orders" && signedIn && <OrdersPage lang={lang} session={session} version={version} onChanged={bump} />}
        {page === "leaderboard" && <LeaderboardPage lang={lang} me={me} version={version} />}
        {page === "keys" && signedIn && <KeysPage lang={lang} session={session} />}
        {page === "alerts" && signedIn && <AlertsPage lang={lang} session={session} stocks={stocks ?? []} version={alertsVersion} />}
        {page === "notifications" && signedIn && (
          <InboxPage
            lang={lang}
            session={session}
            names={stockNames}
            subscribe={subscribeNotifications}
            epoch={inboxEpoch}
            onUnread={setUnread}
            onRead={() => setUnread((u) => (u === null ? u : Math.max(0, u - 1)))}
          />
        )}
      </main>
    </div>
  );
}

const SESSION_KEYS: Record<MarketRules["session"], Key> = {
  closed: "sessionClosed",
  continuous: "sessionContinuous",
  closing_auction: "sessionClosingAuction",
};

// Korean time now, as the exchange keeps it.
export function kstClock(now: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", {
    timeZone: "Asia/Seoul",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(now);
}

function Clock({ lang, rules }: { lang: Lang; rules: MarketRules | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <p data-testid="session" class="session">
      <span class={`badge ${rules?.session ?? "closed"}`}>{rules ? t(lang, SESSION_KEYS[rules.session]) : "…"}</span>{" "}
      <time>{kstClock(now, lang)} KST</time>
    </p>
  );
}

// The last 24 hours of five-minute closes of every stock, for the sparklines (public, refreshed each minute).
function useTrends(): Map<string, number[]> {
  const [trends, setTrends] = useState(new Map<string, number[]>());
  useEffect(() => {
    let stopped = false;
    const load = () =>
      listStocks("", 100, fetch, { trend: true })
        .then((list) => !stopped && setTrends(new Map(list.map((s) => [s.symbol, s.trend ?? []]))))
        .catch(() => undefined);
    void load();
    const timer = setInterval(load, 60_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return trends;
}

function Home({ lang, stocks, rules, me, version }: {
  lang: Lang;
  stocks: Stock[] | null;
  rules: MarketRules | null;
  me: string | null;
  version: number;
}) {
  const trends = useTrends();
  return (
    <div class="home">
      <div class="home-main">
        <Clock lang={lang} rules={rules} />
        {stocks === null ? <p>{t(lang, "loading")}</p> : <StockTable lang={lang} stocks={stocks} trends={trends} />}
      </div>
      <div class="home-side">
        <section data-testid="recommended" class="card" aria-labelledby="recommended-title">
          <h2 id="recommended-title">{t(lang, "recommended")}</h2>
          <p class="note">{t(lang, "recommendedSoon")}</p>
        </section>
        <div class="card">
          <TopLeaders lang={lang} me={me} version={version} limit={5} />
        </div>
      </div>
    </div>
  );
}

// The stock page's head: name[code], price and move, previous close and today's band.
export function StockSummary({ lang, stock }: { lang: Lang; stock: Stock | undefined }) {
  if (!stock) return <p>{t(lang, "noMatch")}</p>;
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const color = moveColor(direction(stock.change));
  return (
    <section class="stock" aria-label={stockName(lang, stock)}>
      <h2>
        {stockName(lang, stock)}[{stock.symbol}]
        {!stock.tradable && <span class="badge halted">{t(lang, "halted")}</span>}
      </h2>
      <p class="quote" data-testid="quote" style={{ color }}>
        {formatWon(stock.price, locale)} {formatChange(stock.change, locale)} ({formatPercent(stock.change_pct)})
      </p>
      <dl>
        <dt>{t(lang, "previousClose")}</dt>
        <dd>{formatWon(stock.previous_close, locale)}</dd>
        <dt>{t(lang, "band")}</dt>
        <dd>
          {formatWon(stock.lower_limit, locale)} – {formatWon(stock.upper_limit, locale)}
        </dd>
        <dt>{t(lang, "volume")}</dt>
        <dd>{formatWon(stock.volume, locale)}</dd>
      </dl>
    </section>
  );
}

// A polled list, except for stocks whose price a trade pushed after the poll was asked for: those keep the
// pushed price, change and volume.
export function keepNewerPushes(polled: Stock[], current: Stock[] | null, pushedAt: ReadonlyMap<string, number>, asked: number): Stock[] {
  if (!current) return polled;
  const now = new Map(current.map((s) => [s.symbol, s]));
  return polled.map((s) => {
    const mine = now.get(s.symbol);
    if (!mine || (pushedAt.get(s.symbol) ?? 0) <= asked) return s;
    return { ...s, price: mine.price, change: mine.change, change_pct: mine.change_pct, volume: Math.max(s.volume, mine.volume) };
  });
}

// A trade's price into the list, with the change against the previous close recomputed and its size added to
// the day's volume.
export function applyTrade(list: Stock[], symbol: string, price: number, size = 0): Stock[] {
  return list.map((s) => {
    if (s.symbol !== symbol) return s;
    const prev = Number(s.previous_close);
    const change = price - prev;
    const pct = changePercent(change, prev);
    return { ...s, price: String(price), change: String(change), change_pct: pct, volume: s.volume + size };
  });
}

// The change as a percentage of the previous close with two decimals, rounded half away from zero in whole
// numbers exactly as the server does (so a pushed price and the next poll never differ by 0.01).
export function changePercent(change: number, previousClose: number): string {
  if (!(previousClose > 0)) return "0.00";
  const n = Math.abs(change) * 10_000; // hundredths of a per cent, times the previous close
  const q = Math.floor((n + Math.floor(previousClose / 2)) / previousClose);
  const text = `${Math.floor(q / 100)}.${String(q % 100).padStart(2, "0")}`;
  return change < 0 && q !== 0 ? `-${text}` : text;
}

export function StockTable({ lang, stocks, trends }: { lang: Lang; stocks: Stock[]; trends?: Map<string, number[]> }) {
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  return (
    <ScrollArea label={t(lang, "market")}>
      <table data-testid="stocks">
        <thead>
          <tr>
            <th scope="col">{t(lang, "name")}</th>
            <th scope="col">{t(lang, "price")}</th>
            <th scope="col">{t(lang, "change")}</th>
            <th scope="col" class="trend">{t(lang, "trend")}</th>
            <th scope="col">{t(lang, "volume")}</th>
          </tr>
        </thead>
        <tbody>
          {stocks.map((s) => {
            const color = moveColor(direction(s.change));
            const name = stockName(lang, s);
            const values = [...(trends?.get(s.symbol) ?? []), Number(s.price)];
            return (
              <tr key={s.symbol} data-symbol={s.symbol}>
                <th scope="row">
                  <a href={`/stocks/${s.symbol}`}>{name}</a> <small>{s.symbol}</small>
                </th>
                <td data-col="price" style={{ color }}>
                  {formatWon(s.price, locale)}
                </td>
                <td data-col="change" style={{ color }}>
                  {formatChange(s.change, locale)} ({formatPercent(s.change_pct)})
                </td>
                <td class="trend">
                  <Sparkline values={values} previousClose={Number(s.previous_close)} label={`${name} ${t(lang, "trend")}`} />
                </td>
                <td data-col="volume">{formatWon(s.volume, locale)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollArea>
  );
}
