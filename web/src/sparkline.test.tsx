import { render } from "preact";
import { describe, expect, it } from "vitest";

import { Sparkline, sparklineDirection, sparklinePoints } from "./sparkline";

describe("sparklinePoints", () => {
  it("spreads the values over the width and scales them into the height", () => {
    // width 80, height 24, 2 px padding: x from 2 to 78, y from 22 (low) to 2 (high)
    expect(sparklinePoints([100, 110, 105])).toEqual({ points: "2,22 40,2 78,12", baseline: null });
  });

  it("keeps the previous close in range and gives its baseline", () => {
    const { points, baseline } = sparklinePoints([110, 120], 100);
    expect(points).toBe("2,12 78,2");
    expect(baseline).toBe(22);
  });

  it("draws one value, or equal values, as a flat line through the middle", () => {
    expect(sparklinePoints([5]).points).toBe("2,12 78,12");
    expect(sparklinePoints([5, 5, 5]).points).toBe("2,12 40,12 78,12");
    expect(sparklinePoints([])).toEqual({ points: "", baseline: null });
    expect(sparklinePoints([NaN, 1, 3], undefined, 10, 10).points).toBe("2,8 8,2");
  });
});

describe("sparklineDirection", () => {
  it("compares the last value with the previous close, else with the first", () => {
    expect(sparklineDirection([100, 90, 95], 94)).toBe("up");
    expect(sparklineDirection([100, 90, 95])).toBe("down");
    expect(sparklineDirection([100, 101])).toBe("up");
    expect(sparklineDirection([100], 100)).toBe("flat");
    expect(sparklineDirection([])).toBe("flat");
  });
});

describe("Sparkline", () => {
  it("is a labelled image coloured by the move", () => {
    const root = document.createElement("div");
    render(<Sparkline values={[100, 105]} previousClose={100} label="삼성전자 오늘의 추이" />, root);
    const svg = root.querySelector("svg.sparkline")!;
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.getAttribute("aria-label")).toBe("삼성전자 오늘의 추이");
    expect(svg.getAttribute("width")).toBe("80");
    expect(svg.getAttribute("height")).toBe("24");
    expect(root.querySelector("polyline")!.style.stroke).toBe("var(--rise)");
    expect(root.querySelector("line")).not.toBeNull();

    render(<Sparkline values={[100, 95]} label="down" />, root);
    expect(root.querySelector("polyline")!.style.stroke).toBe("var(--fall)");
    expect(root.querySelector("line")).toBeNull();

    render(<Sparkline values={[]} label="nothing yet" />, root);
    expect(root.querySelector("svg.sparkline")).not.toBeNull();
    expect(root.querySelector("polyline")).toBeNull();
  });
});
