// API keys for bots and SDKs (`/api/v1/keys`, which needs a signed-in session): create one (optional name),
// see its secret once — with a copy button and an alpaca-py snippet pointed at this site — and list or
// revoke keys. The secret lives only in this page's state: leaving the page forgets it for good.
import { useEffect, useState } from "preact/hooks";

import { errorText } from "./api";
import type { Lang } from "./i18n";
import { formatKst } from "./orders";
import { ScrollArea } from "./scroll";
import type { Session } from "./session";
import "./pages.css";

export const MAX_NAME_BYTES = 64;

export interface ApiKey {
  key_id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
  status: "active" | "revoked";
  last_used_at?: string | null; // not sent by the server today; shown when it is
}

export interface CreatedKey {
  key_id: string;
  secret_key: string;
  name: string;
  created_at: string;
}

type Authed = Pick<Session, "authed">;

export function listKeys(session: Authed): Promise<ApiKey[]> {
  return session.authed<ApiKey[]>("/api/v1/keys");
}

export function createKey(session: Authed, name: string): Promise<CreatedKey> {
  return session.authed<CreatedKey>("/api/v1/keys", { method: "POST", body: JSON.stringify(name ? { name } : {}) });
}

export function revokeKey(session: Authed, keyId: string): Promise<void> {
  return session.authed<void>(`/api/v1/keys/${encodeURIComponent(keyId)}`, { method: "DELETE" });
}

const KO = {
  title: "API 키",
  intro: "봇이나 alpaca-py 같은 SDK는 API 키로 이 서버에 접속합니다. 키는 비밀번호처럼 다루세요.",
  name: "키 이름 (선택)",
  create: "새 키 만들기",
  nameRule: "키 이름은 64바이트 이하여야 합니다 (한글은 약 21자)",
  newKey: "새 API 키",
  keyId: "키 ID (APCA-API-KEY-ID)",
  secret: "비밀 키 (APCA-API-SECRET-KEY)",
  once: "비밀 키는 지금 한 번만 보여 드립니다. 이 페이지를 떠나면 다시 볼 수 없으니 안전한 곳에 저장하세요.",
  copy: "비밀 키 복사",
  copied: "복사했습니다",
  noClipboard: "클립보드를 쓸 수 없습니다. 비밀 키를 직접 선택해 복사해 주세요.",
  snippet: "alpaca-py 예제",
  dismiss: "저장했습니다 (숨기기)",
  keys: "내 API 키",
  keyName: "이름",
  created: "만든 시각 (KST)",
  lastUsed: "마지막 사용 (KST)",
  status: "상태",
  actions: "작업",
  active: "사용 중",
  revoked: "폐기됨",
  revoke: "폐기",
  revokeKey: "키 폐기",
  confirm: "이 키를 쓰는 봇은 즉시 거부됩니다. 정말 폐기할까요?",
  confirmRevoke: "폐기 확인",
  keep: "그대로 두기",
  revokedNotice: "키를 폐기했습니다",
  none: "아직 API 키가 없습니다",
  unnamed: "(이름 없음)",
  loading: "불러오는 중…",
};

const EN: Record<keyof typeof KO, string> = {
  title: "API keys",
  intro: "Bots and SDKs such as alpaca-py reach this server with an API key. Treat a key like a password.",
  name: "Key name (optional)",
  create: "Create a key",
  nameRule: "Key names are at most 64 bytes",
  newKey: "New API key",
  keyId: "Key ID (APCA-API-KEY-ID)",
  secret: "Secret (APCA-API-SECRET-KEY)",
  once: "The secret is shown only this once. It will not be shown again after you leave this page: store it somewhere safe now.",
  copy: "Copy secret",
  copied: "Copied",
  noClipboard: "The clipboard is not available here. Select the secret and copy it yourself.",
  snippet: "alpaca-py example",
  dismiss: "I have saved it (hide)",
  keys: "Your API keys",
  keyName: "Name",
  created: "Created (KST)",
  lastUsed: "Last used (KST)",
  status: "Status",
  actions: "Actions",
  active: "active",
  revoked: "revoked",
  revoke: "Revoke",
  revokeKey: "Revoke key",
  confirm: "Bots using this key will be refused at once. Revoke it?",
  confirmRevoke: "Yes, revoke",
  keep: "Keep it",
  revokedNotice: "Key revoked",
  none: "No API keys yet",
  unnamed: "(no name)",
  loading: "Loading…",
};

