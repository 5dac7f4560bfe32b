// The leaderboard (public, `/api/v1/leaderboard`): accounts ranked by time-weighted return over a period
// (all time, today, the last week or month), with the signed-in user's row marked. `TopLeaders` is the
// home page's short version: the top five and a link to the whole board. Both reload when `version` changes.
import { useEffect, useState } from "preact/hooks";

import { request } from "./api";
import { direction, formatPercent, formatWon, moveColor } from "./format";
import type { Lang } from "./i18n";
import { ScrollArea } from "./scroll";
import "./pages.css";

export type Period = "all" | "day" | "week" | "month";
export const PERIODS: readonly Period[] = ["all", "day", "week", "month"];
const PAGE_LIMIT = 100;

export interface LeaderboardEntry {
  rank: number;
  username: string;
  return_pct: string; // percent, two decimals
  equity: string; // won
  trades: number;
}

export interface Leaderboard {
  period: Period;
  as_of: string;
  since: string | null;
  entries: LeaderboardEntry[];
}

export function getLeaderboard(period: Period, limit: number, fetcher: typeof fetch = fetch): Promise<Leaderboard> {
  const params = new URLSearchParams({ period, limit: String(limit) });
  return request<Leaderboard>(`/api/v1/leaderboard?${params}`, {}, fetcher);
}

const KO = {
  title: "투자왕 순위",
  period: "기간",
  all: "전체",
  day: "오늘",
  week: "1주",
  month: "1개월",
  rank: "순위",
  user: "사용자",
  returnPct: "수익률",
  equity: "평가금액 (원)",
  trades: "체결 수",
  me: "(나)",
  seeAll: "전체 순위 보기",
  empty: "아직 순위가 없습니다",
  loading: "불러오는 중…",
  top100: "상위 100명만 표시합니다.",
  note: "수익률은 시간가중수익률이며 충전금은 수익에 포함되지 않습니다.",
};

const EN: Record<keyof typeof KO, string> = {
  title: "Leaderboard",
  period: "Period",
  all: "All time",
  day: "Today",
  week: "Week",
  month: "Month",
  rank: "Rank",
  user: "User",
  returnPct: "Return",
  equity: "Equity (₩)",
  trades: "Trades",
  me: "(you)",
  seeAll: "See the full leaderboard",
  empty: "No one is ranked yet",
  loading: "Loading…",
  top100: "Showing the top 100.",
  note: "Returns are time-weighted; top-ups never count as profit.",
};

const STRINGS: Record<Lang, Record<keyof typeof KO, string>> = { ko: KO, en: EN };
const tr = (lang: Lang, key: keyof typeof KO) => STRINGS[lang][key];
const topTitle = (lang: Lang, n: number) => (lang === "ko" ? `투자왕 TOP ${n}` : `Top ${n} investors`);

// The board for a period, reloaded when the period or `version` changes; stale answers are dropped.
function useLeaderboard(period: Period, limit: number, version: number) {
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    getLeaderboard(period, limit)
      .then((b) => {
        if (stopped) return;
        setBoard(b);
        setError(null);
      })
      .catch((e: Error) => !stopped && setError(e.message));
    return () => {
      stopped = true;
    };
  }, [period, limit, version]);
  return { board, error };
}

export function LeaderboardPage({ lang, me, version }: { lang: Lang; me: string | null; version: number }) {
  const [period, setPeriod] = useState<Period>("all");
  const { board, error } = useLeaderboard(period, PAGE_LIMIT, version);
  const shown = board?.period === period ? board : null;
  return (
    <section class="leaderboard-page" aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">{tr(lang, "title")}</h2>
      <div role="group" aria-label={tr(lang, "period")} class="periods">
        {PERIODS.map((p) => (
          <button type="button" key={p} data-period={p} aria-pressed={p === period} onClick={() => setPeriod(p)}>
            {tr(lang, p)}
          </button>
        ))}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {shown === null ? (
        !error && <p>{tr(lang, "loading")}</p>
      ) : (
        <>
          <LeaderTable lang={lang} me={me} entries={shown.entries} full />
          {shown.entries.length >= PAGE_LIMIT && <p class="more">{tr(lang, "top100")}</p>}
          <p class="note">
            <small>{tr(lang, "note")}</small>
          </p>
        </>
      )}
    </section>
  );
}

export function TopLeaders({ lang, me, version, limit = 5 }: { lang: Lang; me: string | null; version: number; limit?: number }) {
  const { board, error } = useLeaderboard("all", limit, version);
  return (
    <section data-testid="top-leaders" class="top-leaders" aria-labelledby="top-leaders-title">
      <h2 id="top-leaders-title">{topTitle(lang, limit)}</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {board === null ? (
        !error && <p>{tr(lang, "loading")}</p>
      ) : (
        <LeaderTable lang={lang} me={me} entries={board.entries.slice(0, limit)} full={false} />
      )}
      <p>
        <a href="/leaderboard">{tr(lang, "seeAll")}</a>
      </p>
    </section>
  );
}

// The ranking as a table; `full` adds equity and trades (the home page shows rank, user and return only).
function LeaderTable({ lang, me, entries, full }: { lang: Lang; me: string | null; entries: LeaderboardEntry[]; full: boolean }) {
  if (entries.length === 0) return <p>{tr(lang, "empty")}</p>;
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  return (
    <ScrollArea label={tr(lang, "title")}>
      <table data-testid={full ? "leaderboard" : "top-leaders-table"}>
        <thead>
          <tr>
            <th scope="col">{tr(lang, "rank")}</th>
            <th scope="col">{tr(lang, "user")}</th>
            <th scope="col">{tr(lang, "returnPct")}</th>
            {full && <th scope="col">{tr(lang, "equity")}</th>}
            {full && <th scope="col">{tr(lang, "trades")}</th>}
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const mine = me !== null && e.username === me;
            return (
              <tr key={e.username} data-username={e.username} class={mine ? "me" : undefined} aria-current={mine ? "true" : undefined}>
                <td data-col="rank">{e.rank}</td>
                <th scope="row">
                  {e.username}
                  {mine && <small> {tr(lang, "me")}</small>}
                </th>
                <td data-col="return_pct" style={{ color: moveColor(direction(e.return_pct)) }}>
                  {formatPercent(e.return_pct)}
                </td>
                {full && <td data-col="equity">{formatWon(e.equity, locale)}</td>}
                {full && <td data-col="trades">{formatWon(e.trades, locale)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollArea>
  );
}
