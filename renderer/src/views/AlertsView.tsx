import { useCallback, useEffect, useState } from 'react';
import { bridge } from '../bridge';
import { DataTable, type Column } from '../components/DataTable';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { StatusBadge } from '../components/StatusBadge';
import type { Alert } from '../../../shared/alerts.js';
import type { AppError } from '../../../shared/errors.js';

/** Firing alerts first, newest first; acknowledging is recorded in the audit log. */
export function AlertsView() {
  const [alerts, setAlerts] = useState<Alert[]>();
  const [error, setError] = useState<AppError>();
  const load = useCallback(async () => {
    const r = await bridge.invoke('alerts.list', {});
    if (r.ok) setAlerts(r.value.alerts);
    else setError(r.error);
  }, []);
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
    { key: 'since', header: 'Since', value: (a) => a.since, render: (a) => new Date(a.since).toLocaleString() },
    {
      key: 'ack',
      header: 'Acknowledged',
      value: (a) => a.acknowledged?.at ?? 0,
      render: (a) =>
        a.acknowledged ? (
          `${a.acknowledged.by}, ${new Date(a.acknowledged.at).toLocaleTimeString()}`
        ) : (
          <button type="button" className="secondary" onClick={() => void ack(a.id)}>
            Acknowledge
          </button>
        ),
    },
  ];
  const firing = alerts?.filter((a) => a.state === 'firing').length ?? 0;
  return (
    <div className="view">
      <header className="view-header">
        <h1>Alerts</h1>
        <span className="small" data-testid="alerts-count">
          {alerts ? `${firing} firing` : 'Loading…'}
        </span>
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
          rows={alerts ?? []}
          rowKey={(a) => a.id}
          initialSort={{ key: 'severity', direction: 'asc' }}
        />
      )}
    </div>
  );
}
