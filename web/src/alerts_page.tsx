// The user's price alerts as a table — every alert on `/alerts`, one stock's under its page's alert form — with
// each condition in words, the mode, the status (armed, fired, expired), when it last fired and where it is
// sent; delete, and re-arm for a fired once-alert. Read again whenever `version` changes (an alert was created,
// or a notification arrived: an alert fired).
import { useEffect, useMemo, useState } from "preact/hooks";

import { channelsText, conditionText, deleteAlert, listAlerts, modeText, rearmAlert, statusText, type Alert } from "./alerts";
import { errorText, type Stock } from "./api";
import { stockName, t, type Lang } from "./i18n";
import { formatKst } from "./orders";
import { ScrollArea } from "./scroll";
import type { Session } from "./session";
import "./pages.css";

type Names = ReadonlyMap<string, Pick<Stock, "name_ko" | "name_en">>;

export function AlertList({ lang, session, symbol, names, version }: {
  lang: Lang;
  session: Pick<Session, "authed">;
  symbol?: string; // only this stock's alerts (the stock page), without a stock column
  names: Names;
  version: number | string; // a change reads the list again
}) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let stopped = false;
    listAlerts(session)
      .then((list) => {
        if (stopped) return;
        setAlerts(list);
        setError(null);
      })
      .catch((e: unknown) => !stopped && setError(errorText(lang, e)));
    return () => {
      stopped = true;
    };
  }, [session, version, reloads]);

  const change = async (a: Alert, action: "delete" | "rearm") => {
    setBusy(a.id);
    setError(null);
    setNotice(null);
    try {
      if (action === "delete") {
        await deleteAlert(session, a.id);
        setAlerts((list) => list && list.filter((x) => x.id !== a.id));
        setNotice(t(lang, "alertDeleted"));
      } else {
        const armed = await rearmAlert(session, a.id);
        setAlerts((list) => list && list.map((x) => (x.id === a.id ? armed : x)));
        setNotice(t(lang, "alertRearmed"));
      }
      setReloads((n) => n + 1);
    } catch (e) {
      setError(errorText(lang, e));
    } finally {
      setBusy(null);
    }
  };

  const shown = alerts && (symbol ? alerts.filter((a) => a.symbol === symbol) : alerts);
  return (
    <div class="alert-list">
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {shown === null ? (
        !error && <p>{t(lang, "loading")}</p>
      ) : shown.length === 0 ? (
        <p data-testid="no-alerts">{t(lang, "noAlerts")}</p>
      ) : (
        <AlertTable lang={lang} alerts={shown} names={names} withStock={!symbol} busy={busy} onChange={(a, action) => void change(a, action)} />
      )}
    </div>
  );
}

function AlertTable({ lang, alerts, names, withStock, busy, onChange }: {
  lang: Lang;
  alerts: Alert[];
  names: Names;
  withStock: boolean;
  busy: string | null;
  onChange: (a: Alert, action: "delete" | "rearm") => void;
}) {
  const nameOf = (code: string) => {
    const s = names.get(code);
    return s ? stockName(lang, s) : code;
  };
  return (
    <ScrollArea label={t(lang, withStock ? "alertsTable" : "alertsOfStock")}>
      <table data-testid="alerts">
        <thead>
          <tr>
            {withStock && <th scope="col">{t(lang, "name")}</th>}
            <th scope="col">{t(lang, "condition")}</th>
            <th scope="col">{t(lang, "alertModeShort")}</th>
            <th scope="col">{t(lang, "alertStatus")}</th>
            <th scope="col">{t(lang, "lastFired")}</th>
            <th scope="col">{t(lang, "alertChannels")}</th>
            <th scope="col">{t(lang, "actions")}</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => {
            const condition = conditionText(lang, a);
            const label = `${nameOf(a.symbol)} ${condition}`;
            return (
              <tr key={a.id} data-alert-id={a.id} data-symbol={a.symbol}>
                {withStock && (
                  <th scope="row">
                    <a href={`/stocks/${a.symbol}`}>{nameOf(a.symbol)}</a> <small>{a.symbol}</small>
                  </th>
                )}
                {withStock ? (
                  <td data-col="condition" data-kind={a.kind} data-level={a.level}>
                    {condition}
                  </td>
                ) : (
                  <th scope="row" data-col="condition" data-kind={a.kind} data-level={a.level}>
                    {condition}
                  </th>
                )}
                <td data-col="mode" data-mode={a.mode}>
                  {modeText(lang, a)}
                </td>
                <td data-col="status" data-status={a.status} class={`alert-status ${a.status}`}>
                  {statusText(lang, a.status)}
                </td>
                <td data-col="last_fired">
                  {a.last_fired_at ? <time dateTime={a.last_fired_at}>{formatKst(a.last_fired_at)}</time> : "—"}
                </td>
                <td data-col="channels">{channelsText(lang, a.channels)}</td>
                <td class="actions">
                  {a.status === "fired" && (
                    <button
                      type="button"
                      data-action="rearm"
                      aria-label={`${t(lang, "rearm")}: ${label}`}
                      disabled={busy === a.id}
                      onClick={() => onChange(a, "rearm")}
                    >
                      {t(lang, "rearm")}
                    </button>
                  )}
                  <button
                    type="button"
                    data-action="delete"
                    aria-label={`${t(lang, "deleteAlert")}: ${label}`}
                    disabled={busy === a.id}
                    onClick={() => onChange(a, "delete")}
                  >
                    {t(lang, "deleteAlert")}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollArea>
  );
}

export function AlertsPage({ lang, session, stocks, version }: {
  lang: Lang;
  session: Pick<Session, "authed">;
  stocks: readonly Stock[];
  version: number;
}) {
  const names = useMemo(() => new Map(stocks.map((s) => [s.symbol, s])), [stocks]);
  return (
    <section class="alerts-page" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t(lang, "alerts")}</h2>
      <p class="note">
        {t(lang, "alertsIntro")} {t(lang, "alertsWhere")}
      </p>
      <AlertList lang={lang} session={session} names={names} version={version} />
    </section>
  );
}