const STRINGS: Record<Lang, Record<keyof typeof KO, string>> = { ko: KO, en: EN };
const tr = (lang: Lang, key: keyof typeof KO) => STRINGS[lang][key];

export function checkKeyName(lang: Lang, name: string): string | null {
  return new TextEncoder().encode(name).length > MAX_NAME_BYTES ? tr(lang, "nameRule") : null;
}

// The alpaca-py lines for a new key, as docs/api.md has them: the base URL without a trailing slash or /v2.
export function alpacaSnippet(keyId: string, secret: string, origin: string): string {
  const base = origin.replace(/\/+$/, "");
  const ws = base.replace(/^http/, "ws");
  return [
    "from alpaca.trading.client import TradingClient",
    "from alpaca.trading.stream import TradingStream",
    "from alpaca.data.historical.stock import StockHistoricalDataClient",
    "",
    `KEY_ID = "${keyId}"`,
    `SECRET = "${secret}"`,
    `BASE = "${base}"  # this site, without a trailing slash or /v2`,
    `WS = "${ws}"`,
    "",
    "trading = TradingClient(KEY_ID, SECRET, paper=True, url_override=BASE)",
    "data = StockHistoricalDataClient(KEY_ID, SECRET, url_override=BASE)",
    'trade_stream = TradingStream(KEY_ID, SECRET, paper=True, url_override=f"{WS}/stream")',
    "",
    "print(trading.get_account().cash)",
  ].join("\n");
}

