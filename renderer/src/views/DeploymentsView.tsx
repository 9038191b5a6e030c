import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import type { NodeStep, Rollout } from '../../../shared/deploy/rollout.js';
import type { AppError } from '../../../shared/errors.js';
import { bridge } from '../bridge';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { StatusBadge, type StatusKind } from '../components/StatusBadge';
import { useYamlProblems, YamlProblemList } from '../components/YamlProblems';
import { useQuery, useStream } from '../hooks/useBridge';

const EXAMPLE = `name: cxr-triage
image: registry.example/radiology/cxr-triage:1.4.2
profile: radiology
gpus:
  count: 1
  minFreeMemoryMiB: 20000
env:
  MODEL_NAME: chest-xray
ports:
  - container: 8000
    host: 18000
health:
  timeoutS: 120
targets:
  tags: [radiology]
strategy:
  canary: 1
  waves:
    size: 5
  groupBy: site
  soakS: 60
`;

const STEP_BADGE: Record<NodeStep['state'], StatusKind> = {
  pending: 'pending',
  pulling: 'info',
  starting: 'info',
  health: 'info',
  soak: 'info',
  done: 'ok',
  failed: 'error',
  'rolling-back': 'warn',
  'rolled-back': 'warn',
  skipped: 'offline',
};
const STATUS_BADGE: Record<Rollout['status'], StatusKind> = {
  running: 'pending',
  paused: 'warn',
  succeeded: 'ok',
  failed: 'error',
  'rolling-back': 'warn',
  'rolled-back': 'warn',
  aborted: 'warn',
  interrupted: 'warn',
  halted: 'offline',
};

type Plan = ResponseOf<'deploy.plan'>;

/** Specs, revisions and live rollouts: edit a spec (checked as you type), see its placement, apply, watch, roll back. */
export function DeploymentsView() {
  const list = useQuery('deploy.list', {});
  const [selected, setSelected] = useState<string>();
  const [editing, setEditing] = useState<string>();
  useEffect(() => {
    if (!selected && list.data?.deployments[0]) setSelected(list.data.deployments[0].name);
  }, [list.data, selected]);
  return (
    <div className="view deployments-view">
      <header className="view-header">
        <h1>Deployments</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setEditing(EXAMPLE)}>
          New spec
        </button>
      </header>
      <ErrorNote error={list.error} />
      {editing !== undefined ? (
        <SpecEditor
          initial={editing}
          onClose={() => setEditing(undefined)}
          onApplied={(name) => {
            setEditing(undefined);
            setSelected(name);
            list.reload();
          }}
        />
      ) : null}
      {list.data && list.data.deployments.length === 0 && editing === undefined ? (
        <EmptyState title="No deployments yet">
          <p>
            Write a spec (YAML): the image, its GPU request and health check, the target nodes and how to roll it out. Start from New spec.
          </p>
        </EmptyState>
      ) : null}
      <SecretForm />
      <div className="deploy-body">
        <nav className="deploy-list" aria-label="Deployments">
          {list.data?.deployments.map((d) => (
            <button key={d.name} type="button" className={selected === d.name ? 'active' : ''} onClick={() => setSelected(d.name)}>
              <strong>{d.name}</strong> r{d.revision}{' '}
              {d.rollout ? <StatusBadge kind={STATUS_BADGE[d.rollout.status]} label={d.rollout.status} /> : null}
              {d.damaged ? <StatusBadge kind="error" label="damaged on disk" /> : null}
              {d.damaged ? <span className="small">{d.damaged}</span> : null}
            </button>
          ))}
        </nav>
        {selected ? <DeploymentDetail key={selected} name={selected} onEdit={setEditing} onChanged={list.reload} /> : null}
      </div>
    </div>
  );
}

/** Secrets a spec names (env: {KEY: {secret: NAME}}): sent once, never shown again, never in the audit log. */
function SecretForm() {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [persist, setPersist] = useState(false);
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<AppError>();
  const save = async () => {
    const r = await bridge.invoke('deploy.secret.set', { name, value, persist });
    setValue('');
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setResult(
      r.value.persisted
        ? `${name} saved, encrypted on this computer.`
        : persist
          ? `${name} kept for this session only: this computer cannot encrypt it.`
          : `${name} kept for this session.`,
    );
  };
  return (
    <details className="card">
      <summary>Secrets for specs</summary>
      <form
        className="row"
        aria-label="Deployment secret"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Value <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={persist} onChange={(e) => setPersist(e.target.checked)} /> Remember (encrypted)
        </label>
        <button type="submit" disabled={!name || !value}>
          Save secret
        </button>
        {result ? <StatusBadge kind="ok" label={result} /> : null}
      </form>
      <ErrorNote error={error} />
    </details>
  );
}

