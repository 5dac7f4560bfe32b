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
    signIn: "로그인",
    signUp: "회원가입",
    signOut: "로그아웃",
    username: "아이디",
    password: "비밀번호",
    email: "이메일 (선택)",
    phone: "휴대폰 번호 (선택, +821012345678 형식)",
    required: "입력해 주세요",
    usernameRule: "아이디는 3–32자의 영문, 숫자, _ - . 입니다",
    passwordRule: "비밀번호는 8자 이상이어야 합니다",
    noAccount: "계정이 없으신가요?",
    haveAccount: "이미 계정이 있으신가요?",
    search: "종목 검색 (이름 또는 코드, / 키)",
    noMatch: "일치하는 종목이 없습니다",
    previousClose: "전일 종가",
    band: "가격제한폭 (하한 – 상한)",
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
    signIn: "Sign in",
    signUp: "Sign up",
    signOut: "Sign out",
    username: "Username",
    password: "Password",
    email: "Email (optional)",
    phone: "Mobile number (optional, like +821012345678)",
    required: "Please fill this in",
    usernameRule: "Usernames are 3–32 letters, digits, _ - or .",
    passwordRule: "Passwords have at least 8 characters",
    noAccount: "No account yet?",
    haveAccount: "Already have an account?",
    search: "Search stocks (name or code, / key)",
    noMatch: "No matching stock",
    previousClose: "Previous close",
    band: "Price band (lower – upper)",
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
