import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { refusedField, StockAlerts } from "./alert_form";
import { AlertsPage } from "./alerts_page";
import type { Stock } from "./api";
import { Session } from "./session";

interface Call {
  method: string;
  path: string;
  body: unknown;
}

const samsung: Stock = {
  symbol: "005930", name_ko: "삼성전자", name_en: "Samsung Electronics", market: "KOSPI", tradable: true,
  price: "70000", previous_close: "69500", change: "500", change_pct: "0.72",
  upper_limit: "90300", lower_limit: "48700", volume: 1234,
};
const hynix: Stock = { ...samsung, symbol: "000660", name_ko: "SK하이닉스", name_en: "SK hynix" };

// `/api/v1/alerts` as the real server answers it (shapes captured from `investking serve`).
function alertJson(id: number, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: String(id), symbol: "005930", kind: "price_at_or_above", level: "255000", mode: "once", cooldown_s: 0,
    expires_at: null, channels: ["in_app"], webhook_url: null, status: "armed", last_fired_at: null,
    created_at: "2026-11-26T04:49:32.022603Z", updated_at: "2026-11-26T04:49:32.022603Z", ...fields,
  };
}

class FakeAlerts {
  calls: Call[] = [];
  next = 10;
  alerts: Record<string, unknown>[] = [
    alertJson(3, { symbol: "000660", kind: "volume_above", level: "5000000", mode: "repeat", cooldown_s: 300, channels: ["in_app", "sns"] }),
    alertJson(2, { kind: "change_pct_at_or_below", level: "-3.25", expires_at: "2027-01-01T00:00:00.000000Z" }),
    alertJson(1, { level: "71000", status: "fired", last_fired_at: "2026-11-26T00:31:02.120000Z" }),
  ];
  refuse: { status: number; code: number; message: string } | null = null;

  fetch: typeof fetch = async (input, init) => {
    const path = String(input);
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    this.calls.push({ method, path, body });
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });
    if (method !== "GET" && this.refuse) return json(this.refuse.status, { code: this.refuse.code, message: this.refuse.message });
    if (path === "/api/v1/alerts" && method === "GET") return json(200, this.alerts);
    if (path === "/api/v1/alerts" && method === "POST") {
      const created = alertJson(this.next++, {
        ...body,
        cooldown_s: body.cooldown_s ?? 0,
        expires_at: body.expires_at ?? null,
        webhook_url: body.webhook_url ?? null,
        webhook_secret: body.webhook_url ? "whsec_test" : null,
      });
      this.alerts.unshift(created);
      return json(201, created);
    }
    const id = /^\/api\/v1\/alerts\/(\d+)$/.exec(path)?.[1];
    const found = this.alerts.find((a) => a.id === id);
    if (!found) return json(404, { code: 40410000, message: "alert not found" });
    if (method === "DELETE") {
      this.alerts = this.alerts.filter((a) => a !== found);
      return new Response(null, { status: 204 });
    }
    if (method === "PATCH") {
      Object.assign(found, body, { updated_at: "2026-11-26T05:00:00.000000Z" });
      return json(200, found);
    }
    return json(200, found);
  };

  writes(): Call[] {
    return this.calls.filter((c) => c.method !== "GET");
  }
}

function signedInSession(fetcher: typeof fetch): Session {
  const store = new Map<string, string>([
    ["ik.session", JSON.stringify({ access_token: "a1", refresh_token: "r1", expires_at: Date.now() + 3_600_000 })],
  ]);
  return new Session({
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v), removeItem: (k) => void store.delete(k) },
    fetch: fetcher,
    now: () => Date.now(),
    withLock: (_name, fn) => fn(),
  });
}

