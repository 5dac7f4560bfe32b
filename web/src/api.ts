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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
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
