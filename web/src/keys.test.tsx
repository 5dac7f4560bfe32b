import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { alpacaSnippet, checkKeyName, KeysPage } from "./keys";
import { Session } from "./session";

interface Call {
  method: string;
  path: string;
  body: unknown;
  auth: string | null;
}

// `/api/v1/keys` as the real server answers it (shapes captured from `investking serve`).
class FakeKeys {
  calls: Call[] = [];
  keys: Record<string, unknown>[] = [
    { key_id: "PKZJX9Y1P3Q34H33B88R", name: "my-bot", created_at: "2026-11-25T19:05:31.722775Z", revoked_at: null, status: "active" },
    { key_id: "PKAEVNZ2KH3GHMSD1FKG", name: "", created_at: "2026-11-25T19:05:31.750433Z", revoked_at: "2026-11-25T19:05:35.895224Z", status: "revoked" },
  ];
  refuse: { status: number; code: number; message: string } | null = null;

  fetch: typeof fetch = async (input, init) => {
    const path = String(input);
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    this.calls.push({ method, path, body, auth: new Headers(init?.headers).get("Authorization") });
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });
    if (method !== "GET" && this.refuse) return json(this.refuse.status, { code: this.refuse.code, message: this.refuse.message });
    if (path === "/api/v1/keys" && method === "GET") return json(200, this.keys);
    if (path === "/api/v1/keys" && method === "POST") {
      const created = {
        key_id: "PKEFA4JWEZKXQPC9VENH",
        secret_key: "q8ip4V2P6chXzuwUqGXR90oBJQpBq4cNCojj0Aem",
        name: body?.name ?? "",
        created_at: "2026-11-25T19:05:32.075487Z",
      };
      const { secret_key: _secret, ...listed } = created;
      this.keys.push({ ...listed, revoked_at: null, status: "active" });
      return json(201, created);
    }
    const id = /^\/api\/v1\/keys\/(.+)$/.exec(path)?.[1];
    const key = this.keys.find((k) => k.key_id === id && k.status === "active");
    if (method !== "DELETE" || !key) return json(404, { code: 40410000, message: "key not found" });
    key.status = "revoked";
    key.revoked_at = "2026-11-25T19:06:00.000000Z";
    return new Response(null, { status: 204 });
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

async function mount(server: FakeKeys, lang: "ko" | "en" = "en") {
  const session = signedInSession(server.fetch);
  const root = document.createElement("div");
  document.body.appendChild(root);
  const show = async (on: boolean) => {
    await act(async () => render(on ? <KeysPage lang={lang} session={session} /> : null, root));
    await settle();
  };
  await show(true);
  return { root, show };
}

