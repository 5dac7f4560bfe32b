import { describe, expect, it } from "vitest";

import {
  channelsText,
  checkAlert,
  conditionText,
  createAlert,
  deleteAlert,
  kstToUtc,
  listNotifications,
  modeText,
  percentText,
  readNotification,
  rearmAlert,
  statusText,
  type AlertDraft,
} from "./alerts";

const NOW = Date.parse("2026-11-26T00:30:00Z"); // 09:30 KST
const draft = (fields: Partial<AlertDraft>): AlertDraft => ({
  kind: "price_at_or_above",
  level: "71000",
  mode: "once",
  cooldownMin: "5",
  expires: "",
  channels: ["in_app"],
  webhookUrl: "",
  ...fields,
});
const problems = (lang: "ko" | "en", d: Partial<AlertDraft>) => checkAlert(lang, "005930", draft(d), NOW).problems;

describe("checkAlert", () => {
  it("builds the request body the server takes", () => {
    expect(checkAlert("en", "005930", draft({ level: "71,000" }), NOW)).toEqual({
      problems: [],
      body: { symbol: "005930", kind: "price_at_or_above", level: "71000", mode: "once", channels: ["in_app"], language: "en" },
    });
    const repeat = checkAlert(
      "en",
      "005930",
      draft({
        kind: "change_pct_at_or_below",
        level: "-3.250",
        mode: "repeat",
        cooldownMin: "15",
        expires: "2026-11-27T15:30",
        channels: ["webhook", "in_app"],
        webhookUrl: " https://hooks.example.com/ik ",
      }),
      NOW,
    );
    expect(repeat.body).toEqual({
      symbol: "005930",
      kind: "change_pct_at_or_below",
      level: "-3.25",
      mode: "repeat",
      cooldown_s: 900,
      expires_at: "2026-11-27T06:30:00Z", // 15:30 KST
      channels: ["in_app", "webhook"],
      webhook_url: "https://hooks.example.com/ik",
      language: "en",
    });
    expect(checkAlert("en", "005930", draft({ kind: "volume_above", level: "1000000", mode: "repeat", cooldownMin: "" }), NOW).body).toMatchObject({
      level: "1000000",
      cooldown_s: 0,
    });
  });

  it("sends an SNS topic when one is given, and refuses what is not a topic ARN", () => {
    const arn = "arn:aws:sns:ap-northeast-2:123456789012:alerts";
    expect(checkAlert("ko", "005930", draft({ level: "71000", channels: ["sns"], snsTopicArn: ` ${arn} ` }), NOW).body).toMatchObject({
      channels: ["sns"],
      sns_topic_arn: arn,
      language: "ko",
    });
    expect(checkAlert("ko", "005930", draft({ level: "71000", channels: ["sns"], snsTopicArn: "" }), NOW).body).not.toHaveProperty("sns_topic_arn");
    expect(problems("en", { level: "71000", channels: ["sns"], snsTopicArn: "arn:aws:sns:x:1:y" })).toEqual([
      { field: "sns_topic_arn", text: "The SNS topic ARN must look like arn:aws:sns:region:account:name" },
    ]);
    expect(problems("en", { level: "71000", channels: ["in_app"], snsTopicArn: "not an arn" })).toEqual([]); // ignored without sns
  });

  it("wants whole won for prices, at most four decimals for percentages and whole shares for volumes", () => {
    expect(problems("en", { level: "" })).toEqual([{ field: "level", text: "Enter a level" }]);
    expect(problems("en", { level: "71000.5" })).toEqual([{ field: "level", text: "The price must be a whole number of won from 1 to 100,000,000" }]);
    expect(problems("ko", { level: "0" })[0]!.text).toBe("기준 가격은 1원부터 100,000,000원까지의 정수(원)로 입력해 주세요");
    expect(problems("en", { level: "100000001" })).toHaveLength(1);
    expect(problems("en", { kind: "price_at_or_below", level: "abc" })).toHaveLength(1);
    expect(problems("en", { kind: "change_pct_at_or_above", level: "5.12345" })[0]!.text).toBe(
      "The change must be a number such as 5, 5.5 or -3.25, with at most four decimals",
    );
    expect(problems("en", { kind: "change_pct_at_or_above", level: "5.1234" })).toEqual([]);
    expect(problems("ko", { kind: "change_pct_at_or_below", level: "0" })[0]!.text).toBe("등락률은 -100%부터 1,000%까지이며 0%는 안 됩니다");
    expect(problems("en", { kind: "change_pct_at_or_below", level: "-100.0001" })[0]!.field).toBe("level");
    expect(problems("en", { kind: "volume_above", level: "10.5" })).toEqual([
      { field: "level", text: "The volume must be a whole number of shares from 1 to 1,000,000,000,000" },
    ]);
  });

  it("checks the cooldown, the expiry, the channels and the webhook URL, naming each field", () => {
    expect(problems("en", { mode: "repeat", cooldownMin: "10081" })).toEqual([
      { field: "cooldown", text: "The interval must be a whole number of minutes from 0 to 10,080 (7 days)" },
    ]);
    expect(problems("en", { mode: "once", cooldownMin: "abc" })).toEqual([]); // not used by once
    expect(problems("en", { expires: "2026-11-26T09:30" })).toEqual([{ field: "expires", text: "The expiry must be in the future" }]);
    expect(problems("en", { expires: "2026-11-26T09:31" })).toEqual([]);
    expect(problems("ko", { expires: "2026-02-30T09:00" })).toEqual([{ field: "expires", text: "만료 시각을 날짜와 시각으로 입력해 주세요" }]);
    expect(problems("en", { channels: [] })).toEqual([{ field: "channels", text: "Choose at least one place to send to" }]);
    for (const url of ["", "ftp://example.com/x", "example.com/hook", "https://user:pw@example.com/"]) {
      expect(problems("en", { channels: ["webhook"], webhookUrl: url }), url).toEqual([
        { field: "webhook_url", text: "The webhook URL must start with http:// or https://" },
      ]);
    }
    // Everything at once: one problem per field, in the form's order.
    expect(problems("ko", { level: "x", mode: "repeat", cooldownMin: "-1", channels: [] }).map((p) => p.field)).toEqual(["level", "cooldown", "channels"]);
  });
});

