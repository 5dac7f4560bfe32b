import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import type { Notification } from "./alerts";
import { INBOX_PAGE, InboxLink, InboxPage, mergeNotifications } from "./notifications";
import { Session } from "./session";

const note = (id: number, fields: Partial<Notification> = {}): Notification => ({
  id: String(id),
  alert_id: "3",
  symbol: "005930",
  price: String(70000 + id * 100),
  message: `[내일은 투자왕:09:${String(id % 60).padStart(2, "0")}]삼성전자 ${(70000 + id * 100).toLocaleString("en-US")}원입니다.`,
  created_at: `2026-11-26T00:${String(id % 60).padStart(2, "0")}:02Z`,
  read: false,
  ...fields,
});

// `/api/v1/notifications` answering from a list of `count` notifications (ids 1 … count, newest first), the
// older half read.
class FakeInbox {
  calls: string[] = [];
  all: Notification[];
  failRead = false;
  constructor(count: number) {
    this.all = Array.from({ length: count }, (_, i) => note(count - i, { read: count - i <= count / 2 }));
  }
  unread() {
    return this.all.filter((n) => !n.read).length;
  }
  fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input), "http://x");
    this.calls.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    if (url.pathname === "/api/v1/notifications") {
      const limit = Number(url.searchParams.get("limit"));
      const before = Number(url.searchParams.get("before") ?? Infinity);
      const page = this.all.filter((n) => Number(n.id) < before).slice(0, limit);
      return new Response(JSON.stringify({ notifications: page, unread: this.unread() }), { status: 200 });
    }
    const id = /^\/api\/v1\/notifications\/(\d+)\/read$/.exec(url.pathname)?.[1];
    const found = this.all.find((n) => n.id === id);
    if (!found || this.failRead) return new Response(JSON.stringify({ code: 40410000, message: "notification not found" }), { status: 404 });
    found.read = true;
    return new Response(null, { status: 204 });
  };
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

async function click(el: Element | null) {
  if (!el) throw new Error("nothing to click");
  await act(async () => (el as HTMLElement).click());
  await settle();
}

const names = new Map([["005930", { name_ko: "삼성전자", name_en: "Samsung Electronics" }]]);

async function mountInbox(server: FakeInbox, lang: "ko" | "en" = "en") {
  const session = signedInSession(server.fetch);
  const listeners = new Set<(n: Notification) => void>();
  const subscribe = (fn: (n: Notification) => void) => {
    listeners.add(fn);
    return () => void listeners.delete(fn);
  };
  const counts: number[] = [];
  let reads = 0;
  const root = document.body.appendChild(document.createElement("div"));
  const show = async (epoch: number) => {
    await act(async () =>
      render(
        <InboxPage
          lang={lang}
          session={session}
          names={names}
          subscribe={subscribe}
          epoch={epoch}
          onUnread={(n) => counts.push(n)}
          onRead={() => reads++}
        />,
        root,
      ),
    );
    await settle();
  };
  await show(0);
  const push = async (n: Notification) => {
    await act(async () => listeners.forEach((l) => l(n)));
  };
  return { root, show, push, counts, reads: () => reads, listeners };
}

const ids = (root: HTMLElement) => [...root.querySelectorAll("li[data-notification-id]")].map((li) => li.getAttribute("data-notification-id"));

afterEach(() => {
  document.body.innerHTML = "";
});

describe("InboxLink", () => {
  it("shows the unread count in a polite live region, and nothing at zero", () => {
    const root = document.createElement("div");
    render(<InboxLink lang="ko" unread={3} live={true} current={false} />, root);
    const link = root.querySelector('a[href="/notifications"]')!;
    const badge = link.querySelector('[data-testid="unread"]')!;
    expect(link.getAttribute("data-live")).toBe("true");
    expect(badge.getAttribute("aria-live")).toBe("polite");
    expect(badge.getAttribute("data-count")).toBe("3");
    expect(badge.querySelector(".count")!.textContent).toBe("3");
    expect(link.textContent).toBe("3알림함: 읽지 않은 알림 3건");
    render(<InboxLink lang="en" unread={0} live={false} current={true} />, root);
    expect(root.querySelector('[data-testid="unread"]')!.getAttribute("data-count")).toBe("0");
    expect(root.querySelector(".count")!.textContent).toBe("");
    expect(root.querySelector("a")!.textContent).toBe("Notifications: none unread");
    expect(root.querySelector("a")!.getAttribute("aria-current")).toBe("page");
    render(<InboxLink lang="en" unread={120} live={false} current={false} />, root);
    expect(root.querySelector(".count")!.textContent).toBe("99+");
    render(<InboxLink lang="en" unread={null} live={false} current={false} />, root);
    expect(root.querySelector('[data-testid="unread"]')!.hasAttribute("data-count")).toBe(false);
  });
});

