import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { bridge } from '../../bridge';
import { EmptyState } from '../../components/EmptyState';
import { StatusBadge } from '../../components/StatusBadge';
import { HealthBadge } from '../../components/HealthBadge';
import { useHealth } from '../../hooks/useHealth';
import { nodeBadge } from '../../components/nodeStatus';
import { useFleet } from '../../hooks/useFleet';
import { navigate } from '../../hooks/useRoute';
import type { NodeTestResult } from '../../../../shared/contract/channels.js';
import type { AppError } from '../../../../shared/errors.js';
import type { FleetNode } from '../../../../shared/fleet.js';
import { TrustPrompt } from './TrustPrompt';
import { NodeEditor } from './NodeEditor';
import { TelemetryPanel } from './TelemetryPanel';
import { DrainBox } from './DrainBox';

/** Why live telemetry must not connect to the node now, if it must not (its history is still shown). */
function liveBlockedBy(node: FleetNode, status: string | undefined): string | undefined {
  if (!node.enabled) return `the node is disabled${node.disabledReason ? ` (${node.disabledReason})` : ''}`;
  if (status === 'hostkey-unknown') return 'its host key is not trusted yet (Test connection, then trust it)';
  if (status === 'hostkey-changed') return 'its host key changed: check the new one before trusting it';
  if (status === 'auth-failed') return 'the node refused the login: fix the key or password, then Test connection';
  return undefined;
}

/** One node: how it is reached, its host key, its last problem, and what can be done about it. */
export function NodeView({ name }: { name: string | undefined }) {
  const fleet = useFleet();
  const health = useHealth();
  const [test, setTest] = useState<NodeTestResult>();
  const [error, setError] = useState<AppError>();
  const [reason, setReason] = useState('');
  const [draining, setDraining] = useState(false);
  const node = fleet.nodes?.find((n) => n.name === name);
  const status = name ? fleet.statuses[name] : undefined;

  if (!name || (fleet.nodes && !node)) {
    return (
      <div className="view">
        <header className="view-header">
          <h1>Node</h1>
        </header>
        <EmptyState
          title={name ? `No node named ${name}` : 'No node selected'}
          action={<button onClick={() => navigate('fleet')}>Go to the fleet</button>}
        >
          <p>Pick a node in the Fleet view to see its connection, host key and last error.</p>
        </EmptyState>
      </div>
    );
  }
  if (!node) return <p>Loading…</p>;
  const badge = nodeBadge(node, status);

  const act = async <T,>(p: Promise<{ ok: true; value: T } | { ok: false; error: AppError }>) => {
    const r = await p;
    if (!r.ok) setError(r.error);
    else setError(undefined);
    await fleet.reload();
    return r;
  };
  const runTest = async () => {
    setTest(undefined);
    const r = await act(bridge.invoke('fleet.node.test', { name: node.name }));
    if (r.ok) setTest(r.value);
  };

  return (
    <div className="view">
      <header className="view-header">
        <h1>{node.name}</h1>
        <span data-testid="node-health">
          <HealthBadge health={health?.byNode[node.name]} />
        </span>
        <span className="spacer" />
        {node.drain ? (
          <button type="button" className="secondary" onClick={() => void act(bridge.invoke('fleet.node.undrain', { name: node.name }))}>
            Undrain
          </button>
        ) : (
          <button type="button" className="secondary" onClick={() => setDraining(true)} disabled={!node.enabled}>
            Drain…
          </button>
        )}
        <button type="button" onClick={() => void runTest()} disabled={!node.enabled}>
          Test connection
        </button>
      </header>
      {draining ? (
        <DrainBox
          nodes={[node.name]}
          onCancel={() => setDraining(false)}
          onDrain={(why, until) => {
            setDraining(false);
            void act(bridge.invoke('fleet.node.drain', { name: node.name, reason: why, ...(until !== undefined ? { until } : {}) }));
          }}
        />
      ) : null}
      <section className="card">
        <dl className="details">
          <dt>Address</dt>
          <dd>
            {node.user}@{node.host}:{node.port}
          </dd>
          <dt>Sign-in</dt>
          <dd>
            {node.auth}
            {node.keyPath ? ` (${node.keyPath})` : ''}
          </dd>
          <dt>Reached through</dt>
          <dd>{node.via.length ? node.via.join(' → ') : 'directly'}</dd>
          <dt>Site / department</dt>
          <dd>
            {node.site} / {node.department}
          </dd>
          <dt>Role</dt>
          <dd>{node.role}</dd>
          <dt>Tags</dt>
          <dd>{node.tags.join(', ') || '—'}</dd>
          <dt>Host key</dt>
          <dd>
            <code data-testid="node-fingerprint">{status?.fingerprint ?? 'not seen yet: run Test connection'}</code>
          </dd>
          <dt>Connection</dt>
          <dd>
            <StatusBadge kind={badge.kind} label={badge.label} {...(badge.title ? { title: badge.title } : {})} />
          </dd>
          <dt>Last connection error</dt>
          <dd data-testid="node-last-error">{status?.detail ?? (node.enabled ? 'none' : `disabled: ${node.disabledReason ?? ''}`)}</dd>
          {node.notes ? (
            <>
              <dt>Notes</dt>
              <dd>{node.notes}</dd>
            </>
          ) : null}
        </dl>
      </section>
      {test ? (
        <section className="card" aria-live="polite">
          {test.ok ? (
            <p data-testid="test-result">
              <StatusBadge kind="ok" label="Connected" /> in {test.latencyMs} ms
            </p>
          ) : test.fingerprint && (test.needsTrust || test.status === 'hostkey-changed') ? (
            <TrustPrompt name={node.name} fingerprint={test.fingerprint} onTrusted={() => void runTest()} />
          ) : (
            <div role="alert" data-testid="test-result">
              <p>
                <StatusBadge kind="error" label="Not connected" /> {test.message}
              </p>
              <p className="small">{test.action}</p>
            </div>
          )}
        </section>
      ) : null}
      <TelemetryPanel node={node.name} liveBlockedBy={liveBlockedBy(node, status?.status)} />
      <NodeEditor key={node.name} node={node} onChanged={() => void fleet.reload()} />
      <section className="card form">
        <h2>{node.enabled ? 'Disable' : 'Enable'}</h2>
        {node.enabled ? (
          <>
            <label>
              Reason (recorded in the audit log)
              <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. GPU replacement, ticket 4711" />
            </label>
            <div className="row">
              <button
                type="button"
                className="secondary"
                disabled={!reason.trim()}
                onClick={() => void act(bridge.invoke('fleet.node.setEnabled', { name: node.name, enabled: false, reason }))}
              >
                Disable node
              </button>
            </div>
          </>
        ) : (
          <button type="button" onClick={() => void act(bridge.invoke('fleet.node.setEnabled', { name: node.name, enabled: true }))}>
            Enable node
          </button>
        )}
        <ErrorNote error={error} />
      </section>
    </div>
  );
}
