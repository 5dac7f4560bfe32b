// The portfolio page's equity curve: the account's value over the last day, week, month or year, from
// `/v2/account/portfolio/history`, drawn as an area (the rise colour when the period made money without
// counting deposits, the fall colour when it lost), with each deposit marked where it arrived. Reloads when the
// page says the account changed (`version`). lightweight-charts is loaded on demand.

import type { AreaData, IChartApi, ISeriesApi, ISeriesMarkersPluginApi, Time, UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef, useState } from "preact/hooks";

import { ChartFrame, chartOptions, type ChartLib, FALL, loadChartLib, RISE, type Theme } from "./chart";
import { type ColorScheme, formatWon, riseFall } from "./format";
import type { Lang } from "./i18n";
import type { Session } from "./session";

const STRINGS = {
  ko: {
    periods: "기간",
    period: { "1D": "1일", "1W": "1주", "1M": "1개월", "1A": "1년" },
    loading: "자산 추이를 불러오는 중…",
    failed: "자산 추이를 불러오지 못했습니다",
    empty: "아직 기록이 없습니다",
    deposit: "입금",
  },
  en: {
    periods: "Period",
    period: { "1D": "1D", "1W": "1W", "1M": "1M", "1A": "1Y" },
    loading: "Loading the equity curve…",
    failed: "Could not load the equity curve",
    empty: "No history yet",
    deposit: "Deposit",
  },
} as const;

const PALETTE_DEPOSIT = { light: "#5b616e", dark: "#a3a9b5" } as const;

export type Period = "1D" | "1W" | "1M" | "1A";
export const PERIODS: readonly Period[] = ["1D", "1W", "1M", "1A"];
export const DEFAULT_PERIOD: Period = "1M";

// Steps fine enough to show the shape, few enough to stay light (at most a few hundred points).
const STEP: Record<Period, string> = { "1D": "5Min", "1W": "1H", "1M": "1D", "1A": "1D" };

export interface PortfolioHistory {
  timestamp: number[] | null;
  equity: Array<number | string | null> | null;
  profit_loss?: Array<number | string | null> | null;
  cashflow?: { CSD?: Array<number | string | null> | null } | null;
  timeframe?: string;
  base_value?: number;
}

// The deposits (top-ups, the opening deposit) inside the window, at the points where they arrived: marked on
// the curve, since they raise equity without being profit.
export function depositPoints(h: PortfolioHistory): EquityPoint[] {
  const times = h.timestamp ?? [];
  const amounts = h.cashflow?.CSD ?? [];
  return times.flatMap((time, i) => {
    const amount = Number(amounts[i] ?? 0);
    return Number.isFinite(time) && amount > 0 ? [{ time, value: amount }] : [];
  });
}

// The window's profit or loss without deposits (the last point's), or null when the answer has none.
export function lastProfitLoss(h: PortfolioHistory): number | null {
  const pl = h.profit_loss ?? [];
  const last = pl.length > 0 ? Number(pl[pl.length - 1]) : NaN;
  return Number.isFinite(last) ? last : null;
}

export interface EquityPoint {
  time: number; // epoch seconds
  value: number;
}

export function historyPath(period: Period): string {
  return `/v2/account/portfolio/history?${new URLSearchParams({ period, timeframe: STEP[period] })}`;
}

export function isIntraday(period: Period): boolean {
  return period === "1D" || period === "1W";
}

// The answer's points in ascending time, one per time (the last wins), without empty values.
export function equityPoints(h: PortfolioHistory): EquityPoint[] {
  const times = h.timestamp ?? [];
  const values = h.equity ?? [];
  const out: EquityPoint[] = [];
  times.forEach((time, i) => {
    const raw = values[i];
    const value = raw === null || raw === undefined ? NaN : Number(raw);
    if (!Number.isFinite(time) || !Number.isFinite(value)) return;
    const last = out[out.length - 1];
    if (last && time < last.time) return;
    if (last && time === last.time) out[out.length - 1] = { time, value };
    else out.push({ time, value });
  });
  return out;
}

