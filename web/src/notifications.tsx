// The notification inbox (`/notifications`) and the header's bell with the unread count. The inbox lists the
// newest notifications first, a page at a time ("more" for older ones), marks the unread ones, and marks one read
// when asked (or when its stock is opened from it). New notifications pushed on the /stream connection
// (`subscribe`) appear at its top without a reload; the whole list is read again when that connection comes back
// (`epoch`), since pushes sent while it was down are lost. The unread count lives in the app (every page shows
// it): the inbox hands over the server's count with each page it reads, and each notification it marks read.
import { useEffect, useRef, useState } from "preact/hooks";

import { listNotifications, readNotification, type Notification } from "./alerts";
import { errorText, type Stock } from "./api";
import { formatWon } from "./format";
import { stockName, t, tf, type Lang } from "./i18n";
import { formatKst } from "./orders";
import type { Session } from "./session";
import "./pages.css";

export const INBOX_PAGE = 20;

type Names = ReadonlyMap<string, Pick<Stock, "name_ko" | "name_en">>;

// Newer first by id (decimal text of any length), `first`'s copy kept where both lists have one.
export function mergeNotifications(first: readonly Notification[], second: readonly Notification[]): Notification[] {
  const seen = new Set(first.map((n) => n.id));
  const all = [...first, ...second.filter((n) => !seen.has(n.id))];
  const key = (id: string) => id.padStart(24, "0");
  return all.sort((a, b) => (key(a.id) < key(b.id) ? 1 : key(a.id) > key(b.id) ? -1 : 0));
}

// The header's link to the inbox: a bell and the unread count, announced politely when it changes.
export function InboxLink({ lang, unread, live, current }: {
  lang: Lang;
  unread: number | null; // null until known
  live: boolean; // the server pushes new notifications on /stream
  current: boolean;
}) {
  const n = unread ?? 0;
  return (
    <a href="/notifications" class="bell" data-testid="bell" data-live={live ? "true" : "false"} aria-current={current ? "page" : undefined}>
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
        />
      </svg>
      <span class="unread" data-testid="unread" data-count={unread ?? undefined} aria-live="polite" aria-atomic="true">
        <span class="count" aria-hidden="true">
          {n > 0 ? (n > 99 ? "99+" : String(n)) : ""}
        </span>
        <span class="visually-hidden">{n > 0 ? tf(lang, "unreadSome", { n }) : t(lang, "unreadNone")}</span>
      </span>
    </a>
  );
}

export function InboxPage({ lang, session, names, subscribe, epoch, onUnread, onRead }: {
  lang: Lang;
  session: Pick<Session, "authed">;
  names: Names;
  subscribe: (fn: (n: Notification) => void) => () => void;
  epoch: number;
  onUnread: (count: number) => void; // the server's unread count, with each page read
  onRead: () => void; // one more notification read
}) {
  const [items, setItems] = useState<Notification[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  // A page of INBOX_PAGE; one more is asked for to know whether an older page exists.
  const read = async (before?: string) => {
    const page = await listNotifications(session, { limit: INBOX_PAGE + 1, before });
    if (typeof page.unread === "number") onUnread(page.unread);
    return { list: page.notifications.slice(0, INBOX_PAGE), more: page.notifications.length > INBOX_PAGE };
  };

  useEffect(() => {
    let stopped = false;
    read()
      .then(({ list, more }) => {
        if (stopped) return;
        setItems((pushed) => mergeNotifications(list, pushed ?? []));
        setMore(more);
        setError(null);
      })
      .catch((e: unknown) => !stopped && setError(errorText(lang, e)));
    return () => {
      stopped = true;
    };
  }, [session, epoch]);

  useEffect(() => subscribe((n) => setItems((list) => mergeNotifications([n], list ?? []))), [subscribe]);

  const loadMore = async () => {
    const last = items?.[items.length - 1];
    if (!last) return;
    setBusy(true);
    try {
      const page = await read(last.id);
      if (!mounted.current) return;
      setItems((list) => mergeNotifications(list ?? [], page.list));
      setMore(page.more);
      setError(null);
    } catch (e) {
      if (mounted.current) setError(errorText(lang, e));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  // One request per notification: a second click while the first is on its way would count it read twice.
  const marking = useRef(new Set<string>());
  const markRead = async (n: Notification, focusAfter: boolean) => {
    if (marking.current.has(n.id)) return;
    marking.current.add(n.id);
    try {
      await readNotification(session, n.id);
      onRead();
      if (!mounted.current) return;
      setItems((list) => list && list.map((x) => (x.id === n.id ? { ...x, read: true } : x)));
      setError(null);
      // The button is gone: the keyboard continues from its notification.
      if (focusAfter) requestAnimationFrame(() => document.querySelector<HTMLElement>(`li[data-notification-id="${n.id}"]`)?.focus());
    } catch (e) {
      if (mounted.current) setError(errorText(lang, e));
    } finally {
      marking.current.delete(n.id);
    }
  };

  const locale = lang === "ko" ? "ko-KR" : "en-US";
  return (
    <section class="inbox-page" data-testid="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">{t(lang, "notifications")}</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {items === null ? (
        !error && <p>{t(lang, "loading")}</p>
      ) : items.length === 0 ? (
        <p data-testid="inbox-empty">{t(lang, "inboxEmpty")}</p>
      ) : (
        <ol class="inbox" data-testid="notifications">
          {items.map((n) => {
            const stock = names.get(n.symbol);
            return (
              <li key={n.id} data-notification-id={n.id} data-read={n.read ? "true" : "false"} class={n.read ? "read" : "unread"} tabIndex={-1}>
                <div class="body">
                  <p class="message">
                    {!n.read && <span class="visually-hidden">{t(lang, "unread")}: </span>}
                    {n.message}
                  </p>
                  <p class="meta">
                    <a href={`/stocks/${n.symbol}`} onClick={() => !n.read && void markRead(n, false)}>
                      {stock ? stockName(lang, stock) : n.symbol}
                    </a>
                    {" · "}
                    <span data-col="price">{formatWon(n.price, locale)}</span>
                    {" · "}
                    <time dateTime={n.created_at}>{formatKst(n.created_at)}</time>
                  </p>
                </div>
                {!n.read && (
                  <button type="button" data-action="read" aria-label={`${t(lang, "markRead")}: ${n.message}`} onClick={() => void markRead(n, true)}>
                    {t(lang, "markRead")}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {more && (
        <button type="button" data-action="more" disabled={busy} onClick={() => void loadMore()}>
          {t(lang, "more")}
        </button>
      )}
    </section>
  );
}
