import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import type { AppError } from '../../../shared/errors.js';
import { bridge } from '../bridge';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { StatusBadge } from '../components/StatusBadge';
import { STATUS_BADGE } from './deploy/badges';
import { ConfirmBox } from '../components/ConfirmBox';
import { DeploymentDetail } from './deploy/DeploymentDetail';
import { useYamlProblems, YamlProblemList, YamlTextArea } from '../components/YamlProblems';
import { useQuery } from '../hooks/useBridge';

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

type Plan = ResponseOf<'deploy.plan'>;

/** Specs, revisions and live rollouts: edit a spec (checked as you type), see its placement, apply, watch, roll back. */
export function DeploymentsView({ open }: { open?: string | undefined } = {}) {
  const list = useQuery('deploy.list', {});
  const [selected, setSelected] = useState<string | undefined>(open);
  // Opened by name (the command palette, a link): that one, whatever was selected before.
  useEffect(() => {
    if (open) setSelected(open);
  }, [open]);
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
              <strong>{d.name}</strong> r{d.rollout?.revision ?? d.revision}
              {d.rollout?.kind === 'rollback' ? ' (rolled back)' : ''}{' '}
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
  const [confirming, setConfirming] = useState(false);
  const [emergency, setEmergency] = useState('');
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
    setConfirming(false);
    setBusy(true);
    const r = await bridge.invoke('deploy.apply', { text, ...(emergency.trim() ? { emergency: emergency.trim() } : {}) });
    setBusy(false);
    if (r.ok) onApplied(r.value.deployment);
    else setError(r.error);
  };
  return (
    <section className="card spec-editor" aria-label="Spec editor">
      <h2>Spec</h2>
      <YamlTextArea label="Deployment spec (YAML)" value={text} onChange={setText} invalid={problems.length > 0} />
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
                {a.gpuIndices.length ? `, GPU ${a.gpuIndices.join(', ')}` : ''}; {a.deliveryWhy}
              </li>
            ))}
            {plan.refused.map((r) => (
              <li key={r.node}>
                <StatusBadge kind="error" label={r.node} /> {r.reason}
              </li>
            ))}
          </ul>
          {plan.waves.some((w) => w.waitsFor.length) ? (
            <>
              <ul className="small" data-testid="plan-waits">
                {plan.waves.map((w, i) =>
                  w.waitsFor.length ? (
                    <li key={i}>
                      <StatusBadge kind="pending" label={i === 0 ? 'Wave 1' : `Wave ${i + 1}`} /> ({w.nodes.join(', ')}){' '}
                      {w.waitsFor.join('; ')}
                    </li>
                  ) : null,
                )}
              </ul>
              <label>
                Emergency change: why it cannot wait for the window (audited; leave empty to wait){' '}
                <input value={emergency} onChange={(e) => setEmergency(e.target.value)} maxLength={500} />
              </label>
            </>
          ) : null}
        </div>
      ) : null}
      {confirming && plan ? (
        <ConfirmBox
          label="Confirm apply"
          confirm={`Roll out to ${plan.accepted.length} node(s)`}
          onConfirm={() => void apply()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            {plan.name} (spec <code>{plan.specHash.slice(0, 19)}…</code>) goes to {plan.accepted.map((a) => a.node).join(', ')}: the canary
            first, then wave by wave as the spec says, each node behind its health gate and soak. What each node runs of {plan.name} now is
            stopped when the new revision starts there, and comes back if it fails.
            {plan.refused.length ? ` Left out: ${plan.refused.map((r) => r.node).join(', ')}.` : ''}
          </p>
        </ConfirmBox>
      ) : null}
      <div className="row">
        <button type="button" className="secondary" disabled={busy || problems.length > 0} onClick={() => void check()}>
          Check placement
        </button>
        <button type="button" disabled={busy || !plan || plan.accepted.length === 0} onClick={() => setConfirming(true)}>
          Apply to {plan?.accepted.length ?? 0} node(s)…
        </button>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
