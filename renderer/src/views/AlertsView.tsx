import { useCallback, useEffect, useState } from 'react';
import { bridge } from '../bridge';
import { DataTable, type Column } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { StatusBadge } from '../components/StatusBadge';
import type { Alert, AlertEvent } from '../../../shared/alerts.js';
import { formatTime } from '../time';
import type { AppError } from '../../../shared/errors.js';

const HISTORY_PAGE = 100;

const EVENT_WORDS: Record<AlertEvent['kind'], string> = { fire: 'fired', resolve: 'resolved', acknowledge: 'acknowledged' };

/**
 * Firing alerts first, newest first; acknowledging is recorded in the audit log. Alerts and their
 * history come from the state store: what fired before a restart, or from another process, is here.
 */
export function AlertsView() {
  const [alerts, setAlerts] = useState<Alert[]>();
  const [events, setEvents] = useState<AlertEvent[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<AppError>();
  const [show, setShow] = useState<'firing' | 'resolved' | 'all'>('all');
  const load = useCallback(async () => {
    const [r, h] = await Promise.all([bridge.invoke('alerts.list', {}), bridge.invoke('alerts.history', { limit: HISTORY_PAGE })]);
    if (r.ok) setAlerts(r.value.alerts);
    else setError(r.error);
    if (h.ok) {
      setEvents(h.value.events);
      setMore(h.value.events.length === HISTORY_PAGE);
    }
  }, []);
  const older = async () => {
    const last = events.at(-1);
    if (!last) return;
    const h = await bridge.invoke('alerts.history', { limit: HISTORY_PAGE, before: last.seq });
    if (!h.ok) return setError(h.error);
    setEvents((e) => [...e, ...h.value.events]);
    setMore(h.value.events.length === HISTORY_PAGE);
  };
  useEffect(() => {
    void load();
    return bridge.subscribe('alerts', {}, () => void load());
  }, [load]);
  const ack = async (id: string) => {
    const r = await bridge.invoke('alerts.ack', { id });
    if (!r.ok) setError(r.error);
    await load();
  };

  const columns: Column<Alert, string>[] = [
    {
      key: 'severity',
      header: 'Severity',
      value: (a) => (a.state === 'firing' ? (a.severity === 'critical' ? 0 : 1) : 2),
      render: (a) =>
        a.state === 'resolved' ? (
          <StatusBadge kind="ok" label="Resolved" />
        ) : (
          <StatusBadge kind={a.severity === 'critical' ? 'error' : 'warn'} label={a.severity === 'critical' ? 'Critical' : 'Warning'} />
        ),
    },
    { key: 'node', header: 'Node', value: (a) => a.node, render: (a) => <a href={`#/node/${encodeURIComponent(a.node)}`}>{a.node}</a> },
    { key: 'rule', header: 'Rule', value: (a) => a.rule },
    { key: 'message', header: 'What is wrong', value: (a) => (a.unrecorded ? `${a.message} (${a.unrecorded})` : a.message) },
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
      render: (a) =>
        a.acknowledged ? (
          `${a.acknowledged.by}, ${formatTime(a.acknowledged.at)}`
        ) : (
          <button type="button" className="secondary" onClick={() => void ack(a.id)}>
            Acknowledge
          </button>
        ),
    },
  ];
  const firing = alerts?.filter((a) => a.state === 'firing').length ?? 0;
  const shown = (alerts ?? []).filter((a) => show === 'all' || a.state === show);
  return (
    <div className="view">
      <header className="view-header">
        <h1>Alerts</h1>
        <span className="small" data-testid="alerts-count">
          {alerts ? `${firing} firing` : 'Loading…'}
        </span>
        <span className="spacer" />
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
      {alerts && alerts.length === 0 ? (
        <EmptyState title="No alerts">
          <p>
            GPU temperature, uncorrectable ECC errors, lost GPUs, failing drivers and unreachable nodes raise alerts here while their
            telemetry is watched.
          </p>
          <p>Open a node to start watching it.</p>
        </EmptyState>
      ) : (
        <DataTable
          caption="Alerts"
          columns={columns}
          rows={shown}
          empty={show === 'firing' ? 'Nothing is firing.' : 'No resolved alert on record.'}
          rowKey={(a) => a.id}
          initialSort={{ key: 'severity', direction: 'asc' }}
        />
      )}
      <section aria-labelledby="alert-history">
        <h2 id="alert-history">History</h2>
        {events.length === 0 ? (
          <p className="small">Nothing has fired yet.</p>
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
    </div>
  );
}