// The rise colour when the period made money, the fall colour when it lost: by the P&L without deposits when
// known (a top-up is not a gain), else by where the curve ends against where it started.
export function curveColor(
  points: readonly EquityPoint[],
  c: { rise: string; fall: string } = { rise: RISE, fall: FALL },
  profitLoss: number | null = null,
): string {
  if (profitLoss !== null) return profitLoss < 0 ? c.fall : c.rise;
  const first = points[0];
  const last = points[points.length - 1];
  return first && last && last.value < first.value ? c.fall : c.rise;
}

interface View {
  lib: ChartLib;
  chart: IChartApi;
  area: ISeriesApi<"Area">;
  markers: ISeriesMarkersPluginApi<Time>;
}

export interface EquityCurveProps {
  lang: Lang;
  session: Session;
  theme: Theme;
  colors?: ColorScheme;
  version: number; // bump to reload (after an order fills, a top-up, …)
}

export function EquityCurve({ lang, session, theme, colors = "korean", version }: EquityCurveProps) {
  const s = STRINGS[lang];
  const box = useRef<HTMLDivElement>(null);
  const [period, setPeriod] = useState<Period>(DEFAULT_PERIOD);
  const [view, setView] = useState<View | null>(null);
  const [loaded, setLoaded] = useState<{
    period: Period;
    points: EquityPoint[];
    deposits: EquityPoint[];
    profitLoss: number | null;
  } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [libFailure, setLibFailure] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    let made: View | null = null;
    loadChartLib().then(
      (lib) => {
        if (gone || !box.current) return;
        const chart = lib.createChart(box.current, { autoSize: true });
        const area = chart.addSeries(lib.AreaSeries, {
          lineWidth: 2, priceFormat: { type: "price", precision: 0, minMove: 1 }, priceLineVisible: false,
        });
        made = { lib, chart, area, markers: lib.createSeriesMarkers(area, []) };
        setView(made);
      },
      (e: Error) => !gone && setLibFailure(e.message),
    );
    return () => {
      gone = true;
      made?.chart.remove();
    };
  }, []);

  useEffect(() => {
    view?.chart.applyOptions(chartOptions(view.lib, theme, lang, isIntraday(period)));
  }, [view, theme, lang, period]);

  // A newer choice (or version) drops the older answer; the old curve stays up until the new one is here.
  useEffect(() => {
    let stale = false;
    setFailure(null);
    session.authed<PortfolioHistory>(historyPath(period)).then(
      (h) => {
        if (stale) return;
        setLoaded({ period, points: equityPoints(h), deposits: depositPoints(h), profitLoss: lastProfitLoss(h) });
      },
      (e: Error) => !stale && setFailure(e.message),
    );
    return () => {
      stale = true;
    };
  }, [session, period, version]);

  useEffect(() => {
    if (!view || !loaded) return;
    const c = riseFall(colors, theme);
    const color = curveColor(loaded.points, c, loaded.profitLoss);
    view.area.applyOptions({ lineColor: color, topColor: `${color}40`, bottomColor: `${color}05` });
    view.area.setData(loaded.points.map((p): AreaData<UTCTimestamp> => ({ time: p.time as UTCTimestamp, value: p.value })));
    view.markers.setMarkers(
      loaded.deposits.map((d) => ({
        time: d.time as UTCTimestamp,
        position: "belowBar" as const,
        shape: "arrowUp" as const,
        color: PALETTE_DEPOSIT[theme],
        text: `${s.deposit} ${formatWon(d.value, lang === "ko" ? "ko-KR" : "en-US")}`,
      })),
    );
    view.chart.timeScale().fitContent();
  }, [view, loaded, colors, theme, lang, s]);

  const failed = libFailure ?? failure;
  const loading = !failed && (!view || loaded?.period !== period);
  return (
    <ChartFrame
      testId="equity-curve"
      className="chart chart-equity"
      theme={theme}
      groupLabel={s.periods}
      choices={PERIODS.map((p) => ({ key: p, label: s.period[p], attrs: { "data-period": p } }))}
      chosen={period}
      onChoose={setPeriod}
      box={box}
      failed={failed}
      loading={loading}
      empty={loaded?.points.length === 0}
      texts={s}
    />
  );
}
