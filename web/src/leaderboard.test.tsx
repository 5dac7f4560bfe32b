import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { LeaderboardPage, TopLeaders } from "./leaderboard";

// The board as the real server answers it (captured from `investking serve`), for any period.
function board(period: string, entries = defaultEntries) {
  return {
    period,
    as_of: "2026-11-25T19:05:39.190784Z",
    since: period === "all" ? null : "2026-11-25T15:00:00.000000Z",
    entries,
  };
}
const defaultEntries = [
  { rank: 1, username: "alice", return_pct: "0.50", equity: "10050480", trades: 2 },
  { rank: 2, username: "admin", return_pct: "0.00", equity: "10000000", trades: 0 },
  { rank: 3, username: "bob", return_pct: "-1.25", equity: "14400000", trades: 1234 },
];

function fakeServer(answer: (url: URL) => Response = (url) => json(200, board(url.searchParams.get("period") ?? "all"))) {
  const seen: string[] = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL) => {
    seen.push(String(input));
    return answer(new URL(String(input), "http://x"));
  });
  vi.stubGlobal("fetch", fetcher);
  return seen;
}
const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });

async function settle() {
  for (let i = 0; i < 4; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

afterEach(() => vi.unstubAllGlobals());

describe("LeaderboardPage", () => {
  it("ranks users with return, equity and trades, and marks the signed-in user's row", async () => {
    const seen = fakeServer();
    const root = document.createElement("div");
    await act(async () => render(<LeaderboardPage lang="ko" me="bob" version={0} />, root));
    await settle();
    expect(seen).toEqual(["/api/v1/leaderboard?period=all&limit=100"]);
    const rows = root.querySelectorAll('table[data-testid="leaderboard"] tr[data-username]');
    expect([...rows].map((r) => r.getAttribute("data-username"))).toEqual(["alice", "admin", "bob"]);
    const bob = root.querySelector('tr[data-username="bob"]') as HTMLElement;
    expect(bob.getAttribute("aria-current")).toBe("true");
    expect(bob.classList.contains("me")).toBe(true);
    expect(bob.textContent).toContain("(나)");
    const alice = root.querySelector('tr[data-username="alice"]') as HTMLElement;
    expect(alice.hasAttribute("aria-current")).toBe(false);
    expect(alice.classList.contains("me")).toBe(false);
    expect(root.querySelectorAll("tr.me")).toHaveLength(1);

    expect(bob.querySelector('[data-col="rank"]')!.textContent).toBe("3");
    expect(bob.querySelector('[data-col="return_pct"]')!.textContent).toBe("−1.25%");
    expect((bob.querySelector('[data-col="return_pct"]') as HTMLElement).style.color).toBe("var(--fall)");
    expect((alice.querySelector('[data-col="return_pct"]') as HTMLElement).style.color).toBe("var(--rise)");
    expect(bob.querySelector('[data-col="equity"]')!.textContent).toBe("14,400,000");
    expect(bob.querySelector('[data-col="trades"]')!.textContent).toBe("1,234");
    expect(root.querySelector('th[scope="col"]')!.textContent).toBe("순위");
  });

  it("switches period, marking the chosen one, and reloads when the version changes", async () => {
    const seen = fakeServer();
    const root = document.createElement("div");
    await act(async () => render(<LeaderboardPage lang="en" me={null} version={0} />, root));
    await settle();
    const buttons = [...root.querySelectorAll("button[data-period]")];
    expect(buttons.map((b) => b.textContent)).toEqual(["All time", "Today", "Week", "Month"]);
    expect(root.querySelector('button[data-period="all"]')!.getAttribute("aria-pressed")).toBe("true");
    await act(async () => (root.querySelector('button[data-period="week"]') as HTMLElement).click());
    await settle();
    expect(seen.at(-1)).toBe("/api/v1/leaderboard?period=week&limit=100");
    expect(root.querySelector('button[data-period="week"]')!.getAttribute("aria-pressed")).toBe("true");
    expect(root.querySelector('button[data-period="all"]')!.getAttribute("aria-pressed")).toBe("false");
    expect(root.querySelector("tr.me")).toBeNull();
    await act(async () => render(<LeaderboardPage lang="en" me={null} version={1} />, root));
    await settle();
    expect(seen).toEqual([
      "/api/v1/leaderboard?period=all&limit=100",
      "/api/v1/leaderboard?period=week&limit=100",
      "/api/v1/leaderboard?period=week&limit=100",
    ]);
  });

  it("shows the server's error and an empty board", async () => {
    fakeServer(() => json(503, { code: 50310000, message: "service unavailable" }));
    const root = document.createElement("div");
    await act(async () => render(<LeaderboardPage lang="en" me="alice" version={0} />, root));
    await settle();
    expect(root.querySelector("[role=alert]")!.textContent).toBe("service unavailable");

    fakeServer(() => json(200, board("all", [])));
    await act(async () => render(<LeaderboardPage lang="en" me="alice" version={1} />, root));
    await settle();
    expect(root.querySelector("[role=alert]")).toBeNull();
    expect(root.textContent).toContain("No one is ranked yet");
  });
});

describe("TopLeaders", () => {
  it("shows the top five with a link to the whole board", async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ rank: i + 1, username: `u${i}`, return_pct: "1.00", equity: "1", trades: 1 }));
    const seen = fakeServer(() => json(200, board("all", many)));
    const root = document.createElement("div");
    await act(async () => render(<TopLeaders lang="en" me="u2" version={0} />, root));
    await settle();
    expect(seen).toEqual(["/api/v1/leaderboard?period=all&limit=5"]);
    const section = root.querySelector('[data-testid="top-leaders"]')!;
    expect(section.querySelectorAll("tr[data-username]")).toHaveLength(5);
    expect(section.querySelector('tr[data-username="u2"]')!.getAttribute("aria-current")).toBe("true");
    const link = section.querySelector('a[href="/leaderboard"]')!;
    expect(link.textContent).toBe("See the full leaderboard");
    await act(async () => render(<TopLeaders lang="ko" me={null} version={0} limit={3} />, root));
    await settle();
    expect(seen.at(-1)).toBe("/api/v1/leaderboard?period=all&limit=3");
    expect(root.querySelectorAll("tr[data-username]")).toHaveLength(3);
    expect(root.querySelector("h2")!.textContent).toBe("투자왕 TOP 3");
  });
});
