import { useEffect, useState } from 'react';
import type { AppError } from '../../../shared/errors.js';
import { runSummary, type JobRun } from '../../../shared/jobs/job-run.js';
import { bridge } from '../bridge';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { useQuery } from '../hooks/useBridge';
import { formatTime } from '../time';

const EXAMPLE = `kind: job
name: ehr-deid-nightly
image: registry.example/nlp/deid:2.1
gpus: {count: 1}
volumes:
  - {host: /data/notes, container: /in}
  - {host: /data/deid, container: /out, readOnly: false}
targets: {tags: [nlp]}
job: {shards: 8, parallelism: 1, retries: 2, backoffS: 30, deadlineS: 14400}
`;

const STATE_LABEL: Record<JobRun['state'], string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  deadline: 'Deadline passed',
  interrupted: 'Interrupted (its console stopped)',
};

/**
 * Batch jobs and their runs: each run with a progress bar from its shards' EDGEWARD_PROGRESS lines
 * and its summary in counts. The list is read again every 2 s, so a run started from the CLI or
 * another window shows here as it moves.
 */
export function JobsView() {
  const list = useQuery('jobs.list', {});
  const [error, setError] = useState<AppError>();
  const [editing, setEditing] = useState<string>();
  const { reload } = list;
  useEffect(() => {
    const t = setInterval(reload, 2000);
    return () => clearInterval(t);
  }, [reload]);
  const act = async (p: Promise<{ ok: true } | { ok: false; error: AppError }>) => {
    const r = await p;
    setError(r.ok ? undefined : r.error);
    reload();
  };
  return (
    <div className="view jobs-view">
      <header className="view-header">
        <h1>Jobs</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setEditing(EXAMPLE)}>
          New job
        </button>
      </header>
      <ErrorNote error={list.error ?? error} />
      {editing !== undefined ? (
        <form
          className="job-editor"
          onSubmit={(e) => {
            e.preventDefault();
            void act(bridge.invoke('jobs.apply', { yaml: editing })).then(() => setEditing(undefined));
          }}
        >
          <label>
            Job (YAML, kind: job)
            <textarea value={editing} rows={12} spellCheck={false} onChange={(e) => setEditing(e.target.value)} />
          </label>
          <div className="actions">
            <button type="submit">Apply</button>
            <button type="button" onClick={() => setEditing(undefined)}>
              Close
            </button>
          </div>
        </form>
      ) : null}
      {list.data && list.data.jobs.length === 0 ? (
        <EmptyState title="No batch jobs yet">
          <p>
            A job runs to completion: its work split into shards over the target nodes, each retried, under a deadline. Start from New job.
          </p>
        </EmptyState>
      ) : null}
      {list.data?.jobs.map((j) => {
        const runs = list.data!.runs.filter((r) => r.job === j.name);
        const running = runs.find((r) => r.state === 'running');
        return (
          <section key={j.name} className="job" aria-label={`Job ${j.name}`} data-job={j.name}>
            <header className="job-header">
              <h2>{j.name}</h2>
              <span className="muted">
                {j.image} · {j.shards} shard(s) · by {j.by}
              </span>
              <span className="spacer" />
              {running ? (
                <button type="button" onClick={() => void act(bridge.invoke('jobs.cancel', { run: running.id }))}>
                  Cancel run
                </button>
              ) : (
                <button type="button" onClick={() => void act(bridge.invoke('jobs.run', { name: j.name }))}>
                  Run now
                </button>
              )}
            </header>
            {runs.length === 0 ? <p className="muted">No runs yet.</p> : null}
            <ul className="job-runs">
              {runs.map((r) => (
                <RunRow key={r.id} run={r} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

function RunRow({ run }: { run: JobRun }) {
  const s = runSummary(run);
  const label = `Run ${run.id}: ${s.itemsDone} of ${s.itemsTotal || '?'} items`;
  return (
    <li className={`job-run job-run-${run.state}`} data-run={run.id} data-state={run.state}>
      <span className="job-run-state">{STATE_LABEL[run.state]}</span>
      <progress max={s.itemsTotal || 1} value={s.itemsTotal ? s.itemsDone : 0} aria-label={label} />
      <span className="job-run-summary">
        {s.itemsDone}/{s.itemsTotal || '?'} items · {s.shardsDone}/{s.shards} shards
        {s.shardsFailed ? ` · ${s.shardsFailed} failed` : ''}
        {s.retries ? ` · ${s.retries} retries` : ''} · {s.durationS} s{s.exitCodes.length ? ` · exit ${s.exitCodes.join(', ')}` : ''}
      </span>
      <span className="muted">
        {run.trigger === 'schedule' ? 'scheduled' : `by ${run.by}`} · {formatTime(run.startedAt)}
      </span>
      {run.state === 'running' && run.waiting ? (
        <span className="job-run-waiting" role="status">
          Waiting: {run.waiting}
        </span>
      ) : null}
    </li>
  );
}
