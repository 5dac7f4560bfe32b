// The stock page's chart: candles with the volume beneath, for one of four timeframes, with lines at today's
// upper and lower limit and the previous close. Bars come from the data API; each trade then moves the last
// candle (or starts the next). Korean colours (rise red, fall blue), times in KST. lightweight-charts is
// loaded on demand, so pages without a chart do not carry it.

import type {
  AutoscaleInfo,
  CandlestickData, ChartOptions, DeepPartial, HistogramData, IChartApi, IPriceLine, ISeriesApi, UTCTimestamp,
} from "lightweight-charts";
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

import {
  applyTradeToBars, type Bar, barsPath, type BarsPage, DEFAULT_TIMEFRAME, parseBars, type RawBar, tickLabel,
  type Timeframe, TIMEFRAMES, timeLabel,
} from "./bars";
import { type ColorScheme, formatWon, riseFall } from "./format";
import type { Lang } from "./i18n";
import type { Trade } from "./live";
import type { Session } from "./session";
import "./chart.css";

const STRINGS = {
  ko: {
    timeframes: "차트 주기",
    tf: { "1m": "1분", "5m": "5분", "1h": "1시간", "1d": "일" },
    loading: "차트를 불러오는 중…",
    failed: "차트를 불러오지 못했습니다",
    empty: "이 기간에는 아직 거래가 없습니다",
    upper: "상한가",
    lower: "하한가",
    previousClose: "전일 종가",
  },
  en: {
    timeframes: "Chart interval",
    tf: { "1m": "1m", "5m": "5m", "1h": "1h", "1d": "1D" },
    loading: "Loading the chart…",
    failed: "Could not load the chart",
    empty: "No trades in this period yet",
    upper: "Upper limit",
    lower: "Lower limit",
    previousClose: "Previous close",
  },
} as const;

export type Theme = "light" | "dark";
export type ChartLib = typeof import("lightweight-charts");

export const RISE = "#d60000"; // the Korean scheme's rise and fall on a light page
export const FALL = "#0051c7";
const VOLUME_ALPHA = "66"; // 40% of the candle's colour
const VISIBLE_BARS = 120;  // a long history opens on its latest bars, scrollable back
const MAX_PAGES = 5;

const PALETTE: Record<Theme, { text: string; grid: string; border: string; flat: string }> = {
  light: { text: "#333d4b", grid: "rgba(0, 0, 0, 0.06)", border: "rgba(0, 0, 0, 0.15)", flat: "#6b7684" },
  dark: { text: "#d1d6db", grid: "rgba(255, 255, 255, 0.08)", border: "rgba(255, 255, 255, 0.2)", flat: "#8b95a1" },
};

let library: Promise<ChartLib> | null = null;

// lightweight-charts, imported once (and again after a failed attempt).
export function loadChartLib(): Promise<ChartLib> {
  library ??= import("lightweight-charts").catch((e: unknown) => {
    library = null;
    throw e;
  });
  return library;
}

// Colours for the theme, prices in won and times in KST (dates only for daily data).
export function chartOptions(lib: ChartLib, theme: Theme, lang: Lang, intraday: boolean): DeepPartial<ChartOptions> {
  const p = PALETTE[theme];
  const locale = lang === "ko" ? "ko-KR" : "en-US";
  const tick = tickLabel(lang);
  const label = timeLabel(lang, intraday);
  return {
    layout: { background: { type: lib.ColorType.Solid, color: "transparent" }, textColor: p.text },
    grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
    rightPriceScale: { borderColor: p.border },
    timeScale: {
      borderColor: p.border,
      timeVisible: intraday,
      secondsVisible: false,
      tickMarkFormatter: (time: unknown, kind: number) => (typeof time === "number" ? tick(time, kind) : null),
    },
    localization: {
      locale,
      priceFormatter: (price: number) => formatWon(price, locale),
      timeFormatter: (time: unknown) => (typeof time === "number" ? label(time) : ""),
    },
  };
}

export function candle(bar: Bar): CandlestickData<UTCTimestamp> {
  return { time: bar.time as UTCTimestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.close };
}

export function volumeBar(bar: Bar, c: { rise: string; fall: string } = { rise: RISE, fall: FALL }): HistogramData<UTCTimestamp> {
  return { time: bar.time as UTCTimestamp, value: bar.volume, color: (bar.close >= bar.open ? c.rise : c.fall) + VOLUME_ALPHA };
}

