// Numbers as Korean investors read them: won with thousands separators, signed changes, and the colour of a
// move (rise red, fall blue by Korean convention; rise green, fall red in the Western scheme on request).

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

// The colour of a move, as CSS variables: the page's colour scheme (html[data-colors], Korean by default) decides
// what rise and fall look like.
export function moveColor(d: Direction): string {
  if (d === "flat") return "var(--flat)";
  return d === "up" ? "var(--rise)" : "var(--fall)";
}

// Rise and fall colours for canvases (charts), which cannot use CSS variables.
export function riseFall(scheme: ColorScheme, theme: "light" | "dark"): { rise: string; fall: string } {
  const dark = theme === "dark";
  const red = dark ? "#ff6b6b" : "#d60000";
  if (scheme === "western") return { rise: dark ? "#4cc38a" : "#0a7d32", fall: red };
  return { rise: red, fall: dark ? "#6ea8ff" : "#0051c7" };
}
