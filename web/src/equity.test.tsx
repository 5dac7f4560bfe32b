import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { curveColor, depositPoints, EquityCurve, equityPoints, historyPath, lastProfitLoss } from "./equity";
import type { Session } from "./session";

// lightweight-charts needs a canvas: a recording stand-in takes its place.
const lw = vi.hoisted(() => {
  const fn = () => vi.fn<(...args: unknown[]) => unknown>();
  const areas: Array<{ type: string; setData: ReturnType<typeof fn>; applyOptions: ReturnType<typeof fn> }> = [];
  const charts: Array<{ applyOptions: ReturnType<typeof fn>; remove: ReturnType<typeof fn> }> = [];
  const createChart = vi.fn(() => {
    const chart = {
      applyOptions: fn(),
      remove: fn(),
      timeScale: () => ({ fitContent: fn() }),
      addSeries: (def: { type: string }) => {
        const area = { type: def.type, setData: fn(), applyOptions: fn() };
        areas.push(area);
        return area;
      },
    };
    charts.push(chart);
    return chart;
  });
  const markers: Array<{ setMarkers: ReturnType<typeof fn> }> = [];
  const createSeriesMarkers = vi.fn(() => {
    const m = { setMarkers: fn() };
    markers.push(m);
    return m;
  });
  return { areas, charts, createChart, markers, createSeriesMarkers };
});

vi.mock("lightweight-charts", () => ({
  createChart: lw.createChart,
  createSeriesMarkers: lw.createSeriesMarkers,
  CandlestickSeries: { type: "Candlestick" },
  HistogramSeries: { type: "Histogram" },
  AreaSeries: { type: "Area" },
  ColorType: { Solid: "solid" },
  LineStyle: { Solid: 0, Dotted: 1, Dashed: 2 },
}));

const history = (timestamp: number[], equity: Array<number | null>) => ({
  timestamp, equity, profit_loss: [], profit_loss_pct: [], base_value: 10_000_000, timeframe: "1D",
});

describe("equity helpers", () => {
  it("asks for a step that suits each period", () => {
    const q = (p: Parameters<typeof historyPath>[0]) => Object.fromEntries(new URL(historyPath(p), "http://x").searchParams);
    expect(historyPath("1D").startsWith("/v2/account/portfolio/history?")).toBe(true);
    expect(q("1D")).toEqual({ period: "1D", timeframe: "5Min" });
    expect(q("1W")).toEqual({ period: "1W", timeframe: "1H" });
    expect(q("1M")).toEqual({ period: "1M", timeframe: "1D" });
    expect(q("1A")).toEqual({ period: "1A", timeframe: "1D" });
  });

  it("keeps points ascending, one per time, without empty values", () => {
    expect(equityPoints(history([10, 20, 20, 15, 30, 40], [1, 2, 3, 4, null, 6]))).toEqual([
      { time: 10, value: 1 }, { time: 20, value: 3 }, { time: 40, value: 6 },
    ]);
    expect(equityPoints({ timestamp: null, equity: null })).toEqual([]);
  });

  it("is red when the period ends up, blue when down", () => {
    expect(curveColor([{ time: 1, value: 10 }, { time: 2, value: 11 }])).toBe("#d60000");
    expect(curveColor([{ time: 1, value: 10 }, { time: 2, value: 9 }])).toBe("#0051c7");
    expect(curveColor([])).toBe("#d60000");
  });

  it("colours by the P&L without deposits, and finds the deposits to mark", () => {
    const h = { ...history([10, 20, 30], [10_000_000, 11_000_000, 10_999_000]), profit_loss: [0, 0, -1_000], cashflow: { CSD: [0, 1_000_000, 0] } };
    // equity rose by the top-up, but the account lost 1,000 won: the fall colour
    expect(curveColor(equityPoints(h), undefined, lastProfitLoss(h))).toBe("#0051c7");
    expect(depositPoints(h)).toEqual([{ time: 20, value: 1_000_000 }]);
    expect(depositPoints(history([10], [1]))).toEqual([]);
    expect(lastProfitLoss(history([10], [1]))).toBeNull();
  });
});