async function settle() {
  for (let i = 0; i < 4; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

async function mountStock(server: FakeAlerts, lang: "ko" | "en" = "en") {
  const session = signedInSession(server.fetch);
  const root = document.body.appendChild(document.createElement("div"));
  await act(async () => render(<StockAlerts lang={lang} session={session} stock={samsung} version={0} />, root));
  await settle();
  return root;
}

async function type(root: HTMLElement, selector: string, value: string) {
  const input = root.querySelector(selector) as HTMLInputElement | HTMLSelectElement;
  await act(async () => {
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
  });
}

async function click(el: Element | null) {
  if (!el) throw new Error("nothing to click");
  await act(async () => (el as HTMLElement).click());
  await settle();
}

async function submit(root: HTMLElement) {
  await act(async () => {
    root.querySelector('form[data-testid="alert-form"]')!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
  await settle();
}

const form = 'form[data-testid="alert-form"]';

afterEach(() => {
  document.body.innerHTML = "";
});

describe("the stock page's alert form", () => {
  it("creates an alert, shows it, and lists it with the stock's other alerts", async () => {
    const server = new FakeAlerts();
    const root = await mountStock(server, "ko");
    const rows = () => [...root.querySelectorAll('table[data-testid="alerts"] tr[data-alert-id]')].map((r) => r.getAttribute("data-alert-id"));
    expect(rows()).toEqual(["2", "1"]); // 000660's alert is not this stock's
    expect(root.querySelector(`${form} select[name="kind"]`)!.textContent).toContain("가격이 기준 이상이 되면");
    expect((root.querySelector(`${form} input[name="level"]`) as HTMLInputElement).placeholder).toBe("70000");
    expect((root.querySelector(`${form} input[name="channels"][value="in_app"]`) as HTMLInputElement).checked).toBe(true);
    expect(root.querySelector(`${form} input[name="webhook_url"]`)).toBeNull();
    expect(root.querySelector(`${form} input[name="cooldown_min"]`)).toBeNull();

    await type(root, `${form} input[name="level"]`, "71,500");
    await submit(root);
    expect(server.writes()).toEqual([
      { method: "POST", path: "/api/v1/alerts", body: { symbol: "005930", kind: "price_at_or_above", level: "71500", mode: "once", channels: ["in_app"], language: "ko" } },
    ]);
    const status = root.querySelector(`${form} [role="status"]`)!;
    expect(status.getAttribute("data-alert-id")).toBe("10");
    expect(status.textContent).toBe("알림을 만들었습니다: 가격 71,500원 이상 · 한 번");
    expect((root.querySelector(`${form} input[name="level"]`) as HTMLInputElement).value).toBe("");
    expect(rows()).toEqual(["10", "2", "1"]);
    const row = root.querySelector('tr[data-alert-id="10"]')!;
    expect(row.querySelector('[data-col="condition"]')!.textContent).toBe("가격 71,500원 이상");
    expect(row.querySelector('[data-col="status"]')!.getAttribute("data-status")).toBe("armed");
    expect(row.querySelector('[data-col="status"]')!.textContent).toBe("감시 중");
  });

  it("sends a repeat alert with its cooldown, expiry and webhook", async () => {
    const server = new FakeAlerts();
    const root = await mountStock(server, "en");
    await type(root, `${form} select[name="kind"]`, "change_pct_at_or_above");
    expect(root.querySelector(`${form} label:has(input[name="level"])`)!.textContent).toContain("Change (% of the previous close)");
    await type(root, `${form} input[name="level"]`, "5.5");
    await click(root.querySelector(`${form} input[name="mode"][value="repeat"]`));
    await type(root, `${form} input[name="cooldown_min"]`, "30");
    await type(root, `${form} input[name="expires_at"]`, "2099-01-01T09:00");
    await click(root.querySelector(`${form} input[name="channels"][value="webhook"]`));
    await type(root, `${form} input[name="webhook_url"]`, "https://hooks.example.com/x");
    await submit(root);
    expect(server.writes()[0]!.body).toEqual({
      symbol: "005930", kind: "change_pct_at_or_above", level: "5.5", mode: "repeat", cooldown_s: 1800,
      expires_at: "2099-01-01T00:00:00Z", channels: ["in_app", "webhook"], webhook_url: "https://hooks.example.com/x",
      language: "en",
    });
    expect(root.querySelector(`${form} [role="status"]`)!.textContent).toBe(
      "Alert created: Change at or above +5.5% · Repeat (at most every 30 min) · until 2099-01-01 09:00:00" +
        "Webhook signing secret (to check X-InvestKing-Signature): whsec_test",
    );
    expect(root.querySelector(`${form} [data-webhook-secret]`)!.textContent).toBe("whsec_test");
  });

  it("lists its own problems in the page's language and sends nothing", async () => {
    const server = new FakeAlerts();
    const root = await mountStock(server, "ko");
    await type(root, `${form} input[name="level"]`, "71000.5");
    await click(root.querySelector(`${form} input[name="channels"][value="in_app"]`)); // none left
    await submit(root);
    const alerts = [...root.querySelectorAll(`${form} [role="alert"] li`)].map((li) => li.textContent);
    expect(alerts).toEqual(["기준 가격은 1원부터 100,000,000원까지의 정수(원)로 입력해 주세요", "받을 곳을 하나 이상 골라 주세요"]);
    const level = root.querySelector(`${form} input[name="level"]`)!;
    expect(level.getAttribute("aria-invalid")).toBe("true");
    expect(level.getAttribute("aria-describedby")).toBe("alert-problems");
    expect(server.writes()).toHaveLength(0);
    // Switching to a percentage clears the won typed before.
    await type(root, `${form} select[name="kind"]`, "change_pct_at_or_below");
    expect((root.querySelector(`${form} input[name="level"]`) as HTMLInputElement).value).toBe("");
  });

  it("shows the server's refusal beside the form, marking the field it names", async () => {
    const server = new FakeAlerts();
    server.refuse = {
      status: 422,
      code: 40010001,
      message: "webhook_url points at a loopback, private or link-local address; webhooks go to public hosts",
    };
    const root = await mountStock(server, "ko");
    await type(root, `${form} input[name="level"]`, "71000");
    await click(root.querySelector(`${form} input[name="channels"][value="webhook"]`));
    await type(root, `${form} input[name="webhook_url"]`, "http://127.0.0.1:9/hook");
    await submit(root);
    expect(root.querySelector(`${form} [role="alert"]`)!.textContent).toBe(
      "규칙상 처리할 수 없는 요청입니다 (webhook_url points at a loopback, private or link-local address; webhooks go to public hosts)",
    );
    expect(root.querySelector(`${form} input[name="webhook_url"]`)!.getAttribute("aria-invalid")).toBe("true");
    expect(root.querySelector(`${form} input[name="level"]`)!.getAttribute("aria-invalid")).toBeNull();
    expect(root.querySelector(`${form} [role="status"]`)).toBeNull();
  });

  it("knows the fields the server's messages name", () => {
    expect(refusedField('level must be a whole number of won from 1 to 100000000; got "1.5"')).toBe("level");
    expect(refusedField("expires_at must be in the future")).toBe("expires");
    expect(refusedField("cooldown_s applies to mode repeat only")).toBe("cooldown");
    expect(refusedField("symbol: no listed stock 123456")).toBeNull();
  });
});

describe("the alerts list", () => {
  async function mountPage(server: FakeAlerts, lang: "ko" | "en") {
    const session = signedInSession(server.fetch);
    const root = document.body.appendChild(document.createElement("div"));
    const show = async (version: number) => {
      await act(async () => render(<AlertsPage lang={lang} session={session} stocks={[samsung, hynix]} version={version} />, root));
      await settle();
    };
    await show(0);
    return { root, show };
  }

  it("shows every alert with its stock, condition, mode, status, last firing and channels", async () => {
    const server = new FakeAlerts();
    const { root } = await mountPage(server, "en");
    const cells = (id: string) =>
      Object.fromEntries(
        [...root.querySelectorAll(`tr[data-alert-id="${id}"] [data-col]`)].map((c) => [c.getAttribute("data-col"), c.textContent]),
      );
    expect(root.querySelector("h2")!.textContent).toBe("Price alerts");
    expect(root.querySelector('tr[data-alert-id="3"] th')!.textContent).toBe("SK hynix 000660");
    expect(cells("3")).toEqual({
      condition: "Volume above 5,000,000 shares", mode: "Repeat (at most every 5 min)", status: "Armed", last_fired: "—",
      channels: "In the app, SNS (AWS)",
    });
    expect(cells("2")).toMatchObject({ condition: "Change at or below −3.25%", mode: "Once · until 2027-01-01 09:00:00" });
    expect(cells("1")).toMatchObject({ status: "Fired", last_fired: "2026-11-26 09:31:02" });
    // Only a fired alert can be re-armed; every alert can be deleted.
    expect(root.querySelectorAll('button[data-action="rearm"]')).toHaveLength(1);
    expect(root.querySelector('tr[data-alert-id="1"] button[data-action="rearm"]')!.getAttribute("aria-label")).toBe(
      "Re-arm: Samsung Electronics Price at or above 71,000 won",
    );
    expect(root.querySelectorAll('button[data-action="delete"]')).toHaveLength(3);
  });

  it("re-arms a fired alert and deletes one", async () => {
    const server = new FakeAlerts();
    const { root } = await mountPage(server, "ko");
    await click(root.querySelector('tr[data-alert-id="1"] button[data-action="rearm"]'));
    expect(server.writes()).toEqual([{ method: "PATCH", path: "/api/v1/alerts/1", body: { status: "armed" } }]);
    expect(root.querySelector('tr[data-alert-id="1"] [data-col="status"]')!.getAttribute("data-status")).toBe("armed");
    expect(root.querySelector('tr[data-alert-id="1"] button[data-action="rearm"]')).toBeNull();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("알림을 다시 켰습니다");

    await click(root.querySelector('tr[data-alert-id="2"] button[data-action="delete"]'));
    expect(server.writes()[1]).toEqual({ method: "DELETE", path: "/api/v1/alerts/2", body: undefined });
    expect(root.querySelector('tr[data-alert-id="2"]')).toBeNull();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("알림을 삭제했습니다");
  });

  it("reads the list again when the version moves, and shows the server's refusals", async () => {
    const server = new FakeAlerts();
    const { root, show } = await mountPage(server, "en");
    server.alerts[2]!.status = "armed"; // the page still thinks it is fired
    server.refuse = { status: 404, code: 40410000, message: "alert not found" };
    await click(root.querySelector('tr[data-alert-id="1"] button[data-action="rearm"]'));
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("alert not found");
    server.refuse = null;
    server.alerts = [];
    await show(1);
    expect(root.querySelector('table[data-testid="alerts"]')).toBeNull();
    expect(root.querySelector('[data-testid="no-alerts"]')!.textContent).toBe("No price alerts");
  });
});
