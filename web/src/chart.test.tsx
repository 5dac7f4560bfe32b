import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "./api";
import { StockChart } from "./chart";
import type { Trade } from "./live";
import type { Session } from "./session";

// lightweight-charts draws on a canvas, which jsdom lacks: a recording stand-in takes its place.
const lw = vi.hoisted(() => {
  type Rec = Record<string, unknown>;
  const fn = () => vi.fn<(...args: unknown[]) => unknown>();
  const makeSeries = (type: string, options: unknown) => ({
    type,
    options,
    setData: fn(),
    update: fn(),
    applyOptions: fn(),
    createPriceLine: vi.fn((o: Rec) => ({ options: () => o })),
    removePriceLine: fn(),
    priceScale: () => ({ applyOptions: fn() }),
  });
  type Series = ReturnType<typeof makeSeries>;
  const charts: Array<{ series: Series[]; applyOptions: ReturnType<typeof fn>; remove: ReturnType<typeof fn> }> = [];
  const createChart = vi.fn((_box: HTMLElement, _options: Rec) => {
    const series: Series[] = [];
    const timeScale = { fitContent: fn(), setVisibleLogicalRange: fn() };
    const chart = {
      series,
      applyOptions: fn(),
      remove: fn(),
      timeScale: () => timeScale,
      addSeries: (def: { type: string }, options: unknown) => {
        const s = makeSeries(def.type, options);
        series.push(s);
        return s;
      },
    };
    charts.push(chart);
    return chart;
  });
  return { charts, createChart };
});

vi.mock("lightweight-charts", () => ({
  createChart: lw.createChart,
  CandlestickSeries: { type: "Candlestick" },
  HistogramSeries: { type: "Histogram" },
  AreaSeries: { type: "Area" },
  ColorType: { Solid: "solid" },
  LineStyle: { Solid: 0, Dotted: 1, Dashed: 2 },
}));

const bar = (t: string, o: number, h: number, l: number, c: number, v: number) => ({ t, o, h, l, c, v, n: 1, vw: null });
const at = (iso: string) => Date.parse(iso) / 1000;

function fakeSession(answer: (path: string) => Promise<unknown>) {
  const authed = vi.fn((path: string) => answer(path));
  return { session: { authed } as unknown as Session, authed };
}

function feed() {
  const listeners = new Set<(t: Trade) => void>();
  const subscribe = (fn: (t: Trade) => void) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  };
  return { subscribe, send: (t: Trade) => listeners.forEach((l) => l(t)), listeners };
}

const query = (path: string) => new URL(path, "http://x").searchParams;

