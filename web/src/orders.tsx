// The orders page: open orders (each with cancel and an inline replace form), the history of closed orders,
// and the fills with their commission and tax. Everything is read from the Alpaca API (`/v2/orders`,
// `/v2/account/activities`) with the signed-in session, again whenever `version` changes (a trade update
// arrived) and after the user's own cancel or replace. Each list shows its newest 100 entries.
import type { ComponentChild } from "preact";
import { useEffect, useState } from "preact/hooks";

import { errorText, listStocks, type Stock } from "./api";
import { direction, formatWon, moveColor } from "./format";
import { stockName, type Lang } from "./i18n";
import { isOnTickGrid } from "./krx";
import { ScrollArea } from "./scroll";
import type { Session } from "./session";
import "./pages.css";

export const PAGE_SIZE = 100;
const MAX_QTY = 1_000_000_000;
const MAX_PRICE = 100_000_000_000;

// An order as `/v2/orders` shows it (the fields this page reads; the rest is Alpaca's usual order).
export interface Order {
  id: string;
  client_order_id: string;
  symbol: string;
  side: "buy" | "sell";
  type: string;
  time_in_force: string;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  submitted_at: string;
  updated_at: string;
  replaces?: string | null;
  replaced_by?: string | null;
}

// A FILL entry of `/v2/account/activities` (commission, tax and settle_date are InvestKing's additions).
export interface Fill {
  id: string;
  activity_type: "FILL";
  transaction_time: string;
  type: string;
  price: string;
  qty: string;
  side: "buy" | "sell";
  symbol: string;
  order_id: string;
  leaves_qty: string;
  cum_qty: string;
  order_status: string;
  commission: string;
  tax: string;
  settle_date: string;
}

export interface ReplaceBody {
  qty?: string;
  limit_price?: string;
}

type Authed = Pick<Session, "authed">;

const KO = {
  open: "미체결 주문",
  history: "주문 내역",
  fills: "체결 내역",
  stock: "종목",
  side: "구분",
  type: "주문 유형",
  qty: "수량",
  filledQty: "체결 수량",
  avgPrice: "평균 체결가",
  limitPrice: "지정가",
  stopPrice: "스톱 가격",
  tif: "유효 기간",
  submitted: "주문 시각 (KST)",
  updated: "처리 시각 (KST)",
  status: "상태",
  actions: "작업",
  time: "체결 시각 (KST)",
  price: "체결가",
  commission: "수수료",
  tax: "거래세",
  settle: "결제일",
  cancel: "취소",
  replace: "정정",
  cancelOrder: "주문 취소",
  replaceOrder: "주문 정정",
  close: "닫기",
  newQty: "새 수량",
  newLimit: "새 지정가",
  send: "정정 주문 보내기",
  canceled: "주문을 취소했습니다",
  replaced: "주문을 정정했습니다",
  noOpen: "미체결 주문이 없습니다",
  noHistory: "지난 주문이 없습니다",
  noFills: "체결 내역이 없습니다",
  more: "최근 100건만 표시합니다. 더 오래된 내역이 있습니다.",
  loading: "불러오는 중…",
  shares: "주",
  qtyRule: "수량은 1 이상 1,000,000,000 이하의 정수로 입력해 주세요",
  limitRule: "지정가는 1원 이상의 정수(원)로 입력해 주세요",
  offTick: "지정가가 호가 단위에 맞지 않습니다",
  nothing: "새 수량이나 새 지정가를 입력해 주세요",
};

const EN: Record<keyof typeof KO, string> = {
  open: "Open orders",
  history: "Order history",
  fills: "Fills",
  stock: "Stock",
  side: "Side",
  type: "Type",
  qty: "Qty",
  filledQty: "Filled",
  avgPrice: "Avg. fill price",
  limitPrice: "Limit price",
  stopPrice: "Stop price",
  tif: "Time in force",
  submitted: "Submitted (KST)",
  updated: "Closed (KST)",
  status: "Status",
  actions: "Actions",
  time: "Time (KST)",
  price: "Price",
  commission: "Commission",
  tax: "Tax",
  settle: "Settles",
  cancel: "Cancel",
  replace: "Replace",
  cancelOrder: "Cancel order",
  replaceOrder: "Replace order",
  close: "Close",
  newQty: "New quantity",
  newLimit: "New limit price",
  send: "Send replacement",
  canceled: "Order canceled",
  replaced: "Order replaced",
  noOpen: "No open orders",
  noHistory: "No past orders",
  noFills: "No fills yet",
  more: "Showing the newest 100; there are older entries.",
  loading: "Loading…",
  shares: " shares",
  qtyRule: "Quantity must be a whole number from 1 to 1,000,000,000",
  limitRule: "Limit price must be a whole number of won, at least 1",
  offTick: "The limit price is not on the tick grid",
  nothing: "Enter a new quantity or a new limit price",
};