// Every bar of the timeframe's window, following the API's pages.
export async function fetchBars(session: Session, symbol: string, tf: Timeframe, nowMs: number): Promise<Bar[]> {
  const raw: RawBar[] = [];
  let token: string | null | undefined = undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: BarsPage = await session.authed<BarsPage>(barsPath(symbol, tf, nowMs, token));
    raw.push(...(answer.bars ?? []));
    token = answer.next_page_token;
    if (!token) break;
  }
  return parseBars(raw);
}

// Opens a long history on its latest bars; a short one fits the width.
export function showLatest(chart: IChartApi, count: number): void {
  if (count > VISIBLE_BARS) chart.timeScale().setVisibleLogicalRange({ from: count - VISIBLE_BARS, to: count + 2 });
  else chart.timeScale().fitContent();
}

interface View {
  lib: ChartLib;
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  volume: ISeriesApi<"Histogram">;
  removed: boolean;
}

// `reference` is a price the price scale always shows (the previous close), so a quiet day's candles are
// seen against it rather than blown up to fill the chart.
function createView(lib: ChartLib, box: HTMLElement, reference: { current: number }): View {
  const chart = lib.createChart(box, { autoSize: true, timeScale: { maxBarSpacing: 40 } });
  const candles = chart.addSeries(lib.CandlestickSeries, {
    upColor: RISE, downColor: FALL, borderUpColor: RISE, borderDownColor: FALL, wickUpColor: RISE, wickDownColor: FALL,
    priceFormat: { type: "price", precision: 0, minMove: 1 },
    autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
      const info = original();
      const p = reference.current;
      if (!info?.priceRange || !(p > 0)) return info;
      const { minValue, maxValue } = info.priceRange;
      return { ...info, priceRange: { minValue: Math.min(minValue, p), maxValue: Math.max(maxValue, p) } };
    },
  });
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.1, bottom: 0.28 } });
  const volume = chart.addSeries(lib.HistogramSeries, {
    priceScaleId: "", priceFormat: { type: "volume" }, lastValueVisible: false, priceLineVisible: false,
  });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
  return { lib, chart, candles, volume, removed: false };
}

export interface StockChartProps {
  lang: Lang;
  session: Session;
  symbol: string;
  previousClose: number;
  upper: number;
  lower: number;
  theme: Theme;
  colors?: ColorScheme; // rise red / fall blue (Korean, the default) or rise green / fall red
  epoch?: number; // changes when the live feed reconnects: the bars are read again (trades were missed)
  // Registers a listener for live trades (any symbol) and returns its removal; pass a stable function.
  subscribe: (fn: (t: Trade) => void) => () => void;
}

