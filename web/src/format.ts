// Numbers as Korean investors read them: won with thousands separators, signed changes, and the colour of a
// move (rise red, fall blue by Korean convention; the Western scheme on request).

export type Direction = "up" | "down" | "flat";
export type ColorScheme = "korean" | "western";

export function formatWon(value: string | number, locale = "ko-KR"): string {
  const n = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(n)) return "—";
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

export function direction(change: string | number): Direction {
  const n = typeof change === "string" ? Number(change) : change;
  if (!Number.isFinite(n) || n === 0) return "flat";
  return n > 0 ? "up" : "down";
}

export function formatChange(change: string | number, locale = "ko-KR"): string {
  const n = typeof change === "string" ? Number(change) : change;
  if (!Number.isFinite(n)) return "—";
  const sign = n > 0 ? "+" : n < 0 ? "−" : "";
  return sign + formatWon(Math.abs(n), locale);
}

export function formatPercent(pct: string | number): string {
  const n = typeof pct === "string" ? Number(pct) : pct;
  if (!Number.isFinite(n)) return "—";
  const sign = n > 0 ? "+" : n < 0 ? "−" : "";
  return `${sign}${Math.abs(n).toFixed(2)}%`;
}

export function moveColor(d: Direction, scheme: ColorScheme = "korean"): string {
  if (d === "flat") return "var(--flat)";
  const rise = scheme === "korean" ? "var(--red)" : "var(--green)";
  const fall = scheme === "korean" ? "var(--blue)" : "var(--red)";
  return d === "up" ? rise : fall;
}