export function KeysPage({ lang, session }: { lang: Lang; session: Session }) {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let stopped = false;
    listKeys(session)
      .then((list) => !stopped && setKeys(list))
      .catch((e: unknown) => !stopped && setError(errorText(lang, e)));
    return () => {
      stopped = true;
    };
  }, [session, reloads]);

  const revoke = async (keyId: string) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await revokeKey(session, keyId);
      setConfirming(null);
      setNotice(tr(lang, "revokedNotice"));
      setReloads((n) => n + 1);
    } catch (e) {
      setError(errorText(lang, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="keys-page" aria-labelledby="keys-title">
      <h2 id="keys-title">{tr(lang, "title")}</h2>
      <p>{tr(lang, "intro")}</p>
      <NewKeyForm
        lang={lang}
        create={(name) => createKey(session, name)}
        onCreated={(k) => {
          setCreated(k);
          setNotice(null);
          setReloads((n) => n + 1);
        }}
      />
      {created && <NewSecret lang={lang} created={created} origin={location.origin} onDismiss={() => setCreated(null)} />}
      <h3>{tr(lang, "keys")}</h3>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {keys === null ? (
        !error && <p>{tr(lang, "loading")}</p>
      ) : (
        <KeyTable
          lang={lang}
          keys={keys}
          confirming={confirming}
          busy={busy}
          onRevoke={(id) => (confirming === id ? void revoke(id) : (setConfirming(id), setNotice(null)))}
          onKeep={() => setConfirming(null)}
        />
      )}
    </section>
  );
}

function NewKeyForm({ lang, create, onCreated }: {
  lang: Lang;
  create: (name: string) => Promise<CreatedKey>;
  onCreated: (k: CreatedKey) => void;
}) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = checkKeyName(lang, name.trim());
    if (problem) return setError(problem);
    setError(null);
    setBusy(true);
    try {
      onCreated(await create(name.trim()));
      setName("");
    } catch (err) {
      setError(errorText(lang, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form data-testid="new-key" class="new-key" onSubmit={submit} noValidate aria-label={tr(lang, "create")}>
      <label>
        {tr(lang, "name")}
        <input name="name" autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>
        {tr(lang, "create")}
      </button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}

// The new key's secret, this once: copy button (with a fallback where the clipboard is not available) and the
// alpaca-py snippet.
function NewSecret({ lang, created, origin, onDismiss }: { lang: Lang; created: CreatedKey; origin: string; onDismiss: () => void }) {
  const [copy, setCopy] = useState<"copied" | "noClipboard" | null>(null);
  const copySecret = async () => {
    const clipboard = (navigator as Navigator & { clipboard?: Clipboard }).clipboard;
    try {
      if (!clipboard?.writeText) throw new Error("no clipboard");
      await clipboard.writeText(created.secret_key);
      setCopy("copied");
    } catch {
      setCopy("noClipboard");
    }
  };
  return (
    <section data-testid="new-secret" class="new-secret" aria-labelledby="new-secret-title">
      <h3 id="new-secret-title">{tr(lang, "newKey")}</h3>
      <p class="warning">
        <strong>{tr(lang, "once")}</strong>
      </p>
      <dl>
        <dt>{tr(lang, "keyId")}</dt>
        <dd>
          <code data-testid="key-id">{created.key_id}</code>
        </dd>
        <dt>{tr(lang, "secret")}</dt>
        <dd>
          <code data-testid="secret" class="secret">
            {created.secret_key}
          </code>{" "}
          <button type="button" data-action="copy" aria-label={`${tr(lang, "copy")} ${created.key_id}`} onClick={() => void copySecret()}>
            {tr(lang, "copy")}
          </button>{" "}
          <span role="status" class={copy === "noClipboard" ? "error" : undefined}>
            {copy && tr(lang, copy)}
          </span>
        </dd>
      </dl>
      <h4>{tr(lang, "snippet")}</h4>
      <pre data-testid="snippet">
        <code>{alpacaSnippet(created.key_id, created.secret_key, origin)}</code>
      </pre>
      <button type="button" data-action="dismiss" onClick={onDismiss}>
        {tr(lang, "dismiss")}
      </button>
    </section>
  );
}

function KeyTable({ lang, keys, confirming, busy, onRevoke, onKeep }: {
  lang: Lang;
  keys: ApiKey[];
  confirming: string | null;
  busy: boolean;
  onRevoke: (keyId: string) => void;
  onKeep: () => void;
}) {
  if (keys.length === 0) return <p>{tr(lang, "none")}</p>;
  const showLastUsed = keys.some((k) => k.last_used_at !== undefined);
  return (
    <ScrollArea label={tr(lang, "title")}>
      <table data-testid="keys">
        <thead>
          <tr>
            <th scope="col">{tr(lang, "keyName")}</th>
            <th scope="col">{tr(lang, "keyId")}</th>
            <th scope="col">{tr(lang, "created")}</th>
            {showLastUsed && <th scope="col">{tr(lang, "lastUsed")}</th>}
            <th scope="col">{tr(lang, "status")}</th>
            <th scope="col">{tr(lang, "actions")}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const label = `${k.name || tr(lang, "unnamed")} (${k.key_id})`;
            const asking = confirming === k.key_id;
            return (
              <tr key={k.key_id} data-key-id={k.key_id}>
                <th scope="row">{k.name || <small>{tr(lang, "unnamed")}</small>}</th>
                <td data-col="key_id">
                  <code>{k.key_id}</code>
                </td>
                <td data-col="created_at">
                  <time dateTime={k.created_at}>{formatKst(k.created_at)}</time>
                </td>
                {showLastUsed && <td data-col="last_used_at">{formatKst(k.last_used_at)}</td>}
                <td data-col="status" data-status={k.status}>
                  {k.status === "active" ? tr(lang, "active") : tr(lang, "revoked")}
                </td>
                <td class="actions">
                  {k.status === "active" && (
                    <>
                      {asking && <span class="confirm">{tr(lang, "confirm")} </span>}
                      <button
                        type="button"
                        data-action="revoke"
                        data-confirm={asking ? "true" : undefined}
                        aria-label={`${tr(lang, asking ? "confirmRevoke" : "revokeKey")}: ${label}`}
                        disabled={busy}
                        onClick={() => onRevoke(k.key_id)}
                      >
                        {tr(lang, asking ? "confirmRevoke" : "revoke")}
                      </button>
                      {asking && (
                        <button type="button" data-action="keep" aria-label={`${tr(lang, "keep")}: ${label}`} onClick={onKeep}>
                          {tr(lang, "keep")}
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollArea>
  );
}