async function createNamed(root: HTMLElement, name: string) {
  const input = root.querySelector('form[data-testid="new-key"] input[name="name"]') as HTMLInputElement;
  await act(async () => {
    input.value = name;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await act(async () => {
    root.querySelector('form[data-testid="new-key"]')!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
  await settle();
}

async function click(el: Element | null) {
  await act(async () => (el as HTMLElement).click());
  await settle();
}

function setClipboard(value: unknown) {
  Object.defineProperty(navigator, "clipboard", { value, configurable: true });
}

afterEach(() => {
  setClipboard(undefined);
  document.body.innerHTML = "";
});

describe("key helpers", () => {
  it("allows names of at most 64 bytes, in ko and en", () => {
    expect(checkKeyName("en", "a".repeat(64))).toBeNull();
    expect(checkKeyName("en", "a".repeat(65))).toBe("Key names are at most 64 bytes");
    expect(checkKeyName("ko", "가".repeat(21))).toBeNull();
    expect(checkKeyName("ko", "가".repeat(22))).toBe("키 이름은 64바이트 이하여야 합니다 (한글은 약 21자)");
  });

  it("points alpaca-py at this site the way docs/api.md says", () => {
    const snippet = alpacaSnippet("PKEFA4JWEZKXQPC9VENH", "sekret", "https://invest.example/");
    expect(snippet).toContain('KEY_ID = "PKEFA4JWEZKXQPC9VENH"');
    expect(snippet).toContain('SECRET = "sekret"');
    expect(snippet).toContain('BASE = "https://invest.example"');
    expect(snippet).toContain("TradingClient(KEY_ID, SECRET, paper=True, url_override=BASE)");
    expect(snippet).toContain('WS = "wss://invest.example"');
    expect(snippet).toContain('url_override=f"{WS}/stream"');
  });
});

describe("KeysPage", () => {
  it("lists keys with their status; only active ones can be revoked", async () => {
    const server = new FakeKeys();
    const { root } = await mount(server, "ko");
    expect(server.calls[0]).toMatchObject({ method: "GET", path: "/api/v1/keys", auth: "Bearer a1" });
    const active = root.querySelector('table[data-testid="keys"] tr[data-key-id="PKZJX9Y1P3Q34H33B88R"]')!;
    const revoked = root.querySelector('table[data-testid="keys"] tr[data-key-id="PKAEVNZ2KH3GHMSD1FKG"]')!;
    expect(active.textContent).toContain("my-bot");
    expect(active.querySelector('[data-col="created_at"]')!.textContent).toBe("2026-11-26 04:05:31");
    expect(active.querySelector('[data-col="status"]')!.getAttribute("data-status")).toBe("active");
    expect(active.querySelector('[data-col="status"]')!.textContent).toBe("사용 중");
    expect(active.querySelector('button[data-action="revoke"]')!.getAttribute("aria-label")).toBe("키 폐기: my-bot (PKZJX9Y1P3Q34H33B88R)");
    expect(revoked.querySelector('[data-col="status"]')!.textContent).toBe("폐기됨");
    expect(revoked.textContent).toContain("(이름 없음)");
    expect(revoked.querySelector('button[data-action="revoke"]')).toBeNull();
    expect(root.querySelector('[data-testid="new-secret"]')).toBeNull();
  });

  it("creates a key, shows its secret once with a snippet, and forgets it after leaving", async () => {
    const server = new FakeKeys();
    const { root, show } = await mount(server, "en");
    await createNamed(root, "  momentum-bot ");
    expect(server.writes()).toEqual([{ method: "POST", path: "/api/v1/keys", body: { name: "momentum-bot" }, auth: "Bearer a1" }]);
    const shown = root.querySelector('[data-testid="new-secret"]')!;
    expect(shown.querySelector('[data-testid="key-id"]')!.textContent).toBe("PKEFA4JWEZKXQPC9VENH");
    expect(shown.querySelector('[data-testid="secret"]')!.textContent).toBe("q8ip4V2P6chXzuwUqGXR90oBJQpBq4cNCojj0Aem");
    expect(shown.textContent).toContain("The secret is shown only this once. It will not be shown again");
    const snippet = shown.querySelector('pre[data-testid="snippet"]')!.textContent!;
    expect(snippet).toContain('KEY_ID = "PKEFA4JWEZKXQPC9VENH"');
    expect(snippet).toContain('SECRET = "q8ip4V2P6chXzuwUqGXR90oBJQpBq4cNCojj0Aem"');
    expect(snippet).toContain(`BASE = "${location.origin}"`);
    expect(snippet).toContain("TradingClient(KEY_ID, SECRET, paper=True, url_override=BASE)");
    // The list is read again and shows the new key, never its secret.
    const row = root.querySelector('table[data-testid="keys"] tr[data-key-id="PKEFA4JWEZKXQPC9VENH"]')!;
    expect(row.textContent).toContain("momentum-bot");
    expect(root.querySelector('table[data-testid="keys"]')!.textContent).not.toContain("q8ip4V2P6");
    expect((root.querySelector('form[data-testid="new-key"] input[name="name"]') as HTMLInputElement).value).toBe("");

    await show(false);
    await show(true);
    expect(root.querySelector('[data-testid="new-secret"]')).toBeNull();
    expect(root.textContent).not.toContain("q8ip4V2P6");
    expect(root.querySelector('tr[data-key-id="PKEFA4JWEZKXQPC9VENH"]')).not.toBeNull();
  });

  it("sends no name when none is given, and hides the secret on request", async () => {
    const server = new FakeKeys();
    const { root } = await mount(server, "ko");
    await createNamed(root, "");
    expect(server.writes()[0]!.body).toEqual({});
    expect(root.querySelector('[data-testid="new-secret"]')!.textContent).toContain("비밀 키는 지금 한 번만 보여 드립니다");
    await click(root.querySelector('button[data-action="dismiss"]'));
    expect(root.querySelector('[data-testid="new-secret"]')).toBeNull();
  });

  it("copies the secret, confirming it, or says to copy by hand without a clipboard", async () => {
    const server = new FakeKeys();
    const writeText = vi.fn(async () => undefined);
    setClipboard({ writeText });
    const { root } = await mount(server, "en");
    await createNamed(root, "bot");
    await click(root.querySelector('button[data-action="copy"]'));
    expect(writeText).toHaveBeenCalledWith("q8ip4V2P6chXzuwUqGXR90oBJQpBq4cNCojj0Aem");
    expect(root.querySelector('[data-testid="new-secret"] [role="status"]')!.textContent).toBe("Copied");

    setClipboard(undefined);
    await click(root.querySelector('button[data-action="copy"]'));
    expect(root.querySelector('[data-testid="new-secret"] [role="status"]')!.textContent).toBe(
      "The clipboard is not available here. Select the secret and copy it yourself.",
    );
    setClipboard({ writeText: vi.fn(async () => Promise.reject(new DOMException("denied", "NotAllowedError"))) });
    await click(root.querySelector('button[data-action="copy"]'));
    expect(root.querySelector('[data-testid="new-secret"] [role="status"]')!.textContent).toContain("Select the secret");
  });

  it("checks the name and shows the server's refusal", async () => {
    const server = new FakeKeys();
    const { root } = await mount(server, "en");
    await createNamed(root, "x".repeat(65));
    expect(root.querySelector('form[data-testid="new-key"] [role="alert"]')!.textContent).toBe("Key names are at most 64 bytes");
    expect(server.writes()).toHaveLength(0);

    server.refuse = { status: 422, code: 42210000, message: "at most 10 active keys; revoke one first" };
    await createNamed(root, "eleventh");
    expect(root.querySelector('form[data-testid="new-key"] [role="alert"]')!.textContent).toBe("at most 10 active keys; revoke one first");
    expect(root.querySelector('[data-testid="new-secret"]')).toBeNull();
  });

  it("revokes after a confirm step, with DELETE /api/v1/keys/{id}", async () => {
    const server = new FakeKeys();
    const { root } = await mount(server, "en");
    const revokeButton = () => root.querySelector('tr[data-key-id="PKZJX9Y1P3Q34H33B88R"] button[data-action="revoke"]');

    await click(revokeButton());
    expect(server.writes()).toHaveLength(0);
    expect(revokeButton()!.textContent).toBe("Yes, revoke");
    expect(root.textContent).toContain("Bots using this key will be refused at once");
    await click(root.querySelector('tr[data-key-id="PKZJX9Y1P3Q34H33B88R"] button[data-action="keep"]'));
    expect(revokeButton()!.textContent).toBe("Revoke");
    expect(server.writes()).toHaveLength(0);

    await click(revokeButton());
    await click(revokeButton());
    expect(server.writes()).toEqual([{ method: "DELETE", path: "/api/v1/keys/PKZJX9Y1P3Q34H33B88R", body: undefined, auth: "Bearer a1" }]);
    const status = root.querySelector('tr[data-key-id="PKZJX9Y1P3Q34H33B88R"] td[data-col="status"]')!;
    expect(status.textContent).toBe("revoked");
    expect(revokeButton()).toBeNull();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Key revoked");
  });

  it("shows the server's refusal of a revoke", async () => {
    const server = new FakeKeys();
    server.refuse = { status: 404, code: 40410000, message: "key not found" };
    const { root } = await mount(server, "en");
    const revokeButton = () => root.querySelector('tr[data-key-id="PKZJX9Y1P3Q34H33B88R"] button[data-action="revoke"]');
    await click(revokeButton());
    await click(revokeButton());
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("key not found");
  });
});
