// The platform API, as the app uses it. Errors keep the server's message so the UI can show it as it is.

export interface Stock {
  symbol: string;
  name_ko: string;
  name_en: string;
  market: string;
  tradable: boolean;
  price: string;
  previous_close: string;
  change: string;
  change_pct: string;
  upper_limit: string;
  lower_limit: string;
  volume: number;
  trend?: number[]; // with listStocks(…, { trend: true }): five-minute closes of the last 24 hours
}

import type { Lang } from "./i18n";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const KO_LEADS: Array<[(e: ApiError) => boolean, string]> = [
  [(e) => e.status === 401, "로그인이 필요하거나 아이디·비밀번호가 올바르지 않습니다"],
  [(e) => e.status === 403 && e.code === 40310000, "주문 가능 금액이나 수량이 부족합니다"],
  [(e) => e.status === 403, "권한이 없습니다"],
  [(e) => e.status === 404, "찾을 수 없습니다"],
  [(e) => e.status === 409, "이미 있습니다"],
  [(e) => e.status === 413 || e.status === 400, "요청이 올바르지 않습니다"],
  [(e) => e.status === 422, "규칙상 처리할 수 없는 요청입니다"],
  [(e) => e.status === 429, "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요"],
  [(e) => e.status >= 500, "서버에 문제가 있습니다. 잠시 후 다시 시도해 주세요"],
];

// An error for the page, in the user's language: the server's message is kept as it was sent (it names the
// exact rule), and in Korean a short explanation leads it. Errors that are not the server's (offline) too.
export function errorText(lang: Lang, err: unknown): string {
  if (err instanceof ApiError) {
    if (lang === "en") return err.message;
    const lead = KO_LEADS.find(([match]) => match(err))?.[1];
    return lead ? `${lead} (${err.message})` : err.message;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (lang === "ko" && err instanceof TypeError) return `서버에 연결할 수 없습니다 (${message})`; // fetch: network down
  return message;
}

export async function request<T>(path: string, init: RequestInit = {}, fetcher: typeof fetch = fetch): Promise<T> {
  const res = await fetcher(path, {
    ...init,
    headers: { Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}), ...init.headers },
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const err = body as { code?: number; message?: string } | undefined;
    throw new ApiError(res.status, err?.code, err?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

export function listStocks(query = "", limit = 100, fetcher: typeof fetch = fetch, opts: { trend?: boolean } = {}): Promise<Stock[]> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (query) params.set("q", query);
  if (opts.trend) params.set("trend", "true");
  return request<Stock[]>(`/api/v1/stocks?${params}`, {}, fetcher);
}

export interface MarketRules {
  timestamp: string;
  session: "closed" | "continuous" | "closing_auction";
  currency: "KRW";
  commission_ppm: number;
  sell_tax_ppm: number;
  price_limit_ppm: number;
}

// The session, fees and band width in force (public): the order ticket estimates with these.
export function marketRules(fetcher: typeof fetch = fetch): Promise<MarketRules> {
  return request<MarketRules>("/api/v1/market", {}, fetcher);
}
