import { render } from "preact";
import { describe, expect, it } from "vitest";

import type { Stock } from "./api";
import { StockTable } from "./app";

const samsung: Stock = {
  symbol: "005930", name_ko: "삼성전자", name_en: "Samsung Electronics", market: "KOSPI", tradable: true,
  price: "250000", previous_close: "249500", change: "500", change_pct: "0.20",
  upper_limit: "324000", lower_limit: "175000", volume: 1234,
};

describe("StockTable", () => {
  it("shows each stock with its price and move, coloured by direction", () => {
    const root = document.createElement("div");
    render(<StockTable lang="ko" stocks={[samsung, { ...samsung, symbol: "000660", change: "-1000", change_pct: "-0.06" }]} />, root);
    const rows = root.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("삼성전자");
    expect(rows[0]!.textContent).toContain("250,000");
    expect(rows[0]!.textContent).toContain("+500 (+0.20%)");
    expect((rows[0]!.querySelector("td") as HTMLElement).style.color).toBe("var(--red)");
    expect((rows[1]!.querySelector("td") as HTMLElement).style.color).toBe("var(--blue)");
    render(<StockTable lang="en" stocks={[samsung]} />, root);
    expect(root.textContent).toContain("Samsung Electronics");
  });
});
