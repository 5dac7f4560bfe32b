import { useEffect, useState } from "preact/hooks";

import { listStocks, type Stock } from "./api";
import { direction, formatChange, formatPercent, formatWon, moveColor } from "./format";
import { defaultLang, stockName, t, type Lang } from "./i18n";

const REFRESH_MS = 1_000;

// Home: every stock of the universe with its live price and the day's move. (Live WebSocket updates, charts,
// sign-in and trading pages build on this.)
export function App() {
  const [lang, setLang] = useState<Lang>(() => defaultLang(localStorage.getItem("lang"), navigator.languages ?? []));
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

  useEffect(() => {
    localStorage.setItem("lang", lang);
    document.documentElement.lang = lang;
  }, [lang]);

  return (
    <main>
      <header>
        <h1>{t(lang, "title")}</h1>
        <button type="button" onClick={() => setLang(lang === "ko" ? "en" : "ko")}>
          {t(lang, "language")}
        </button>
      </header>
      {error && (
        <p role="status" class="stale">
          {t(lang, "stale")} ({error})
        </p>
      )}
      {stocks === null ? (
        <p>{t(lang, "loading")}</p>
      ) : (
        <StockTable lang={lang} stocks={stocks} />
      )}
    </main>
  );
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