describe("InboxPage", () => {
  it("lists the newest page first, marks the unread ones, and pages back with 'more'", async () => {
    const server = new FakeInbox(30);
    const { root, counts } = await mountInbox(server, "en");
    expect(server.calls).toEqual([`GET /api/v1/notifications?limit=${INBOX_PAGE + 1}`]);
    expect(ids(root)).toEqual(Array.from({ length: INBOX_PAGE }, (_, i) => String(30 - i)));
    expect(counts).toEqual([15]);
    const first = root.querySelector('li[data-notification-id="30"]')!;
    expect(first.getAttribute("data-read")).toBe("false");
    expect(first.querySelector(".message")!.textContent).toBe("Unread: [내일은 투자왕:09:30]삼성전자 73,000원입니다.");
    expect(first.querySelector("a")!.textContent).toBe("Samsung Electronics");
    expect(first.querySelector("time")!.textContent).toBe("2026-11-26 09:30:02");
    expect(first.querySelector('button[data-action="read"]')).not.toBeNull();
    expect(root.querySelector('li[data-notification-id="15"]')!.getAttribute("data-read")).toBe("true");
    expect(root.querySelector('li[data-notification-id="15"] button[data-action="read"]')).toBeNull();

    await click(root.querySelector('button[data-action="more"]'));
    expect(server.calls[1]).toBe(`GET /api/v1/notifications?limit=${INBOX_PAGE + 1}&before=11`);
    expect(ids(root)).toEqual(Array.from({ length: 30 }, (_, i) => String(30 - i)));
    expect(root.querySelector('button[data-action="more"]')).toBeNull(); // the last page
  });

  it("marks one read on request, once, and tells the app", async () => {
    const server = new FakeInbox(4);
    const { root, reads } = await mountInbox(server, "ko");
    const button = root.querySelector('li[data-notification-id="4"] button[data-action="read"]')!;
    expect(button.getAttribute("aria-label")).toBe("읽음 표시: [내일은 투자왕:09:04]삼성전자 70,400원입니다.");
    await act(async () => {
      (button as HTMLElement).click();
      (button as HTMLElement).click(); // a double click sends one request
    });
    await settle();
    expect(server.calls.filter((c) => c.startsWith("POST"))).toEqual(["POST /api/v1/notifications/4/read"]);
    expect(reads()).toBe(1);
    expect(root.querySelector('li[data-notification-id="4"]')!.getAttribute("data-read")).toBe("true");
    expect(root.querySelector('li[data-notification-id="4"] button')).toBeNull();
    await act(async () => new Promise((r) => setTimeout(r, 50))); // a frame: the focus follows
    expect(document.activeElement).toBe(root.querySelector('li[data-notification-id="4"]'));
    expect(root.querySelector('[role="alert"]')).toBeNull();

    server.failRead = true;
    await click(root.querySelector('li[data-notification-id="3"] button[data-action="read"]'));
    expect(root.querySelector('[role="alert"]')!.textContent).toBe("찾을 수 없습니다 (notification not found)");
    expect(reads()).toBe(1);
    expect(root.querySelector('li[data-notification-id="3"]')!.getAttribute("data-read")).toBe("false");
  });

  it("puts a pushed notification on top without a reload, once", async () => {
    const server = new FakeInbox(0);
    const { root, push } = await mountInbox(server, "en");
    expect(root.querySelector('[data-testid="inbox-empty"]')!.textContent).toBe("No notifications yet");
    const fresh = note(12);
    await push(fresh);
    await push(fresh);
    expect(ids(root)).toEqual(["12"]);
    expect(root.querySelector('li[data-notification-id="12"]')!.getAttribute("data-read")).toBe("false");
    await push(note(13));
    expect(ids(root)).toEqual(["13", "12"]);
    expect(server.calls).toHaveLength(1); // nothing read again
  });

  it("reads the list again when the connection comes back, keeping what was pushed", async () => {
    const server = new FakeInbox(2);
    const { root, show, push, counts } = await mountInbox(server, "en");
    await push(note(7));
    server.all = [note(9), note(8), note(2, { read: true })]; // 9 and 8 came while the connection was down
    await show(1);
    expect(ids(root)).toEqual(["9", "8", "7", "2", "1"]);
    expect(root.querySelector('li[data-notification-id="2"]')!.getAttribute("data-read")).toBe("true");
    expect(counts).toEqual([1, 2]);
  });

  it("orders ids as numbers", () => {
    expect(mergeNotifications([note(9)], [note(10), note(100), note(9, { read: true })]).map((n) => [n.id, n.read])).toEqual([
      ["100", false],
      ["10", false],
      ["9", false],
    ]);
  });
});