const STRINGS: Record<Lang, Record<keyof typeof KO, string>> = { ko: KO, en: EN };
const tr = (lang: Lang, key: keyof typeof KO) => STRINGS[lang][key];

const WORDS: Record<Lang, Record<string, string>> = {
  ko: {
    buy: "매수", sell: "매도",
    market: "시장가", limit: "지정가", stop: "스톱", stop_limit: "스톱 지정가",
    day: "당일", gtc: "취소 시까지", ioc: "IOC", fok: "FOK",
    new: "접수", partially_filled: "부분 체결", filled: "체결", canceled: "취소", expired: "만료",
    replaced: "정정됨", rejected: "거부", pending_new: "접수 대기", pending_cancel: "취소 대기",
    pending_replace: "정정 대기", accepted: "접수", done_for_day: "당일 종료", stopped: "중지", suspended: "보류",
  },
  en: {
    buy: "Buy", sell: "Sell",
    market: "Market", limit: "Limit", stop: "Stop", stop_limit: "Stop limit",
    day: "Day", gtc: "GTC", ioc: "IOC", fok: "FOK",
    new: "New", partially_filled: "Partially filled", filled: "Filled", canceled: "Canceled", expired: "Expired",
    replaced: "Replaced", rejected: "Rejected", pending_new: "Pending", pending_cancel: "Pending cancel",
    pending_replace: "Pending replace", accepted: "Accepted", done_for_day: "Done for day", stopped: "Stopped",
    suspended: "Suspended",
  },
};

// An enum word of the API (side, type, time in force, status) in the page's language; unknown words as sent.
export function word(lang: Lang, raw: string): string {
  return WORDS[lang][raw] ?? raw;
}

const KST = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Seoul",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

