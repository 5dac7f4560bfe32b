import { describe, expect, it } from "vitest";

import {
  apiTimeframe, applyTradeToBars, type Bar, barsPath, bucketStart, epochSeconds, isTimeframe, parseBar, parseBars,
  TICK, tickLabel, TIMEFRAMES, timeLabel,
} from "./bars";

const at = (iso: string) => Date.parse(iso) / 1000;
const bar = (time: number, o: number, h: number, l: number, c: number, v: number): Bar => ({
  time, open: o, high: h, low: l, close: c, volume: v,
});
const trade = (time: string, price: number, size = 10) => ({ price, size, time });

describe("timeframes", () => {
  it("maps the app's timeframes to the data API's", () => {
    expect(TIMEFRAMES.map(apiTimeframe)).toEqual(["1Min", "5Min", "1Hour", "1Day"]);
    expect(isTimeframe("5m")).toBe(true);
    expect(isTimeframe("1w")).toBe(false);
  });

  it("asks for a window that suits each timeframe, in one page of up to 10,000 bars", () => {
    const now = Date.parse("2026-07-27T03:00:00Z");
    const query = (path: string) => Object.fromEntries(new URL(path, "http://x").searchParams);
    expect(barsPath("005930", "1m", now).startsWith("/v2/stocks/005930/bars?")).toBe(true);
    expect(query(barsPath("005930", "1m", now))).toEqual({
      timeframe: "1Min", start: "2026-07-23T03:00:00.000Z", limit: "10000",
    });
    expect(query(barsPath("005930", "5m", now)).start).toBe("2026-07-17T03:00:00.000Z");
    expect(query(barsPath("005930", "1h", now)).timeframe).toBe("1Hour");
    const daily = query(barsPath("005930", "1d", now));
    expect(daily.timeframe).toBe("1Day");
    expect(daily.start!.slice(0, 4)).toBe("2023"); // three years of days
    expect(query(barsPath("005930", "1d", now, "MDox")).page_token).toBe("MDox");
  });
});

describe("parsing", () => {
  it("reads the server's microsecond times", () => {
    expect(epochSeconds("2026-07-27T00:05:12.345678Z")).toBe(at("2026-07-27T00:05:12.345Z"));
    expect(epochSeconds("2026-07-27T00:05:00Z")).toBe(at("2026-07-27T00:05:00Z"));
  });

  it("parses a bar with numbers or strings, and refuses a broken one", () => {
    const t = "2026-07-26T15:00:00.000000Z";
    expect(parseBar({ t, o: 249000, h: 250000, l: 248500, c: 249500, v: 12672 })).toEqual(
      bar(at(t), 249000, 250000, 248500, 249500, 12672),
    );
    expect(parseBar({ t, o: "249000", h: "250000", l: "248500", c: "249500", v: "12672" })).toEqual(
      bar(at(t), 249000, 250000, 248500, 249500, 12672),
    );
    expect(parseBar({ t: "yesterday", o: 1, h: 1, l: 1, c: 1, v: 1 })).toBeNull();
    expect(parseBar({ t, o: "x", h: 1, l: 1, c: 1, v: 1 })).toBeNull();
  });

  it("keeps bars ascending with one per time", () => {
    const raw = (t: string, c: number) => ({ t, o: c, h: c, l: c, c, v: 1 });
    const bars = parseBars([
      raw("2026-07-27T00:00:00Z", 1),
      raw("2026-07-27T00:01:00Z", 2),
      raw("2026-07-27T00:01:00Z", 3), // repeated: the later one wins
      raw("2026-07-27T00:00:30Z", 4), // out of order: dropped
      raw("2026-07-27T00:02:00Z", 5),
    ]);
    expect(bars.map((b) => b.close)).toEqual([1, 3, 5]);
  });
});