describe("StockChart", () => {
  let root: HTMLDivElement;
  beforeAll(async () => {
    await import("lightweight-charts"); // loaded once, so the component's own import is quick
  });
  beforeEach(() => {
    lw.charts.length = 0;
    lw.createChart.mockClear();
    root = document.createElement("div");
    document.body.appendChild(root);
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });

  it("draws candles and volume with the limit and previous-close lines, then moves with live trades", async () => {
    const { session, authed } = fakeSession(async () => ({
      bars: [
        bar("2026-07-27T00:04:00.000000Z", 249000, 250000, 248500, 249500, 100),
        bar("2026-07-27T00:05:00.000000Z", 249500, 250000, 249000, 249000, 40),
      ],
      symbol: "005930",
      next_page_token: null,
    }));
    const live = feed();
    await act(async () => {
      render(
        <StockChart lang="ko" session={session} symbol="005930" previousClose={249500} upper={324000} lower={175000}
          theme="dark" subscribe={live.subscribe} />,
        root,
      );
    });
    await vi.waitFor(() => expect(lw.charts).toHaveLength(1));
    const chart = lw.charts[0]!;
    await vi.waitFor(() => expect(chart.series[0]!.setData).toHaveBeenLastCalledWith(expect.arrayContaining([expect.anything()])));

    expect(root.querySelector('[data-testid="chart"]')).not.toBeNull();
    expect(lw.createChart.mock.calls[0]![1]).toMatchObject({ autoSize: true });
    const [candles, volume] = chart.series;
    expect(candles!.type).toBe("Candlestick");
    expect(candles!.options).toMatchObject({ upColor: "#d60000", downColor: "#0051c7" });
    expect(volume!.type).toBe("Histogram");
    expect(volume!.options).toMatchObject({ priceScaleId: "" });

    expect(authed).toHaveBeenCalledTimes(1);
    const q = query(authed.mock.calls[0]![0]);
    expect(authed.mock.calls[0]![0].startsWith("/v2/stocks/005930/bars?")).toBe(true);
    expect(q.get("timeframe")).toBe("1Min");

    const lines = candles!.createPriceLine.mock.calls.map((c) => c[0]);
    expect(lines.map((l) => [l.price, l.title])).toEqual([
      [324000, "상한가"], [175000, "하한가"], [249500, "전일 종가"],
    ]);
    expect(lines[0]!.color).toBe("#ff6b6b");
    expect(lines[1]!.color).toBe("#6ea8ff");

    const minute = at("2026-07-27T00:05:00Z");
    expect(candles!.setData).toHaveBeenLastCalledWith([
      { time: minute - 60, open: 249000, high: 250000, low: 248500, close: 249500 },
      { time: minute, open: 249500, high: 250000, low: 249000, close: 249000 },
    ]);
    expect(volume!.setData.mock.lastCall![0]).toEqual([
      { time: minute - 60, value: 100, color: "#ff6b6b66" },
      { time: minute, value: 40, color: "#6ea8ff66" },
    ]);
    // Dark theme colours and KST times in the options.
    const options = chart.applyOptions.mock.lastCall![0] as { layout: { textColor: string }; timeScale: { timeVisible: boolean } };
    expect(options.layout.textColor).toBe("#d1d6db");
    expect(options.timeScale.timeVisible).toBe(true);

    await act(async () => {
      live.send({ symbol: "005930", price: 251000, size: 5, time: "2026-07-27T00:05:30.500000Z" });
      live.send({ symbol: "000660", price: 1, size: 1, time: "2026-07-27T00:05:31Z" }); // another stock
      live.send({ symbol: "005930", price: 1, size: 1, time: "2026-07-27T00:03:00Z" });  // older than the last bar
    });
    expect(candles!.update).toHaveBeenCalledTimes(1);
    expect(candles!.update).toHaveBeenLastCalledWith({ time: minute, open: 249500, high: 251000, low: 249000, close: 251000 });
    expect(volume!.update).toHaveBeenLastCalledWith({ time: minute, value: 45, color: "#ff6b6b66" });

    await act(async () => {
      live.send({ symbol: "005930", price: 250500, size: 2, time: "2026-07-27T00:06:00.000001Z" });
    });
    expect(candles!.update).toHaveBeenLastCalledWith({ time: minute + 60, open: 250500, high: 250500, low: 250500, close: 250500 });

    render(null, root);
    expect(chart.remove).toHaveBeenCalled();
    expect(live.listeners.size).toBe(0);
  });

  it("reloads on a timeframe switch with the right query, ignoring the earlier answer", async () => {
    const answers: Record<string, (v: unknown) => void> = {};
    const { session, authed } = fakeSession(
      (path) => new Promise((resolve) => (answers[query(path).get("timeframe")!] = resolve)),
    );
    const live = feed();
    await act(async () => {
      render(
        <StockChart lang="en" session={session} symbol="005930" previousClose={249500} upper={324000} lower={175000}
          theme="light" subscribe={live.subscribe} />,
        root,
      );
    });
    await vi.waitFor(() => expect(lw.charts).toHaveLength(1));
    const buttons = () => [...root.querySelectorAll<HTMLButtonElement>("button[data-tf]")];
    expect(buttons().map((b) => b.dataset.tf)).toEqual(["1m", "5m", "1h", "1d"]);
    expect(root.querySelector('button[data-tf="1m"]')!.getAttribute("aria-pressed")).toBe("true");
    expect(root.textContent).toContain("Loading the chart");

    await act(async () => root.querySelector<HTMLButtonElement>('button[data-tf="1d"]')!.click());
    expect(root.querySelector('button[data-tf="1d"]')!.getAttribute("aria-pressed")).toBe("true");
    expect(root.querySelector('button[data-tf="1m"]')!.getAttribute("aria-pressed")).toBe("false");
    expect(authed.mock.calls.map((c) => query(c[0]).get("timeframe"))).toEqual(["1Min", "1Day"]);

    const candles = lw.charts[0]!.series[0]!;
    await act(async () => answers["1Day"]!({ bars: [bar("2026-07-26T15:00:00Z", 1, 2, 1, 2, 9)], next_page_token: null }));
    await act(async () => answers["1Min"]!({ bars: [bar("2026-07-27T00:05:00Z", 7, 7, 7, 7, 7)], next_page_token: null }));
    expect(candles.setData).toHaveBeenLastCalledWith([{ time: at("2026-07-26T15:00:00Z"), open: 1, high: 2, low: 1, close: 2 }]);
    expect((lw.charts[0]!.applyOptions.mock.lastCall![0] as { timeScale: { timeVisible: boolean } }).timeScale.timeVisible).toBe(false);

    // A trade during the day lands in the day bar that began at 15:00Z.
    await act(async () => live.send({ symbol: "005930", price: 3, size: 1, time: "2026-07-27T06:00:00Z" }));
    expect(candles.update).toHaveBeenLastCalledWith({ time: at("2026-07-26T15:00:00Z"), open: 1, high: 3, low: 1, close: 3 });
    expect(root.querySelector(".chart-message")).toBeNull();
  });

  it("follows the next page token", async () => {
    const { session, authed } = fakeSession(async (path) =>
      query(path).get("page_token")
        ? { bars: [bar("2026-07-27T00:06:00Z", 2, 2, 2, 2, 1)], next_page_token: null }
        : { bars: [bar("2026-07-27T00:05:00Z", 1, 1, 1, 1, 1)], next_page_token: "TOKEN" },
    );
    await act(async () => {
      render(
        <StockChart lang="en" session={session} symbol="005930" previousClose={0} upper={0} lower={0} theme="light"
          subscribe={feed().subscribe} />,
        root,
      );
    });
    await vi.waitFor(() => expect(lw.charts[0]?.series[0]?.setData.mock.lastCall?.[0]).toHaveLength(2));
    expect(query(authed.mock.calls[1]![0]).get("page_token")).toBe("TOKEN");
    expect(lw.charts[0]!.series[0]!.createPriceLine).not.toHaveBeenCalled(); // no prices known: no lines
  });

  it("says so when there are no bars, and when loading fails", async () => {
    const { session } = fakeSession(async (path) => {
      if (query(path).get("timeframe") === "1Hour") throw new ApiError(500, 50010000, "database is busy");
      return { bars: [], symbol: "005930", next_page_token: null };
    });
    await act(async () => {
      render(
        <StockChart lang="ko" session={session} symbol="005930" previousClose={1} upper={2} lower={1} theme="light"
          subscribe={feed().subscribe} />,
        root,
      );
    });
    await vi.waitFor(() => expect(root.querySelector('.chart-message[role="status"]')?.textContent).toContain("아직 거래가 없습니다"));
    await act(async () => root.querySelector<HTMLButtonElement>('button[data-tf="1h"]')!.click());
    await vi.waitFor(() => expect(root.querySelector('[role="alert"]')?.textContent).toBe("차트를 불러오지 못했습니다: database is busy"));
  });

  it("keeps the answer for the symbol shown when the symbol changes", async () => {
    const answers: Record<string, (v: unknown) => void> = {};
    const { session } = fakeSession((path) => new Promise((resolve) => (answers[path.split("/")[3]!] = resolve)));
    const live = feed();
    const show = (symbol: string) =>
      act(async () => {
        render(
          <StockChart lang="en" session={session} symbol={symbol} previousClose={1} upper={2} lower={1} theme="light"
            subscribe={live.subscribe} />,
          root,
        );
      });
    await show("005930");
    await vi.waitFor(() => expect(lw.charts).toHaveLength(1));
    await show("000660");
    await act(async () => answers["000660"]!({ bars: [bar("2026-07-27T00:05:00Z", 5, 5, 5, 5, 5)], next_page_token: null }));
    await act(async () => answers["005930"]!({ bars: [bar("2026-07-27T00:05:00Z", 9, 9, 9, 9, 9)], next_page_token: null }));
    const candles = lw.charts[0]!.series[0]!;
    expect(candles.setData).toHaveBeenLastCalledWith([{ time: at("2026-07-27T00:05:00Z"), open: 5, high: 5, low: 5, close: 5 }]);
    await act(async () => live.send({ symbol: "005930", price: 9, size: 1, time: "2026-07-27T00:05:10Z" }));
    expect(candles.update).not.toHaveBeenCalled();
    expect(live.listeners.size).toBe(1);
  });
});