describe("percentText and kstToUtc", () => {
  it("writes percentages the way the server reads them", () => {
    expect(percentText("5")).toBe("5");
    expect(percentText("+5.50")).toBe("5.5");
    expect(percentText("-03.2500")).toBe("-3.25");
    expect(percentText("1000")).toBe("1000");
    expect(percentText("1000.0001")).toBe("range");
    expect(percentText("-100")).toBe("-100");
    expect(percentText("-0.0")).toBe("range");
    expect(percentText("5.")).toBe("format");
    expect(percentText("1e3")).toBe("format");
  });

  it("reads a datetime-local value as Korea Standard Time", () => {
    expect(kstToUtc("2026-11-27T00:10")).toBe("2026-11-26T15:10:00Z");
    expect(kstToUtc("2026-12-31T23:59:30")).toBe("2026-12-31T14:59:30Z");
    expect(kstToUtc("2026-13-01T00:00")).toBeNull();
    expect(kstToUtc("tomorrow")).toBeNull();
  });
});

describe("an alert in words", () => {
  const alert = { kind: "price_at_or_above" as const, level: "71000", mode: "once" as const, cooldown_s: 0, expires_at: null };
  it("says the condition, the mode and the status in Korean and English", () => {
    expect(conditionText("ko", alert)).toBe("가격 71,000원 이상");
    expect(conditionText("en", alert)).toBe("Price at or above 71,000 won");
    expect(conditionText("ko", { kind: "change_pct_at_or_below", level: "-3.25" })).toBe("등락률 −3.25% 이하");
    expect(conditionText("en", { kind: "change_pct_at_or_above", level: "5.5" })).toBe("Change at or above +5.5%");
    expect(conditionText("en", { kind: "volume_above", level: "1000000" })).toBe("Volume above 1,000,000 shares");
    expect(modeText("ko", alert)).toBe("한 번");
    expect(modeText("en", { ...alert, mode: "repeat", cooldown_s: 300 })).toBe("Repeat (at most every 5 min)");
    expect(modeText("ko", { ...alert, mode: "repeat", cooldown_s: 90, expires_at: "2027-01-01T00:00:00.000000Z" })).toBe(
      "반복 (최소 90초 간격) · 2027-01-01 09:00:00까지",
    );
    expect(modeText("en", { ...alert, mode: "repeat" })).toBe("Repeat");
    expect(statusText("ko", "fired")).toBe("울림");
    expect(statusText("en", "armed")).toBe("Armed");
    expect(statusText("en", "paused")).toBe("paused"); // a word this page does not know, as sent
    expect(channelsText("en", ["in_app", "webhook", "sns"])).toBe("In the app, Webhook, SNS (AWS)");
  });
});

describe("alert calls", () => {
  it("use the paths and methods of docs/api.md", async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const session = {
      authed: async <T,>(path: string, init?: RequestInit): Promise<T> => {
        calls.push([path, init]);
        return { notifications: [], unread: 0 } as T;
      },
    };
    await createAlert(session, { symbol: "005930", kind: "volume_above", level: "5", mode: "once", channels: ["in_app"] });
    await rearmAlert(session, "7");
    await deleteAlert(session, "7");
    await listNotifications(session, { limit: 21 });
    await listNotifications(session, { limit: 21, before: "40" });
    await readNotification(session, "12");
    expect(calls.map(([path, init]) => [init?.method ?? "GET", path, init?.body ?? null])).toEqual([
      ["POST", "/api/v1/alerts", '{"symbol":"005930","kind":"volume_above","level":"5","mode":"once","channels":["in_app"]}'],
      ["PATCH", "/api/v1/alerts/7", '{"status":"armed"}'],
      ["DELETE", "/api/v1/alerts/7", null],
      ["GET", "/api/v1/notifications?limit=21", null],
      ["GET", "/api/v1/notifications?limit=21&before=40", null],
      ["POST", "/api/v1/notifications/12/read", null],
    ]);
  });
});