export function StockChart({ lang, session, symbol, previousClose, upper, lower, theme, colors = "korean", epoch = 0, subscribe }: StockChartProps) {
  const s = STRINGS[lang];
  const c = riseFall(colors, theme);
  const palette = useRef(c);
  palette.current = c;
  const box = useRef<HTMLDivElement>(null);
  const [tf, setTf] = useState<Timeframe>(DEFAULT_TIMEFRAME);
  const [view, setView] = useState<View | null>(null);
  const [loaded, setLoaded] = useState<{ key: string; bars: Bar[] } | null>(null);
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const [empty, setEmpty] = useState(false);
  const live = useRef<{ key: string; bars: Bar[] } | null>(null);
  const reference = useRef(previousClose);
  reference.current = previousClose;
  const key = `${symbol}/${tf}`;

  // The chart itself, once the library is here; removed with the component.
  useEffect(() => {
    let gone = false;
    let made: View | null = null;
    loadChartLib().then(
      (lib) => {
        if (gone || !box.current) return;
        made = createView(lib, box.current, reference);
        setView(made);
      },
      (e: Error) => !gone && setFailure({ key: "*", message: e.message }),
    );
    return () => {
      gone = true;
      if (made) {
        made.removed = true;
        made.chart.remove();
      }
    };
  }, []);

  useEffect(() => {
    view?.chart.applyOptions(chartOptions(view.lib, theme, lang, tf !== "1d"));
    view?.candles.applyOptions({
      upColor: c.rise, downColor: c.fall, borderUpColor: c.rise, borderDownColor: c.fall, wickUpColor: c.rise, wickDownColor: c.fall,
    });
  }, [view, theme, lang, tf, c.rise, c.fall]);

  // Upper limit, lower limit and previous close, titled in the page's language.
  useEffect(() => {
    if (!view) return;
    const { LineStyle } = view.lib;
    const lines: IPriceLine[] = [];
    const line = (price: number, color: string, lineStyle: number, title: string) => {
      if (Number.isFinite(price) && price > 0) {
        lines.push(view.candles.createPriceLine({ price, color, lineWidth: 1, lineStyle, axisLabelVisible: true, title }));
      }
    };
    line(upper, c.rise, LineStyle.Dashed, s.upper);
    line(lower, c.fall, LineStyle.Dashed, s.lower);
    line(previousClose, PALETTE[theme].flat, LineStyle.Dotted, s.previousClose);
    return () => {
      if (!view.removed) lines.forEach((l) => view.candles.removePriceLine(l));
    };
  }, [view, upper, lower, previousClose, theme, s, c.rise, c.fall]);

  // The bars of this symbol and timeframe; an answer for an earlier choice is dropped.
  useEffect(() => {
    let stale = false;
    const k = `${symbol}/${tf}`;
    setFailure((f) => (f?.key === "*" ? f : null));
    fetchBars(session, symbol, tf, Date.now()).then(
      (bars) => !stale && setLoaded({ key: k, bars }),
      (e: Error) => !stale && setFailure({ key: k, message: e.message }),
    );
    return () => {
      stale = true;
    };
  }, [session, symbol, tf, epoch]);

  useEffect(() => {
    if (!view) return;
    if (!loaded || loaded.key !== key) {
      live.current = null;
      view.candles.setData([]);
      view.volume.setData([]);
      return;
    }
    live.current = loaded;
    view.candles.setData(loaded.bars.map(candle));
    view.volume.setData(loaded.bars.map((b) => volumeBar(b, c)));
    showLatest(view.chart, loaded.bars.length);
    setEmpty(loaded.bars.length === 0);
  }, [view, loaded, key, c.rise, c.fall]);

  // Live trades move the last candle, or open the next one.
  useEffect(() => {
    if (!view) return;
    const k = `${symbol}/${tf}`;
    return subscribe((trade) => {
      const current = live.current;
      if (trade.symbol !== symbol || !current || current.key !== k) return;
      const bars = applyTradeToBars(current.bars, trade, tf);
      const last = bars[bars.length - 1];
      if (bars === current.bars || !last) return;
      live.current = { key: k, bars };
      view.candles.update(candle(last));
      view.volume.update(volumeBar(last, palette.current));
      setEmpty(false);
    });
  }, [view, subscribe, symbol, tf]);

  const failed = failure && (failure.key === "*" || failure.key === key) ? failure.message : null;
  const loading = !failed && (!view || loaded?.key !== key);
  return (
    <ChartFrame
      testId="chart"
      className="chart"
      theme={theme}
      groupLabel={s.timeframes}
      choices={TIMEFRAMES.map((f) => ({ key: f, label: s.tf[f], attrs: { "data-tf": f } }))}
      chosen={tf}
      onChoose={setTf}
      box={box}
      failed={failed}
      loading={loading}
      empty={empty}
      texts={s}
    />
  );
}

// The frame both charts share: a row of choice buttons (timeframes, periods) over the canvas's box, and one
// message over the canvas: the failure, else loading, else no data.
export function ChartFrame<K extends string>({ testId, className, theme, groupLabel, choices, chosen, onChoose, box, failed, loading, empty, texts }: {
  testId: string;
  className: string;
  theme: Theme;
  groupLabel: string;
  choices: ReadonlyArray<{ key: K; label: string; attrs: Record<string, string> }>;
  chosen: K;
  onChoose: (key: K) => void;
  box: RefObject<HTMLDivElement>;
  failed: string | null; // why loading failed; shown first
  loading: boolean;
  empty: boolean;
  texts: { failed: string; loading: string; empty: string };
}) {
  const message: { role: "alert" | "status"; text: string } | null =
    failed !== null
      ? { role: "alert", text: `${texts.failed}: ${failed}` }
      : loading
        ? { role: "status", text: texts.loading }
        : empty
          ? { role: "status", text: texts.empty }
          : null;
  return (
    <div class={className} data-testid={testId} data-theme={theme}>
      <div class="chart-tfs" role="group" aria-label={groupLabel}>
        {choices.map((c) => (
          <button key={c.key} type="button" {...c.attrs} aria-pressed={c.key === chosen ? "true" : "false"} onClick={() => onChoose(c.key)}>
            {c.label}
          </button>
        ))}
      </div>
      <div class="chart-box" ref={box} />
      {message && (
        <p class="chart-message" role={message.role}>
          {message.text}
        </p>
      )}
    </div>
  );
}
