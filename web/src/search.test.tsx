import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Stock } from "./api";
import { DEBOUNCE_MS, isSearchShortcut, Search } from "./search";

const stock = (symbol: string, name_ko: string, name_en: string): Stock => ({
  symbol, name_ko, name_en, market: "KOSPI", tradable: true, price: "1", previous_close: "1", change: "0",
  change_pct: "0.00", upper_limit: "1", lower_limit: "1", volume: 0,
});
const samsung = stock("005930", "삼성전자", "Samsung Electronics");
const biologics = stock("207940", "삼성바이오로직스", "Samsung Biologics");

describe("Search", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("knows its shortcuts but leaves / alone while typing", () => {
    const input = document.createElement("input");
    expect(isSearchShortcut(new KeyboardEvent("keydown", { key: "/" }))).toBe(true);
    expect(isSearchShortcut(new KeyboardEvent("keydown", { key: "k", ctrlKey: true }))).toBe(true);
    const typed = new KeyboardEvent("keydown", { key: "/" });
    Object.defineProperty(typed, "target", { value: input });
    expect(isSearchShortcut(typed)).toBe(false);
  });

  it("searches as you type, ignores stale answers, and opens the chosen stock by keyboard", async () => {
    const answers: Record<string, (s: Stock[]) => void> = {};
    const search = vi.fn((q: string) => new Promise<Stock[]>((resolve) => (answers[q] = resolve)));
    const picked: string[] = [];
    const root = document.createElement("div");
    document.body.appendChild(root);
    await act(async () => {
      render(<Search lang="ko" search={search} onPick={(s) => picked.push(s)} />, root);
    });
    const input = root.querySelector("input")!;
    await act(async () => {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "/", bubbles: true }));
    });
    expect(document.activeElement).toBe(input);

    const type = async (text: string) => {
      await act(async () => {
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await act(async () => {
        vi.advanceTimersByTime(DEBOUNCE_MS);
      });
    };
    await type("삼");
    await type("삼성");
    expect(search.mock.calls.map((c) => c[0])).toEqual(["삼", "삼성"]);
    await act(async () => answers["삼성"]!([samsung, biologics]));
    await act(async () => answers["삼"]!([stock("000000", "stale", "stale")])); // older: ignored
    const options = root.querySelectorAll("[role=option]");
    expect([...options].map((o) => o.textContent)).toEqual(["삼성전자[005930]", "삼성바이오로직스[207940]"]);
    expect(options[0]!.getAttribute("aria-selected")).toBe("true");

    const key = (k: string) =>
      act(async () => {
        input.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
      });
    await key("ArrowDown");
    expect(root.querySelectorAll("[role=option]")[1]!.getAttribute("aria-selected")).toBe("true");
    await key("Enter");
    expect(picked).toEqual(["207940"]);
    expect(input.value).toBe("");

    await type("없는종목");
    await act(async () => answers["없는종목"]!([]));
    expect(root.textContent).toContain("일치하는 종목이 없습니다");
    render(null, root);
    root.remove();
  });
});