describe("EquityCurve", () => {
  let root: HTMLDivElement;
  beforeAll(async () => {
    await import("lightweight-charts"); // loaded once, so the component's own import is quick
  });
  beforeEach(() => {
    lw.areas.length = 0;
    lw.createChart.mockClear();
    lw.charts.length = 0;
    root = document.createElement("div");
    document.body.appendChild(root);
  });
  afterEach(() => {
    render(null, root);
    root.remove();
  });

  it("draws the equity, switches period and reloads when the version changes", async () => {
    const authed = vi.fn(async (path: string) =>
      new URL(path, "http://x").searchParams.get("period") === "1D"
        ? history([1_000, 1_300], [10_000_000, 9_900_000])
        : history([1_000, 87_400, 90_000], [10_000_000, 10_050_000, 10_100_000]),
    );
    const session = { authed } as unknown as Session;
    const show = (version: number) =>
      act(async () => render(<EquityCurve lang="en" session={session} theme="light" version={version} />, root));
    await show(0);
    await vi.waitFor(() => expect(lw.areas[0]?.setData).toHaveBeenCalled());
    const area = lw.areas[0]!;
    expect(root.querySelector('[data-testid="equity-curve"]')).not.toBeNull();
    expect(area.type).toBe("Area");
    expect(area.setData).toHaveBeenLastCalledWith([
      { time: 1_000, value: 10_000_000 }, { time: 87_400, value: 10_050_000 }, { time: 90_000, value: 10_100_000 },
    ]);
    expect(area.applyOptions.mock.lastCall![0]).toMatchObject({ lineColor: "#d60000" });
    expect(root.querySelector('button[data-period="1M"]')!.getAttribute("aria-pressed")).toBe("true");

    await act(async () => root.querySelector<HTMLButtonElement>('button[data-period="1D"]')!.click());
    await vi.waitFor(() => expect(area.setData.mock.lastCall![0]).toHaveLength(2));
    expect(area.applyOptions.mock.lastCall![0]).toMatchObject({ lineColor: "#0051c7" });
    expect(root.querySelector('button[data-period="1D"]')!.getAttribute("aria-pressed")).toBe("true");
    expect(authed.mock.calls.map((c) => c[0])).toEqual([historyPath("1M"), historyPath("1D")]);

    await show(1);
    await vi.waitFor(() => expect(authed).toHaveBeenCalledTimes(3));
    expect(authed.mock.lastCall![0]).toBe(historyPath("1D"));
    expect(lw.createChart).toHaveBeenCalledTimes(1); // the chart stays; only the data reloads
  });

  it("marks each deposit on the curve", async () => {
    const h = { ...history([1_000, 2_000], [10_000_000, 11_000_000]), profit_loss: [0, 0], cashflow: { CSD: [0, 1_000_000] } };
    const session = { authed: vi.fn(async () => h) } as unknown as Session;
    lw.markers.length = 0;
    await act(async () => render(<EquityCurve lang="ko" session={session} theme="light" version={0} />, root));
    await vi.waitFor(() => expect(lw.markers[0]?.setMarkers).toHaveBeenCalled());
    expect(lw.markers[0]!.setMarkers.mock.lastCall![0]).toEqual([
      expect.objectContaining({ time: 2_000, position: "belowBar", text: "입금 1,000,000" }),
    ]);
  });

  it("shows the server's refusal, and says when there is no history", async () => {
    let fail = true;
    const authed = vi.fn(async () => {
      if (fail) throw new Error("not signed in");
      return history([], []);
    });
    const session = { authed } as unknown as Session;
    await act(async () => render(<EquityCurve lang="ko" session={session} theme="dark" version={0} />, root));
    await vi.waitFor(() => expect(root.querySelector('[role="alert"]')?.textContent).toBe("자산 추이를 불러오지 못했습니다: not signed in"));
    fail = false;
    await act(async () => render(<EquityCurve lang="ko" session={session} theme="dark" version={1} />, root));
    await vi.waitFor(() => expect(root.querySelector('.chart-message[role="status"]')?.textContent).toBe("아직 기록이 없습니다"));
    expect(root.querySelector('[role="alert"]')).toBeNull();
  });
});
