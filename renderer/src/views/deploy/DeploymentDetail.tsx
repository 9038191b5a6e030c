import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../../shared/contract/index.js';
import type { Rollout } from '../../../../shared/deploy/rollout.js';
import type { AppError } from '../../../../shared/errors.js';
import { bridge } from '../../bridge';
import { ErrorNote } from '../../components/ErrorNote';
import { StatusBadge } from '../../components/StatusBadge';
import { useQuery, useStream } from '../../hooks/useBridge';
import { STATUS_BADGE, STEP_BADGE } from './badges';
import { ConfirmBox } from '../../components/ConfirmBox';
import { formatTime } from '../../time';

export function DeploymentDetail({ name, onEdit, onChanged }: { name: string; onEdit: (yaml: string) => void; onChanged: () => void }) {
  const status = useQuery('deploy.status', { name });
  const { frame } = useStream('deploy.rollout', { name });
  const rollout = frame ?? status.data?.rollout ?? undefined;
  const [error, setError] = useState<AppError>();
  const [logs, setLogs] = useState<{ node: string; text: string }>();
  const [drift, setDrift] = useState<ResponseOf<'deploy.drift'>['nodes']>();
  const [repairing, setRepairing] = useState(false);
  const [asking, setAsking] = useState<'rollback' | 'halt' | 'reconcile'>();
  const [rollbackTo, setRollbackTo] = useState<number>();
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
  const control = async (action: 'pause' | 'resume' | 'abort' | 'halt' | 'rollback', revision?: number) => {
    setAsking(undefined);
    const r = await bridge.invoke('deploy.control', { name, action, ...(revision ? { revision } : {}) });
    if (!r.ok) setError(r.error);
    else setError(undefined);
  };
  // Revisions a rollback can go to: those that once ran everywhere, other than the one of the rollout.
  const ways = (status.data?.revisions ?? []).filter((r) => r.succeededAt !== null && r.revision !== rollout?.revision).reverse();
  const askRollback = () => {
    setRollbackTo(ways.find((r) => r.revision < (rollout?.revision ?? 0))?.revision ?? ways[0]?.revision);
    setAsking('rollback');
  };
  const stepsIn = (state: string) => Object.values(rollout?.nodes ?? {}).filter((x) => x.state === state).length;
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
          <button type="button" className="secondary" onClick={() => setAsking('halt')}>
            Halt…
          </button>
        ) : null}
        {live ? (
          <button type="button" className="danger" onClick={() => void control('abort')}>
            Abort
          </button>
        ) : null}
        {!live ? (
          <button type="button" className="secondary" disabled={ways.length === 0} onClick={askRollback}>
            Roll back…
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
            <button type="button" disabled={repairing} onClick={() => setAsking('reconcile')}>
              {repairing ? 'Reconciling…' : 'Reconcile…'}
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
      {asking === 'rollback' && rollout ? (
        <ConfirmBox
          label="Confirm rollback"
          confirm={`Roll back to r${rollbackTo ?? '?'}`}
          onConfirm={() => void control('rollback', rollbackTo)}
          onCancel={() => setAsking(undefined)}
        >
          <label>
            Back to revision{' '}
            <select value={rollbackTo ?? ''} onChange={(e) => setRollbackTo(Number(e.target.value))}>
              {ways.map((r) => (
                <option key={r.revision} value={r.revision}>
                  r{r.revision}: {r.image} (ran everywhere {formatTime(r.succeededAt!)})
                </option>
              ))}
            </select>
          </label>
          <p>
            {name} goes from r{rollout.revision} to r{rollbackTo} on {Object.keys(rollout.nodes).length} node(s), wave by wave as its spec
            says, each behind the health gate. Nodes running r{rollout.revision} stop it; its containers are removed once every node runs r
            {rollbackTo}.
          </p>
        </ConfirmBox>
      ) : null}
      {asking === 'halt' && rollout ? (
        <ConfirmBox label="Confirm halt" confirm="Halt it" onConfirm={() => void control('halt')} onCancel={() => setAsking(undefined)}>
          <p>
            The interrupted rollout of r{rollout.revision} is left where it stopped: {stepsIn('done')} node(s) keep r{rollout.revision},{' '}
            {stepsIn('pending')} never reached keep what they ran before, the rest stay as they are now. Check drift afterwards.
          </p>
        </ConfirmBox>
      ) : null}
      {asking === 'reconcile' && drift ? (
        <ConfirmBox
          label="Confirm reconcile"
          confirm="Reconcile"
          onConfirm={() => {
            setAsking(undefined);
            void reconcile();
          }}
          onCancel={() => setAsking(undefined)}
        >
          <ul>
            {drift
              .filter((d) => !d.ok)
              .map((d) => (
                <li key={d.node}>
                  {d.node}: stop{' '}
                  {d.running
                    .filter((r) => r !== d.expected)
                    .map((r) => `r${r}`)
                    .join(', ') || 'nothing'}
                  , then {d.expected === null ? 'run nothing of it' : `start r${d.expected} behind its health gate`}
                </li>
              ))}
          </ul>
        </ConfirmBox>
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
                <td>{formatTime(r.createdAt)}</td>
                <td>{r.succeededAt ? formatTime(r.succeededAt) : 'no'}</td>
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
        Image {rollout.image} pinned as <code>{rollout.pinnedImage}</code> · started {formatTime(rollout.startedAt)} by {rollout.by}
      </p>
      {rollout.waves.map((wave, w) => (
        <div key={w} className="wave">
          <h3>{w === 0 ? 'Canary' : `Wave ${w}`}</h3>
          {wave.map((n) => {
            const s = rollout.nodes[n]!;
            return (
              <div key={n} className="wave-node" data-node={n} data-state={s.state}>
                <strong>{n}</strong> <StatusBadge kind={STEP_BADGE[s.state]} label={s.state} />
                {s.delivery === 'push' ? (
                  <span className="small" title="The console sends the image over SSH (no registry route)">
                    pushed
                  </span>
                ) : null}
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
