import { describe, expect, it } from "vitest";

import { isOnTickGrid, snapToTick, stepTick, tickSize } from "./krx";

describe("KRX tick grid", () => {
  it("has the 2023 tick sizes at each range boundary", () => {
    const cases: Array<[number, number]> = [
      [1_999, 1], [2_000, 5], [4_995, 5], [5_000, 10], [19_990, 10], [20_000, 50], [49_950, 50],
      [50_000, 100], [199_900, 100], [200_000, 500], [499_500, 500], [500_000, 1_000], [1_759_000, 1_000],
    ];
    for (const [price, tick] of cases) expect(tickSize(price), String(price)).toBe(tick);
  });

  it("snaps off-grid prices down and up, and keeps grid prices", () => {
    expect(snapToTick(249_700, "down")).toBe(249_500);
    expect(snapToTick(249_700, "up")).toBe(250_000);
    expect(snapToTick(199_950, "up")).toBe(200_000);
    expect(snapToTick(250_000, "up")).toBe(250_000);
    expect(isOnTickGrid(249_500)).toBe(true);
    expect(isOnTickGrid(249_700)).toBe(false);
    expect(isOnTickGrid(0)).toBe(false);
    expect(isOnTickGrid(100.5)).toBe(false);
  });

  it("steps one tick across range boundaries", () => {
    expect(stepTick(199_900, 1)).toBe(200_000);
    expect(stepTick(200_000, 1)).toBe(200_500);
    expect(stepTick(200_000, -1)).toBe(199_900);
    expect(stepTick(5_000, -2)).toBe(4_990);
    expect(stepTick(1, -1)).toBe(1);
    for (let p = 1_000; p < 600_000; p = stepTick(p, 1)) {
      expect(isOnTickGrid(p), String(p)).toBe(true);
      expect(stepTick(stepTick(p, 1), -1)).toBe(p);
    }
  });
});
