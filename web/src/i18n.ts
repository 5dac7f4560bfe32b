// Korean and English. The default follows the browser; the choice is remembered.

export type Lang = "ko" | "en";

const STRINGS = {
  ko: {
    title: "내일은 투자왕",
    market: "시장",
    name: "종목",
    price: "현재가",
    change: "전일 대비",
    volume: "거래량",
    loading: "불러오는 중…",
    stale: "연결 끊김 — 가격이 오래되었을 수 있습니다",
    language: "English",
  },
  en: {
    title: "InvestKing",
    market: "Market",
    name: "Stock",
    price: "Price",
    change: "Change",
    volume: "Volume",
    loading: "Loading…",
    stale: "Disconnected — prices may be stale",
    language: "한국어",
  },
} as const;

export type Key = keyof (typeof STRINGS)["ko"];

export function defaultLang(stored: string | null, browser: readonly string[]): Lang {
  if (stored === "ko" || stored === "en") return stored;
  for (const l of browser) {
    if (l.toLowerCase().startsWith("ko")) return "ko";
    if (l.toLowerCase().startsWith("en")) return "en";
  }
  return "ko";
}

export function t(lang: Lang, key: Key): string {
  return STRINGS[lang][key];
}

export function stockName(lang: Lang, s: { name_ko: string; name_en: string }): string {
  return lang === "en" && s.name_en ? s.name_en : s.name_ko;
}