// An RFC 3339 time as `YYYY-MM-DD HH:MM:SS` in Korea Standard Time; "—" when absent or unreadable.
export function formatKst(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const p: Record<string, string> = {};
  for (const part of KST.formatToParts(d)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// A whole number typed by a person (thousands separators allowed), or null.
function wholeNumber(text: string, max: number): number | null {
  const s = text.replace(/[,\s]/g, "");
  if (!/^[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= max ? n : null;
}

// The replace form's input checked before sending: the problems (in the page's language) or the body.
export function checkReplace(lang: Lang, qty: string, limitPrice: string): { problems: string[]; body: ReplaceBody } {
  const problems: string[] = [];
  const body: ReplaceBody = {};
  if (!qty.trim() && !limitPrice.trim()) return { problems: [tr(lang, "nothing")], body };
  if (qty.trim()) {
    const n = wholeNumber(qty, MAX_QTY);
    if (n === null) problems.push(tr(lang, "qtyRule"));
    else body.qty = String(n);
  }
  if (limitPrice.trim()) {
    const n = wholeNumber(limitPrice, MAX_PRICE);
    if (n === null) problems.push(tr(lang, "limitRule"));
    else if (!isOnTickGrid(n)) problems.push(tr(lang, "offTick"));
    else body.limit_price = String(n);
  }
  return { problems, body };
}

export interface OrdersData {
  open: Order[];
  openMore: boolean;
  closed: Order[];
  closedMore: boolean;
  fills: Fill[];
  fillsMore: boolean;
}

// The newest PAGE_SIZE orders of a status, and whether there are more (one extra is asked for).
async function newestOrders(session: Authed, status: "open" | "closed"): Promise<[Order[], boolean]> {
  const params = new URLSearchParams({ status, limit: String(PAGE_SIZE + 1), direction: "desc" });
  const list = await session.authed<Order[]>(`/v2/orders?${params}`);
  return [list.slice(0, PAGE_SIZE), list.length > PAGE_SIZE];
}

// The newest PAGE_SIZE fills (the activities' largest page), and whether an older one exists.
async function newestFills(session: Authed): Promise<[Fill[], boolean]> {
  const params = new URLSearchParams({ activity_types: "FILL", direction: "desc", page_size: String(PAGE_SIZE) });
  const list = await session.authed<Fill[]>(`/v2/account/activities?${params}`);
  const last = list[list.length - 1];
  if (list.length < PAGE_SIZE || !last) return [list, false];
  params.set("page_size", "1");
  params.set("page_token", last.id);
  const next = await session.authed<Fill[]>(`/v2/account/activities?${params}`);
  return [list, next.length > 0];
}

export async function loadOrders(session: Authed): Promise<OrdersData> {
  const [[open, openMore], [closed, closedMore], [fills, fillsMore]] = await Promise.all([
    newestOrders(session, "open"),
    newestOrders(session, "closed"),
    newestFills(session),
  ]);
  return { open, openMore, closed, closedMore, fills, fillsMore };
}

export function cancelOrder(session: Authed, id: string): Promise<void> {
  return session.authed<void>(`/v2/orders/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export function replaceOrder(session: Authed, id: string, body: ReplaceBody): Promise<Order> {
  return session.authed<Order>(`/v2/orders/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(body) });
}

type Names = ReadonlyMap<string, Stock>;

function StockCell({ lang, names, symbol }: { lang: Lang; names: Names; symbol: string }) {
  const stock = names.get(symbol);
  return (
    <th scope="row">
      {stock ? stockName(lang, stock) : symbol} {stock && <small>{symbol}</small>}
    </th>
  );
}

function SideCell({ lang, side }: { lang: Lang; side: string }) {
  return <td style={{ color: moveColor(direction(side === "buy" ? 1 : -1)) }}>{word(lang, side)}</td>;
}

// How a screen reader tells one order from another: "Cancel order: 삼성전자 매수 10주 (ik-5)".
function orderLabel(lang: Lang, names: Names, o: Order, action: "cancelOrder" | "replaceOrder"): string {
  const stock = names.get(o.symbol);
  const name = stock ? stockName(lang, stock) : o.symbol;
  return `${tr(lang, action)}: ${name} ${word(lang, o.side)} ${formatWon(o.qty, locale(lang))}${tr(lang, "shares")} (${o.client_order_id})`;
}

const locale = (lang: Lang) => (lang === "ko" ? "ko-KR" : "en-US");
const won = (lang: Lang, v: string | null) => (v === null ? "—" : formatWon(v, locale(lang)));

export function OrdersPage({ lang, session, version, onChanged }: {
  lang: Lang;
  session: Session;
  version: number;
  onChanged: () => void;
}) {
  const [data, setData] = useState<OrdersData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [names, setNames] = useState<Names>(new Map());
  const [replacing, setReplacing] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let stopped = false;
    listStocks()
      .then((list) => !stopped && setNames(new Map(list.map((s) => [s.symbol, s]))))
      .catch(() => undefined); // names are a nicety: codes are shown without them
    return () => {
      stopped = true;
    };
  }, []);

  useEffect(() => {
    let stopped = false;
    loadOrders(session)
      .then((d) => {
        if (stopped) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => !stopped && setError(errorText(lang, e)));
    return () => {
      stopped = true;
    };
  }, [session, version, reloads]);

  const changed = (message: "canceled" | "replaced") => {
    setNotice(tr(lang, message));
    setReloads((n) => n + 1);
    onChanged();
  };

  const cancel = async (o: Order) => {
    setBusy(o.id);
    setError(null);
    setNotice(null);
    try {
      await cancelOrder(session, o.id);
      if (replacing === o.id) setReplacing(null);
      changed("canceled");
    } catch (e) {
      setError(errorText(lang, e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="orders-page">
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      <h2>{tr(lang, "open")}</h2>
      {data === null ? (
        !error && <p>{tr(lang, "loading")}</p>
      ) : (
        <>
          <OpenOrders
            lang={lang}
            names={names}
            orders={data.open}
            busy={busy}
            replacing={replacing}
            onCancel={(o) => void cancel(o)}
            onReplace={(o) => (setReplacing(replacing === o.id ? null : o.id), setNotice(null))}
            renderReplace={(o) => (
              <ReplaceForm
                lang={lang}
                order={o}
                send={(body) => replaceOrder(session, o.id, body)}
                onClose={() => setReplacing(null)}
                onDone={() => (setReplacing(null), changed("replaced"))}
              />
            )}
          />
          {data.openMore && <p class="more">{tr(lang, "more")}</p>}
          <h2>{tr(lang, "history")}</h2>
          <OrderHistory lang={lang} names={names} orders={data.closed} />
          {data.closedMore && <p class="more">{tr(lang, "more")}</p>}
          <h2>{tr(lang, "fills")}</h2>
          <Fills lang={lang} names={names} fills={data.fills} />
          {data.fillsMore && <p class="more">{tr(lang, "more")}</p>}
        </>
      )}
    </section>
  );
}

const OPEN_COLUMNS = 10;

function OpenOrders({ lang, names, orders, busy, replacing, onCancel, onReplace, renderReplace }: {
  lang: Lang;
  names: Names;
  orders: Order[];
  busy: string | null;
  replacing: string | null;
  onCancel: (o: Order) => void;
  onReplace: (o: Order) => void;
  renderReplace: (o: Order) => ComponentChild;
}) {
  if (orders.length === 0) return <p>{tr(lang, "noOpen")}</p>;
  return (
    <ScrollArea label={tr(lang, "open")}>
      <table data-testid="open-orders">
        <thead>
          <tr>
            <th scope="col">{tr(lang, "stock")}</th>
            <th scope="col">{tr(lang, "side")}</th>
            <th scope="col">{tr(lang, "type")}</th>
            <th scope="col">{tr(lang, "qty")}</th>
            <th scope="col">{tr(lang, "filledQty")}</th>
            <th scope="col">{tr(lang, "limitPrice")}</th>
            <th scope="col">{tr(lang, "stopPrice")}</th>
            <th scope="col">{tr(lang, "tif")}</th>
            <th scope="col">{tr(lang, "submitted")}</th>
            <th scope="col">{tr(lang, "actions")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => [
            <tr key={o.id} data-order-id={o.id} data-symbol={o.symbol} data-status={o.status}>
              <StockCell lang={lang} names={names} symbol={o.symbol} />
              <SideCell lang={lang} side={o.side} />
              <td data-col="type">{word(lang, o.type)}</td>
              <td data-col="qty">{won(lang, o.qty)}</td>
              <td data-col="filled_qty">{won(lang, o.filled_qty)}</td>
              <td data-col="limit_price">{won(lang, o.limit_price)}</td>
              <td data-col="stop_price">{won(lang, o.stop_price)}</td>
              <td data-col="tif">{word(lang, o.time_in_force)}</td>
              <td data-col="submitted_at">
                <time dateTime={o.submitted_at}>{formatKst(o.submitted_at)}</time>
              </td>
              <td class="actions">
                <button
                  type="button"
                  data-action="cancel"
                  aria-label={orderLabel(lang, names, o, "cancelOrder")}
                  disabled={busy === o.id}
                  onClick={() => onCancel(o)}
                >
                  {tr(lang, "cancel")}
                </button>
                <button
                  type="button"
                  data-action="replace"
                  aria-label={orderLabel(lang, names, o, "replaceOrder")}
                  aria-expanded={replacing === o.id}
                  onClick={() => onReplace(o)}
                >
                  {tr(lang, "replace")}
                </button>
              </td>
            </tr>,
            replacing === o.id && (
              <tr key={`${o.id}:replace`} class="replace-row">
                <td colSpan={OPEN_COLUMNS}>{renderReplace(o)}</td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </ScrollArea>
  );
}

// The inline replace form: a new quantity and/or limit price (the latter only for orders that have one),
// checked before sending; the server's refusal shown as it said it.
export function ReplaceForm({ lang, order, send, onClose, onDone }: {
  lang: Lang;
  order: Order;
  send: (body: ReplaceBody) => Promise<unknown>;
  onClose: () => void;
  onDone: () => void;
}) {
  const [qty, setQty] = useState("");
  const [limit, setLimit] = useState("");
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const hasLimit = order.limit_price !== null;
  const remaining = Number(order.qty) - Number(order.filled_qty);

  const submit = async (e: Event) => {
    e.preventDefault();
    const checked = checkReplace(lang, qty, hasLimit ? limit : "");
    if (checked.problems.length) return setProblems(checked.problems);
    setProblems([]);
    setBusy(true);
    try {
      await send(checked.body);
      onDone();
    } catch (err) {
      setProblems([errorText(lang, err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form data-testid="replace" class="replace" onSubmit={submit} noValidate aria-label={`${tr(lang, "replaceOrder")} ${order.client_order_id}`}>
      <label>
        {tr(lang, "newQty")}
        <input name="qty" inputMode="numeric" autocomplete="off" placeholder={String(remaining)} value={qty} onInput={(e) => setQty(e.currentTarget.value)} />
      </label>
      {hasLimit && (
        <label>
          {tr(lang, "newLimit")}
          <input
            name="limit_price"
            inputMode="numeric"
            autocomplete="off"
            placeholder={order.limit_price ?? ""}
            value={limit}
            onInput={(e) => setLimit(e.currentTarget.value)}
          />
        </label>
      )}
      <button type="submit" disabled={busy}>
        {tr(lang, "send")}
      </button>
      <button type="button" onClick={onClose}>
        {tr(lang, "close")}
      </button>
      {problems.map((p) => (
        <p role="alert" class="error" key={p}>
          {p}
        </p>
      ))}
    </form>
  );
}

function OrderHistory({ lang, names, orders }: { lang: Lang; names: Names; orders: Order[] }) {
  if (orders.length === 0) return <p>{tr(lang, "noHistory")}</p>;
  return (
    <ScrollArea label={tr(lang, "history")}>
      <table data-testid="order-history">
        <thead>
          <tr>
            <th scope="col">{tr(lang, "stock")}</th>
            <th scope="col">{tr(lang, "side")}</th>
            <th scope="col">{tr(lang, "type")}</th>
            <th scope="col">{tr(lang, "qty")}</th>
            <th scope="col">{tr(lang, "filledQty")}</th>
            <th scope="col">{tr(lang, "avgPrice")}</th>
            <th scope="col">{tr(lang, "limitPrice")}</th>
            <th scope="col">{tr(lang, "stopPrice")}</th>
            <th scope="col">{tr(lang, "status")}</th>
            <th scope="col">{tr(lang, "updated")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id} data-order-id={o.id} data-symbol={o.symbol}>
              <StockCell lang={lang} names={names} symbol={o.symbol} />
              <SideCell lang={lang} side={o.side} />
              <td data-col="type">{word(lang, o.type)}</td>
              <td data-col="qty">{won(lang, o.qty)}</td>
              <td data-col="filled_qty">{won(lang, o.filled_qty)}</td>
              <td data-col="filled_avg_price">{won(lang, o.filled_avg_price)}</td>
              <td data-col="limit_price">{won(lang, o.limit_price)}</td>
              <td data-col="stop_price">{won(lang, o.stop_price)}</td>
              <td data-col="status" data-status={o.status}>
                {word(lang, o.status)}
              </td>
              <td data-col="updated_at">
                <time dateTime={o.updated_at}>{formatKst(o.updated_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollArea>
  );
}

function Fills({ lang, names, fills }: { lang: Lang; names: Names; fills: Fill[] }) {
  if (fills.length === 0) return <p>{tr(lang, "noFills")}</p>;
  return (
    <ScrollArea label={tr(lang, "fills")}>
      <table data-testid="fills">
        <thead>
          <tr>
            <th scope="col">{tr(lang, "stock")}</th>
            <th scope="col">{tr(lang, "side")}</th>
            <th scope="col">{tr(lang, "price")}</th>
            <th scope="col">{tr(lang, "qty")}</th>
            <th scope="col">{tr(lang, "commission")}</th>
            <th scope="col">{tr(lang, "tax")}</th>
            <th scope="col">{tr(lang, "time")}</th>
            <th scope="col">{tr(lang, "settle")}</th>
          </tr>
        </thead>
        <tbody>
          {fills.map((f) => (
            <tr key={f.id} data-symbol={f.symbol} data-order-id={f.order_id}>
              <StockCell lang={lang} names={names} symbol={f.symbol} />
              <SideCell lang={lang} side={f.side} />
              <td data-col="price">{won(lang, f.price)}</td>
              <td data-col="qty">{won(lang, f.qty)}</td>
              <td data-col="commission">{won(lang, f.commission)}</td>
              <td data-col="tax">{won(lang, f.tax)}</td>
              <td data-col="time">
                <time dateTime={f.transaction_time}>{formatKst(f.transaction_time)}</time>
              </td>
              <td data-col="settle_date">{f.settle_date}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollArea>
  );
}
