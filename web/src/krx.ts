// KRX price rules the order ticket needs: the tick size of a price (the 2023 table, one grid for KOSPI and
// KOSDAQ) and snapping to that grid. Prices are whole won, as everywhere in InvestKing.
import ticks from "./krx-ticks.json";

// [lower bound of the price range, tick size], highest range first (shared with the end-to-end test).
const TICKS: ReadonlyArray<readonly [number, number]> = ticks.map(([from, tick]) => [from!, tick!] as const);

export function tickSize(price: number): number {
  for (const [from, tick] of TICKS) if (price >= from) return tick;
  return 1;
}

export function isOnTickGrid(price: number): boolean {
  return Number.isInteger(price) && price > 0 && price % tickSize(price) === 0;
}

// The nearest grid price at or below (`down`) or at or above (`up`) the given one.
export function snapToTick(price: number, direction: "down" | "up"): number {
  const p = Math.max(1, Math.floor(price));
  const tick = tickSize(p);
  const down = p - (p % tick);
  if (direction === "down" || down === p) return down;
  return down + tick; // range boundaries are multiples of both ticks, so this is on the grid
}

// One tick up or down from a grid price (the +/− steppers).
export function stepTick(price: number, steps: number): number {
  let p = price;
  for (let i = 0; i < Math.abs(steps); i++) {
    p = steps > 0 ? p + tickSize(p) : Math.max(1, p - tickSize(p - 1));
  }
  return p;
}
