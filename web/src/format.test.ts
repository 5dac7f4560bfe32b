import { describe, expect, it } from "vitest";

import { direction, formatChange, formatPercent, formatWon, moveColor, riseFall } from "./format";
import { defaultLang, stockName } from "./i18n";

describe("formatting", () => {
  it("writes won with separators and signed changes", () => {
    expect(formatWon("1759000")).toBe("1,759,000");
    expect(formatChange("-500")).toBe("−500");
    expect(formatChange(1000)).toBe("+1,000");
    expect(formatChange("0")).toBe("0");
    expect(formatPercent("-0.20")).toBe("−0.20%");
    expect(formatPercent("3")).toBe("+3.00%");
    expect(formatWon("not a number")).toBe("—");
  });

  it("colours a rise red and a fall blue the Korean way, and the other way on request", () => {
    expect(moveColor(direction("500"))).toBe("var(--rise)");
    expect(moveColor(direction("-1"))).toBe("var(--fall)");
    expect(moveColor(direction("0"))).toBe("var(--flat)");
    expect(riseFall("korean", "light")).toEqual({ rise: "#d60000", fall: "#0051c7" });
    expect(riseFall("western", "light")).toEqual({ rise: "#0a7d32", fall: "#d60000" });
  });

  it("picks the language from the saved choice, then the browser, then Korean", () => {
    expect(defaultLang("en", ["ko-KR"])).toBe("en");
    expect(defaultLang(null, ["en-US", "ko"])).toBe("en");
    expect(defaultLang(null, ["fr-FR", "ko-KR"])).toBe("ko");
    expect(defaultLang(null, [])).toBe("ko");
    expect(stockName("en", { name_ko: "삼성전자", name_en: "Samsung Electronics" })).toBe("Samsung Electronics");
    expect(stockName("en", { name_ko: "삼성전자", name_en: "" })).toBe("삼성전자");
  });
});
