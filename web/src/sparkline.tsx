// A stock's recent prices as a tiny line for the home table: plain SVG (no chart library), red when the last
// price is above the previous close (or the first price when there is none), blue below, with the previous
// close as a faint baseline.

import { direction, type Direction } from "./format";

export const SPARK_WIDTH = 80;
export const SPARK_HEIGHT = 24;
const PAD = 2; // keeps the stroke inside the box

export interface SparkGeometry {
  points: string;          // for <polyline points>: "x,y x,y …"
  baseline: number | null; // y of the previous close
}

// The polyline through `values`, spread over the width and scaled between the lowest and highest value (the
// previous close included, so the baseline is in range). One value is a flat line; none, an empty one.
export function sparklinePoints(
  values: readonly number[],
  previousClose?: number,
  width = SPARK_WIDTH,
  height = SPARK_HEIGHT,
): SparkGeometry {
  const vs = values.filter(Number.isFinite);
  const base = previousClose !== undefined && Number.isFinite(previousClose) && previousClose > 0 ? previousClose : null;
  if (vs.length === 0) return { points: "", baseline: null };
  const all = base === null ? vs : [...vs, base];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const y = (v: number) => (hi === lo ? height / 2 : PAD + ((hi - v) * (height - 2 * PAD)) / (hi - lo));
  const round = (n: number) => Math.round(n * 100) / 100;
  const step = vs.length > 1 ? (width - 2 * PAD) / (vs.length - 1) : 0;
  const xy = vs.length === 1
    ? [`${PAD},${round(y(vs[0]!))}`, `${width - PAD},${round(y(vs[0]!))}`]
    : vs.map((v, i) => `${round(PAD + i * step)},${round(y(v))}`);
  return { points: xy.join(" "), baseline: base === null ? null : round(y(base)) };
}

// Up or down against the previous close, or against the first value without one.
export function sparklineDirection(values: readonly number[], previousClose?: number): Direction {
  const vs = values.filter(Number.isFinite);
  const last = vs[vs.length - 1];
  const ref = previousClose !== undefined && Number.isFinite(previousClose) && previousClose > 0 ? previousClose : vs[0];
  if (last === undefined || ref === undefined) return "flat";
  return direction(last - ref);
}

const STROKE: Record<Direction, string> = { up: "var(--rise)", down: "var(--fall)", flat: "currentColor" };

export function Sparkline({ values, previousClose, label }: { values: number[]; previousClose?: number; label: string }) {
  const { points, baseline } = sparklinePoints(values, previousClose);
  const d = sparklineDirection(values, previousClose);
  return (
    <svg
      class="sparkline"
      role="img"
      aria-label={label}
      data-direction={d}
      width={SPARK_WIDTH}
      height={SPARK_HEIGHT}
      viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`}
    >
      {baseline !== null && (
        <line x1={0} x2={SPARK_WIDTH} y1={baseline} y2={baseline} stroke="currentColor" stroke-opacity={0.25} stroke-dasharray="2 2" />
      )}
      {points && <polyline points={points} fill="none" style={{ stroke: STROKE[d] }} stroke-width={1.5} stroke-linejoin="round" />}
    </svg>
  );
}