describe("bucketStart", () => {
  it("floors minutes, five minutes and hours on the epoch", () => {
    const s = at("2026-07-27T00:07:59.999Z");
    expect(bucketStart(s, "1m")).toBe(at("2026-07-27T00:07:00Z"));
    expect(bucketStart(s, "5m")).toBe(at("2026-07-27T00:05:00Z"));
    expect(bucketStart(at("2026-07-27T00:05:00Z"), "5m")).toBe(at("2026-07-27T00:05:00Z"));
    expect(bucketStart(at("2026-07-27T00:04:59Z"), "5m")).toBe(at("2026-07-27T00:00:00Z"));
    expect(bucketStart(s, "1h")).toBe(at("2026-07-27T00:00:00Z"));
  });

  it("starts days at 00:00 KST, 15:00Z the day before", () => {
    // 09:05 KST on 27 July is 00:05Z: the day began at 15:00Z on the 26th.
    expect(bucketStart(at("2026-07-27T00:05:00Z"), "1d")).toBe(at("2026-07-26T15:00:00Z"));
    // 23:59:59 KST on the 27th is 14:59:59Z: still the 27th in Korea.
    expect(bucketStart(at("2026-07-27T14:59:59Z"), "1d")).toBe(at("2026-07-26T15:00:00Z"));
    // Midnight KST exactly starts the 28th.
    expect(bucketStart(at("2026-07-27T15:00:00Z"), "1d")).toBe(at("2026-07-27T15:00:00Z"));
  });
});

describe("applyTradeToBars", () => {
  const minute = at("2026-07-27T00:05:00Z");
  const bars: readonly Bar[] = Object.freeze([bar(minute - 60, 100, 110, 90, 105, 50), bar(minute, 105, 108, 104, 106, 20)]);

  it("updates the last bar with a trade in its bucket", () => {
    const up = applyTradeToBars(bars, trade("2026-07-27T00:05:30.123456Z", 112, 5), "1m");
    expect(up).toHaveLength(2);
    expect(up[1]).toEqual(bar(minute, 105, 112, 104, 112, 25));
    const down = applyTradeToBars(up, trade("2026-07-27T00:05:59.999999Z", 101, 1), "1m");
    expect(down[1]).toEqual(bar(minute, 105, 112, 101, 101, 26));
    expect(bars[1]).toEqual(bar(minute, 105, 108, 104, 106, 20)); // the input is untouched
    expect(up[0]).toBe(bars[0]);
  });

  it("opens a new bar when the trade starts the next bucket", () => {
    const next = applyTradeToBars(bars, trade("2026-07-27T00:06:00Z", 107, 3), "1m");
    expect(next).toHaveLength(3);
    expect(next[2]).toEqual(bar(minute + 60, 107, 107, 107, 107, 3));
    expect(bars).toHaveLength(2);
  });

  it("ignores a trade older than the last bar, returning the same array", () => {
    expect(applyTradeToBars(bars, trade("2026-07-27T00:04:59Z", 1), "1m")).toBe(bars);
    expect(applyTradeToBars(bars, trade("not a time", 1), "1m")).toBe(bars);
    expect(applyTradeToBars(bars, trade("2026-07-27T00:05:10Z", NaN), "1m")).toBe(bars);
  });

  it("starts the first bar of an empty chart", () => {
    expect(applyTradeToBars([], trade("2026-07-27T00:05:10Z", 250000, 7), "5m")).toEqual([
      bar(minute, 250000, 250000, 250000, 250000, 7),
    ]);
  });

  it("puts trades either side of midnight KST in different day bars", () => {
    const day = at("2026-07-26T15:00:00Z"); // 27 July KST
    const days = [bar(day, 100, 100, 100, 100, 1)];
    const same = applyTradeToBars(days, trade("2026-07-27T14:59:59Z", 120, 1), "1d");
    expect(same).toEqual([bar(day, 100, 120, 100, 120, 2)]);
    const next = applyTradeToBars(same, trade("2026-07-27T15:00:00Z", 90, 1), "1d");
    expect(next.map((b) => b.time)).toEqual([day, day + 86_400]);
    expect(applyTradeToBars(next, trade("2026-07-27T14:00:00Z", 1), "1d")).toBe(next); // late trade of the day before
  });
});

describe("KST labels", () => {
  const s = at("2026-07-26T15:00:00Z"); // 00:00 KST on 27 July
  it("shows times in Korea whatever the browser's zone", () => {
    expect(timeLabel("ko", true)(s)).toBe("2026. 07. 27. 00:00");
    expect(timeLabel("en", true)(s)).toBe("07/27/2026, 00:00");
    expect(timeLabel("ko", false)(s)).toBe("2026. 07. 27.");
  });

  it("labels ticks by kind", () => {
    const tick = tickLabel("en");
    expect(tick(s, TICK.year)).toBe("2026");
    expect(tick(s, TICK.month)).toBe("Jul");
    expect(tick(s, TICK.day)).toBe("7/27");
    expect(tick(at("2026-07-27T00:05:00Z"), TICK.time)).toBe("09:05");
    expect(tickLabel("ko")(s, TICK.month)).toBe("7월");
  });
});