function SpecEditor({ initial, onClose, onApplied }: { initial: string; onClose: () => void; onApplied: (name: string) => void }) {
  const [text, setText] = useState(initial);
  const [plan, setPlan] = useState<Plan>();
  const [error, setError] = useState<AppError>();
  const [busy, setBusy] = useState(false);
  // Checked as you type: the main side parses with the same schema the rollout uses.
  const problems = useYamlProblems(text, async (t) => {
    const r = await bridge.invoke('deploy.validate', { text: t });
    return r.ok ? r.value.problems : undefined;
  });
  // A plan is for the text it was made from.
  useEffect(() => setPlan(undefined), [text]);
  const check = async () => {
    setBusy(true);
    setError(undefined);
    const r = await bridge.invoke('deploy.plan', { text });
    setBusy(false);
    if (r.ok) setPlan(r.value);
    else setError(r.error);
  };
  const apply = async () => {
    setBusy(true);
    const r = await bridge.invoke('deploy.apply', { text });
    setBusy(false);
    if (r.ok) onApplied(r.value.deployment);
    else setError(r.error);
  };
  const lines = text.split('\n').length;
  return (
    <section className="card spec-editor" aria-label="Spec editor">
      <h2>Spec</h2>
      <div className="spec-edit">
        <pre className="line-numbers" aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => i + 1).join('\n')}
        </pre>
        <textarea
          aria-label="Deployment spec (YAML)"
          spellCheck={false}
          value={text}
          rows={Math.min(40, Math.max(12, lines + 1))}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={problems.length > 0}
        />
      </div>
      <YamlProblemList problems={problems} testId="spec-problems" />
      {problems.length === 0 ? <p className="small">The spec is valid.</p> : null}
      <ErrorNote error={error} />
      {plan ? (
        <div data-testid="plan">
          <p>
            {plan.accepted.length} node(s) can take <strong>{plan.name}</strong>
            {plan.refused.length ? `, ${plan.refused.length} refused` : ''}.
          </p>
          <ul className="small">
            {plan.accepted.map((a) => (
              <li key={a.node}>
                <StatusBadge kind="ok" label={a.node} /> {a.runtime}
                {a.gpuIndices.length ? `, GPU ${a.gpuIndices.join(', ')}` : ''}
              </li>
            ))}
            {plan.refused.map((r) => (
              <li key={r.node}>
                <StatusBadge kind="error" label={r.node} /> {r.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="row">
        <button type="button" className="secondary" disabled={busy || problems.length > 0} onClick={() => void check()}>
          Check placement
        </button>
        <button type="button" disabled={busy || !plan || plan.accepted.length === 0} onClick={() => void apply()}>
          Apply to {plan?.accepted.length ?? 0} node(s)
        </button>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

function DeploymentDetail({ name, onEdit, onChanged }: { name: string; onEdit: (yaml: string) => void; onChanged: () => void }) {
  const status = useQuery('deploy.status', { name });
  const { frame } = useStream('deploy.rollout', { name });
  const rollout = frame ?? status.data?.rollout ?? undefined;
  const [error, setError] = useState<AppError>();
  const [logs, setLogs] = useState<{ node: string; text: string }>();
  const [drift, setDrift] = useState<ResponseOf<'deploy.drift'>['nodes']>();
  const [repairing, setRepairing] = useState(false);
  const checkDrift = async () => {
    const r = await bridge.invoke('deploy.drift', { name });
    if (r.ok) setDrift(r.value.nodes);
    else setError(r.error);
  };
  const reconcile = async () => {
    setRepairing(true);
    const r = await bridge.invoke('deploy.reconcile', { name });
    setRepairing(false);
    if (!r.ok) return setError(r.error);
    await checkDrift();
  };
  useEffect(() => {
    // A rollout that ends changes the revisions (succeeded) and the list badge.
    if (frame && !['running', 'paused', 'rolling-back'].includes(frame.status)) {
      status.reload();
      onChanged();
    }
  }, [frame?.status]);
  const control = async (action: 'pause' | 'resume' | 'abort' | 'halt' | 'rollback') => {
    const r = await bridge.invoke('deploy.control', { name, action });
    if (!r.ok) setError(r.error);
    else setError(undefined);
  };
  const showLogs = async (node: string) => {
    const r = await bridge.invoke('deploy.logs', { name, node, tail: 200 });
    if (r.ok) setLogs({ node, text: r.value.text });
    else setError(r.error);
  };
  const live = rollout && ['running', 'paused', 'rolling-back'].includes(rollout.status);
  return (
    <section className="card deploy-detail" aria-label={`Deployment ${name}`}>
      <div className="row">
        <h2>{name}</h2>
        {rollout ? <StatusBadge kind={STATUS_BADGE[rollout.status]} label={rollout.status} /> : null}
        <span className="spacer" />
        {rollout?.status === 'running' ? (
          <button type="button" className="secondary" onClick={() => void control('pause')}>
            Pause
          </button>
        ) : null}
        {rollout?.status === 'paused' || rollout?.status === 'interrupted' ? (
          <button type="button" onClick={() => void control('resume')}>
            Resume
          </button>
        ) : null}
        {rollout?.status === 'interrupted' ? (
          <button type="button" className="secondary" onClick={() => void control('halt')}>
            Halt
          </button>
        ) : null}
        {live ? (
          <button type="button" className="danger" onClick={() => void control('abort')}>
            Abort
          </button>
        ) : null}
        {!live ? (
          <button type="button" className="secondary" onClick={() => void control('rollback')}>
            Roll back
          </button>
        ) : null}
        {status.data?.revisions.at(-1) ? (
          <button type="button" className="secondary" onClick={() => onEdit(status.data!.revisions.at(-1)!.yaml)}>
            Edit spec
          </button>
        ) : null}
      </div>
      <ErrorNote error={error ?? status.error} />
      {!live && rollout ? (
        <div className="row">
          <button type="button" className="secondary" onClick={() => void checkDrift()}>
            Check drift
          </button>
          {drift?.some((d) => !d.ok) ? (
            <button type="button" disabled={repairing} onClick={() => void reconcile()}>
              {repairing ? 'Reconciling…' : 'Reconcile'}
            </button>
          ) : null}
          {drift ? (
            <span className="small" data-testid="drift">
              {drift.every((d) => d.ok)
                ? 'No drift: every node runs what it should.'
                : drift
                    .filter((d) => !d.ok)
                    .map(
                      (d) =>
                        `${d.node} runs ${d.running.map((r) => `r${r}`).join(',') || 'nothing'}, should run ${d.expected === null ? 'nothing' : `r${d.expected}`}${d.error ? ` (${d.error})` : ''}`,
                    )
                    .join('; ')}
            </span>
          ) : null}
        </div>
      ) : null}
      {rollout ? <Timeline rollout={rollout} onLogs={(n) => void showLogs(n)} /> : null}
      {logs ? (
        <div>
          <div className="row">
            <h3>
              Log of {name} on {logs.node}
            </h3>
            <span className="spacer" />
            <button type="button" className="secondary" onClick={() => setLogs(undefined)}>
              Close log
            </button>
          </div>
          <pre className="output" data-testid="container-log">
            {logs.text || '(empty)'}
          </pre>
        </div>
      ) : null}
      {status.data ? (
        <table className="data-table">
          <caption>Revisions</caption>
          <thead>
            <tr>
              <th>Revision</th>
              <th>Image (pinned)</th>
              <th>Spec</th>
              <th>Created</th>
              <th>Ran everywhere</th>
            </tr>
          </thead>
          <tbody>
            {[...status.data.revisions].reverse().map((r) => (
              <tr key={r.revision}>
                <td>{r.revision}</td>
                <td className="small">{r.pinnedImage ?? r.image}</td>
                <td className="small">
                  <code>{r.specHash.slice(0, 19)}…</code>
                </td>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.succeededAt ? new Date(r.succeededAt).toLocaleString() : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** The rollout as waves of nodes, each with its step, what it is doing, and a progress bar. */
function Timeline({ rollout, onLogs }: { rollout: Rollout; onLogs: (node: string) => void }) {
  return (
    <div className="timeline" data-testid="rollout-timeline" data-status={rollout.status}>
      <p>
        Revision {rollout.revision} ({rollout.kind}) · {rollout.message}
      </p>
      <p className="small">
        Image {rollout.image} pinned as <code>{rollout.pinnedImage}</code> · started {new Date(rollout.startedAt).toLocaleString()} by{' '}
        {rollout.by}
      </p>
      {rollout.waves.map((wave, w) => (
        <div key={w} className="wave">
          <h3>{w === 0 ? 'Canary' : `Wave ${w}`}</h3>
          {wave.map((n) => {
            const s = rollout.nodes[n]!;
            return (
              <div key={n} className="wave-node" data-node={n} data-state={s.state}>
                <strong>{n}</strong> <StatusBadge kind={STEP_BADGE[s.state]} label={s.state} />
                <span className="small">{s.detail}</span>
                {s.progress !== null ? <progress max={1} value={s.progress} aria-label={`${n} ${s.state} progress`} /> : null}
                <button type="button" className="secondary small" onClick={() => onLogs(n)}>
                  Logs
                </button>
              </div>
            );
          })}
        </div>
      ))}
      {rollout.refused.length ? (
        <div className="wave">
          <h3>Refused</h3>
          {rollout.refused.map((r) => (
            <div key={r.node} className="wave-node">
              <strong>{r.node}</strong> <StatusBadge kind="error" label="refused" /> <span className="small">{r.reason}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
