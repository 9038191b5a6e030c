import { useCallback, useEffect, useState } from 'react';
import { bridge } from '../../bridge';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNote } from '../../components/ErrorNote';
import { StatusBadge } from '../../components/StatusBadge';
import type { Alert, AlertEvent, Silence } from '../../../../shared/alerts.js';
import { formatTime } from '../../time';
import type { AppError } from '../../../../shared/errors.js';
import { AlertActionDialog, type AlertAction, type SilenceRequest } from './AlertActionDialog';
import { SilencesPanel } from './SilencesPanel';
import { XidRunbook } from './XidRunbook';
import { useHealth } from '../../hooks/useHealth';
import { useQuery } from '../../hooks/useBridge';
import { useRemembered } from '../../hooks/useRemembered';

const HISTORY_PAGE = 100;

const EVENT_WORDS: Record<AlertEvent['kind'], string> = { fire: 'fired', resolve: 'resolved', acknowledge: 'acknowledged' };

const RANGES = {
  '1h': ['Last hour', 3_600_000],
  '24h': ['Last 24 hours', 24 * 3_600_000],
  '7d': ['Last 7 days', 7 * 24 * 3_600_000],
  all: ['All time', Infinity],
} as const;
type Range = keyof typeof RANGES;

/**
 * Firing alerts first, newest first; acknowledging (with a note) and silencing (for a time, with a
 * reason) are recorded in the audit log. Alerts and their history come from the state store: what
 * fired before a restart, or from another process, is here. The time range narrows resolved alerts
 * and the history; a firing alert shows whatever its age.
 */
