import { describe, expect, it } from "vitest";

import { ApiError, errorText, listStocks, marketRules } from "./api";

describe("api", () => {
  it("keeps the server's error message and code", async () => {
    const fetcher = (async () =>
      new Response(JSON.stringify({ code: 42210000, message: "price 249700 is not on the tick grid" }), { status: 422 })) as typeof fetch;
    const err = await listStocks("", 10, fetcher).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 42210000, message: "price 249700 is not on the tick grid" });
    const html = (async () => new Response("<html>bad gateway</html>", { status: 502 })) as typeof fetch;
    await expect(listStocks("", 10, html)).rejects.toMatchObject({ status: 502, message: "HTTP 502" });
  });

  it("asks for the market rules and the stock list at their paths", async () => {
    const seen: string[] = [];
    const fetcher = (async (input: RequestInfo | URL) => {
      seen.push(String(input));
      return new Response(JSON.stringify(String(input).startsWith("/api/v1/market") ? { commission_ppm: 150, sell_tax_ppm: 2000 } : []), { status: 200 });
    }) as typeof fetch;
    expect(await marketRules(fetcher)).toMatchObject({ commission_ppm: 150, sell_tax_ppm: 2000 });
    await listStocks("삼성", 5, fetcher);
    expect(seen).toEqual(["/api/v1/market", "/api/v1/stocks?limit=5&q=%EC%82%BC%EC%84%B1"]);
  });
});

describe("errorText", () => {
  it("keeps the server's message, led by a Korean explanation in Korean", () => {
    const refused = new ApiError(403, 40310000, "insufficient buying power: the order needs 1 won more");
    expect(errorText("en", refused)).toBe("insufficient buying power: the order needs 1 won more");
    expect(errorText("ko", refused)).toBe("주문 가능 금액이나 수량이 부족합니다 (insufficient buying power: the order needs 1 won more)");
    expect(errorText("ko", new ApiError(429, 42910000, "too many attempts"))).toMatch(/^요청이 너무 많습니다/);
    expect(errorText("ko", new TypeError("Failed to fetch"))).toBe("서버에 연결할 수 없습니다 (Failed to fetch)");
    expect(errorText("en", new Error("boom"))).toBe("boom");
  });
});
