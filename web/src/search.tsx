// The stock search box, reachable from anywhere: "/" or Ctrl/⌘+K focuses it. Results come as you type
// (a short debounce, and an answer to an older query never replaces a newer one), shown like the
// original's "name[code]"; arrow keys move, Enter opens the stock.
import { useEffect, useRef, useState } from "preact/hooks";

import type { Stock } from "./api";
import { stockName, t, type Lang } from "./i18n";

export const DEBOUNCE_MS = 120;

export function isSearchShortcut(e: KeyboardEvent): boolean {
  const target = e.target as HTMLElement | null;
  const typing = !!target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") return true;
  return e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey;
}

export function Search({ lang, search, onPick }: {
  lang: Lang;
  search: (q: string) => Promise<Stock[]>;
  onPick: (symbol: string) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Stock[]>([]);
  const [active, setActive] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isSearchShortcut(e)) return;
      e.preventDefault();
      input.current?.focus();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const q = query.trim();
    const ticket = ++latest.current;
    if (!q) {
      setResults([]);
      return;
    }
    const timer = setTimeout(() => {
      search(q)
        .then((found) => {
          if (ticket !== latest.current) return; // a newer query is on its way
          setResults(found);
          setActive(0);
        })
        .catch(() => ticket === latest.current && setResults([]));
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, search]);

  const pick = (s: Stock | undefined) => {
    if (!s) return;
    onPick(s.symbol);
    setQuery("");
    setResults([]);
  };

  return (
    <div class="search" role="search">
      <input
        ref={input}
        type="search"
        aria-label={t(lang, "search")}
        placeholder={t(lang, "search")}
        value={query}
        role="combobox"
        aria-expanded={results.length > 0}
        aria-controls="search-results"
        aria-activedescendant={results[active] ? `search-${results[active]!.symbol}` : undefined}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, Math.max(0, results.length - 1)));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
          else if (e.key === "Enter") pick(results[active]);
          else if (e.key === "Escape") setQuery("");
          else return;
          e.preventDefault();
        }}
      />
      {query.trim() && (
        <ul id="search-results" role="listbox">
          {results.length === 0 ? (
            <li class="empty">{t(lang, "noMatch")}</li>
          ) : (
            results.map((s, i) => (
              <li
                key={s.symbol}
                id={`search-${s.symbol}`}
                data-symbol={s.symbol}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => (e.preventDefault(), pick(s))}
              >
                {stockName(lang, s)}[{s.symbol}]
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  );
}