export function AlertsView() {
  const [alerts, setAlerts] = useState<Alert[]>();
  const [events, setEvents] = useState<AlertEvent[]>([]);
  const [silences, setSilences] = useState<Silence[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<AppError>();
  const [show, setShow] = useRemembered('alerts.show', ['firing', 'resolved', 'all'] as const, 'all');
  const [range, setRange] = useRemembered('alerts.range', Object.keys(RANGES) as Range[], '24h');
  const [action, setAction] = useState<AlertAction>();
  const health = useHealth();
  // The Alertmanagers Settings names, for the acknowledge dialog's silence choice.
  const settings = useQuery('settings.get', {});
  const alertmanagers = settings.data?.alertmanagers ?? [];
  const from = useCallback(() => (range === 'all' ? undefined : Date.now() - RANGES[range][1]), [range]);
  const load = useCallback(async () => {
    const since = from();
    const [r, h, s] = await Promise.all([
      bridge.invoke('alerts.list', {}),
      bridge.invoke('alerts.history', { limit: HISTORY_PAGE, ...(since !== undefined ? { since } : {}) }),
      bridge.invoke('alerts.silences', {}),
    ]);
    if (r.ok) setAlerts(r.value.alerts);
    else setError(r.error);
    if (h.ok) {
      setEvents(h.value.events);
      setMore(h.value.events.length === HISTORY_PAGE);
    }
    if (s.ok) setSilences(s.value.silences);
  }, [from]);
  const older = async () => {
    const last = events.at(-1);
    if (!last) return;
    const since = from();
    const h = await bridge.invoke('alerts.history', { limit: HISTORY_PAGE, before: last.seq, ...(since !== undefined ? { since } : {}) });
    if (!h.ok) return setError(h.error);
    setEvents((e) => [...e, ...h.value.events]);
    setMore(h.value.events.length === HISTORY_PAGE);
  };
  useEffect(() => {
    void load();
    return bridge.subscribe('alerts', {}, () => void load());
  }, [load]);
  const done = async (r: { ok: true } | { ok: false; error: AppError }) => {
    if (!r.ok) setError(r.error);
    else setError(undefined);
    setAction(undefined);
    await load();
  };
  const ack = async (id: string, note: string, silenceMinutes?: number) => {
    const r = await bridge.invoke('alerts.ack', { id, ...(note ? { note } : {}), ...(silenceMinutes ? { silenceMinutes } : {}) });
    // Acknowledged, but an Alertmanager refused the silence: say which, and why.
    const refused = r.ok ? (r.value.alertmanager ?? []).filter((s) => s.error) : [];
    if (r.ok && refused.length) {
      setAction(undefined);
      setError({
        code: 'UNAVAILABLE',
        message: `Acknowledged, but not silenced in ${refused.map((s) => `${s.url} (${s.error})`).join(', ')}`,
        action: 'The page keeps repeating there: silence it in Alertmanager itself, or try again.',
      });
      return load();
    }
    return done(r);
  };
  const silence = async (s: SilenceRequest) => done(await bridge.invoke('alerts.silence', s));
  const endSilence = async (id: string) => done(await bridge.invoke('alerts.unsilence', { id }));

  const columns: Column<Alert, string>[] = [
    {
      key: 'severity',
      header: 'Severity',
      value: (a) => (a.state === 'firing' ? (a.severity === 'critical' ? 0 : 1) + (a.silenced ? 0.5 : 0) : 2),
      render: (a) =>
        a.state === 'resolved' ? (
          <StatusBadge kind="ok" label="Resolved" />
        ) : (
          <>
            <StatusBadge kind={a.severity === 'critical' ? 'error' : 'warn'} label={a.severity === 'critical' ? 'Critical' : 'Warning'} />
            {a.silenced ? (
              <div className="small" data-testid="silenced">
                silenced until {formatTime(a.silenced.until)}: {a.silenced.reason} ({a.silenced.by})
              </div>
            ) : null}
          </>
        ),
    },
    { key: 'node', header: 'Node', value: (a) => a.node, render: (a) => <a href={`#/node/${encodeURIComponent(a.node)}`}>{a.node}</a> },
    { key: 'rule', header: 'Rule', value: (a) => a.rule },
    {
      key: 'message',
      header: 'What is wrong',
      value: (a) => (a.unrecorded ? `${a.message} (${a.unrecorded})` : a.message),
      render: (a) => (
        <>
          {a.unrecorded ? `${a.message} (${a.unrecorded})` : a.message}
          {a.rule === 'gpu-xid' && a.xid !== undefined ? <XidRunbook code={a.xid} /> : null}
        </>
      ),
    },
    { key: 'since', header: 'Since', value: (a) => a.since, render: (a) => formatTime(a.since) },
    {
      key: 'lastSeen',
      header: 'Last seen',
      value: (a) => a.lastSeen ?? a.updatedAt,
      render: (a) => formatTime(a.lastSeen ?? a.updatedAt),
    },
    {
      key: 'resolvedAt',
      header: 'Resolved',
      value: (a) => (a.state === 'resolved' ? a.updatedAt : 0),
      render: (a) => (a.state === 'resolved' ? formatTime(a.updatedAt) : '—'),
    },
    {
      key: 'ack',
      header: 'Acknowledged',
      value: (a) => a.acknowledged?.at ?? 0,
      render: (a) => (
        <>
          {a.acknowledged ? (
            <div>
              {a.acknowledged.by}, {formatTime(a.acknowledged.at)}
              {a.acknowledged.note ? <div className="small">“{a.acknowledged.note}”</div> : null}
            </div>
          ) : (
            <button type="button" className="secondary" onClick={() => setAction({ kind: 'ack', alert: a })}>
              Acknowledge…
            </button>
          )}
          {a.state === 'firing' && !a.silenced ? (
            <button type="button" className="secondary" onClick={() => setAction({ kind: 'silence', alert: a })}>
              Silence…
            </button>
          ) : null}
        </>
      ),
    },
  ];
  // Nodes out of reach because a gateway on their path is: one group under that gateway, not N rows.
  const behind = (a: Alert) => (a.state === 'firing' && a.rule === 'node-unreachable' ? health?.byNode[a.node]?.behind : undefined);
  const groups = new Map<string, Alert[]>();
  for (const a of alerts ?? []) {
    const g = behind(a);
    if (g) groups.set(g, [...(groups.get(g) ?? []), a]);
  }
  const cutoff = from();
  const firing = alerts?.filter((a) => a.state === 'firing') ?? [];
  const silencedCount = firing.filter((a) => a.silenced).length;
  const shown = (alerts ?? [])
    .filter((a) => show === 'all' || a.state === show)
    .filter((a) => a.state === 'firing' || cutoff === undefined || a.updatedAt >= cutoff)
    .filter((a) => !behind(a));
  return (
    <div className="view">
      <header className="view-header">
        <h1>Alerts</h1>
        <span className="small" data-testid="alerts-count">
          {alerts ? `${firing.length} firing${silencedCount ? ` (${silencedCount} silenced)` : ''}` : 'Loading…'}
        </span>
        <span className="spacer" />
        <label className="row small">
          Time range
          <select value={range} onChange={(e) => setRange(e.target.value as Range)} data-testid="alerts-range">
            {(Object.keys(RANGES) as Range[]).map((k) => (
              <option key={k} value={k}>
                {RANGES[k][0]}
              </option>
            ))}
          </select>
        </label>
        <div role="group" aria-label="Show" className="row">
          {(['firing', 'resolved', 'all'] as const).map((k) => (
            <button
              key={k}
              type="button"
              className={show === k ? undefined : 'secondary'}
              aria-pressed={show === k}
              onClick={() => setShow(k)}
            >
              {k === 'firing' ? 'Firing' : k === 'resolved' ? 'Resolved' : 'All'}
            </button>
          ))}
        </div>
      </header>
      <ErrorNote error={error} />
      {[...groups].map(([gateway, held]) => (
        <section key={gateway} className="card" aria-label={`Behind ${gateway}`} data-testid="gateway-group" data-gateway={gateway}>
          <h2>
            <a href={`#/node/${encodeURIComponent(gateway)}`}>{gateway}</a> is unreachable: {held.length} node(s) behind it are out of reach
          </h2>
          <p className="small">{health?.byNode[gateway]?.reason}</p>
          <details>
            <summary>The {held.length} node-unreachable alert(s) it explains</summary>
            <ul className="small">
              {held.map((a) => (
                <li key={a.id}>
                  {a.node}: {a.message} (since {formatTime(a.since)})
                </li>
              ))}
            </ul>
          </details>
        </section>
      ))}
      {alerts && alerts.length === 0 ? (
        <EmptyState title="No alerts">
          <p>
            GPU temperature, uncorrectable ECC errors, Xid errors, lost GPUs, failing drivers, slow endpoints and unreachable nodes raise
            alerts here while their telemetry is watched.
          </p>
          <p>Open a node to start watching it.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption="Alerts"
          columns={columns}
          rows={shown}
          empty={show === 'firing' ? 'Nothing is firing.' : `No resolved alert in ${RANGES[range][0].toLowerCase()}.`}
          rowKey={(a) => a.id}
          initialSort={{ key: 'severity', direction: 'asc' }}
        />
      )}
      <SilencesPanel silences={silences} now={Date.now()} onEnd={(id) => void endSilence(id)} />
      <section aria-labelledby="alert-history">
        <h2 id="alert-history">History</h2>
        {events.length === 0 ? (
          <p className="small">{range === 'all' ? 'Nothing has fired yet.' : `Nothing happened in ${RANGES[range][0].toLowerCase()}.`}</p>
        ) : (
          <table className="plain" data-testid="alert-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Node</th>
                <th scope="col">Alert</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq} data-kind={e.kind}>
                  <td>{formatTime(e.at)}</td>
                  <td>
                    {EVENT_WORDS[e.kind]}
                    {e.by ? ` by ${e.by}` : ''}
                    {e.note ? `: “${e.note}”` : ''}
                  </td>
                  <td>{e.node}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {more ? (
          <button type="button" className="secondary" onClick={() => void older()}>
            Older
          </button>
        ) : null}
      </section>
      {action ? (
        <AlertActionDialog
          action={action}
          alertmanagers={alertmanagers}
          onAck={(id, note, minutes) => void ack(id, note, minutes)}
          onSilence={(s) => void silence(s)}
          onClose={() => setAction(undefined)}
        />
      ) : null}
    </div>
  );
}
