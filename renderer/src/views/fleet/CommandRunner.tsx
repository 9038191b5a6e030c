import { useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { bridge } from '../../bridge';
import { ProgressTask } from '../../components/ProgressTask';
import { StatusBadge, type StatusKind } from '../../components/StatusBadge';
import { navigate } from '../../hooks/useRoute';
import { selectNodes, type FleetNode, type Selection } from '../../../../shared/fleet.js';
import { redactCommand } from '../../../../shared/command-redaction.js';
import { PALETTE, type FleetRunSummary, type NodeRunOutcome, type PaletteId } from '../../../../shared/fleet-commands.js';
import type { AppError } from '../../../../shared/errors.js';

const OUTCOME: Record<NodeRunOutcome, StatusKind> = {
  ok: 'ok',
  failed: 'error',
  unreachable: 'offline',
  timeout: 'warn',
  cancelled: 'warn',
  'auth-failed': 'error',
  hostkey: 'warn',
  disabled: 'offline',
  'not-found': 'unknown',
};
const PANE_CHARS = 64 * 1024;

interface Pane {
  text: string;
  outcome?: NodeRunOutcome;
  message?: string;
  action?: string;
}

function describe(selection: Selection): string {
  switch (selection.kind) {
    case 'all':
      return 'all enabled nodes';
    case 'site':
      return `site ${selection.site}`;
    case 'department':
      return `${selection.site} / ${selection.department}`;
    case 'tag':
      return `tag ${selection.tag}`;
    case 'role':
      return `role ${selection.role}`;
    case 'nodes':
      return `${selection.nodes.length} filtered node(s)`;
  }
}

/** Run a check or a command on a selection; each node's output in its own pane, as it arrives. */
export function CommandRunner({ nodes, selection }: { nodes: FleetNode[]; selection: Selection }) {
  const [palette, setPalette] = useState<PaletteId | ''>('gpu-summary');
  const [command, setCommand] = useState('');
  const [confirming, setConfirming] = useState(false);
  const recorded = useMemo(() => redactCommand(command), [command]);
  const [run, setRun] = useState<{ runId: string; nodes: string[] }>();
  const [panes, setPanes] = useState<Record<string, Pane>>({});
  const [summary, setSummary] = useState<FleetRunSummary>();
  const [error, setError] = useState<AppError>();
  const pending = useRef<Record<string, Pane>>({});
  const raf = useRef(0);
  const panesRef = useRef<Record<string, Pane>>({});
  const targets = selectNodes(nodes, selection);

  useEffect(() => {
    if (!run) return undefined;
    const flush = () => {
      raf.current = 0;
      const batch = pending.current;
      pending.current = {};
      setPanes((prev) => ({ ...prev, ...batch }));
    };
    return bridge.subscribe(
      'fleet.run',
      { runId: run.runId },
      (f) => {
        if ('summary' in f) {
          setSummary(f.summary);
          return;
        }
        const current = pending.current[f.node] ?? panesRef.current[f.node] ?? { text: '' };
        const next: Pane =
          'text' in f
            ? { ...current, text: (current.text + f.text).slice(-PANE_CHARS) }
            : {
                text: current.text || f.done.stdout + (f.done.stderr ? `\n${f.done.stderr}` : ''),
                outcome: f.done.outcome,
                message: f.done.message,
                action: f.done.action,
              };
        pending.current[f.node] = next;
        panesRef.current[f.node] = next;
        if (!raf.current) raf.current = requestAnimationFrame(flush);
      },
      setError,
    );
  }, [run]);

  const start = async (confirmed: boolean) => {
    setError(undefined);
    setSummary(undefined);
    setPanes({});
    panesRef.current = {};
    const r = await bridge.invoke('fleet.run.start', {
      selection,
      ...(palette ? { palette } : { command }),
      confirmed,
      concurrency: 32,
      timeoutS: 60,
    });
    setConfirming(false);
    if (!r.ok) return setError(r.error);
    setRun(r.value);
  };

  const finished = Object.values(panes).filter((p) => p.outcome).length;
  const state = summary
    ? summary.counts.cancelled > 0
      ? 'cancelled'
      : summary.counts.ok === summary.total
        ? 'done'
        : 'failed'
    : 'running';

  return (
    <div className="view runner">
      <header className="view-header">
        <h1>Run on the fleet</h1>
        <span className="small">
          Target: {describe(selection)} ({targets.length} node{targets.length === 1 ? '' : 's'})
        </span>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => navigate('fleet')}>
          Back to fleet
        </button>
      </header>
      <section className="card">
        <fieldset className="palette">
          <legend>Read-only checks</legend>
          {PALETTE.map((p) => (
            <label key={p.id} className="inline">
              <input type="radio" name="palette" checked={palette === p.id} onChange={() => setPalette(p.id)} />
              {p.label} <code className="small">{p.command}</code>
            </label>
          ))}
          <label className="inline">
            <input type="radio" name="palette" checked={palette === ''} onChange={() => setPalette('')} />
            Free command
          </label>
        </fieldset>
        {palette === '' ? (
          <label className="block">
            Command (runs with the node’s login shell)
            <textarea value={command} onChange={(e) => setCommand(e.target.value)} rows={2} spellCheck={false} aria-label="Free command" />
          </label>
        ) : null}
        {confirming ? (
          <div className="confirm" role="alertdialog" aria-label="Confirm command">
            <p>
              Run <code>{command}</code> on {targets.length} node(s)? It is recorded in the audit log, node by node.
            </p>
            {recorded.redactions.length ? (
              <p className="small" aria-label="Recorded as">
                Recorded as <code>{recorded.text}</code>: {recorded.redactions.length} secret(s) redacted (
                {[...new Set(recorded.redactions.map((r) => r.shape))].join(', ')}).
              </p>
            ) : null}
            <div className="row">
              <button type="button" onClick={() => void start(true)}>
                Run it
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <div className="row">
            <button
              type="button"
              disabled={(palette === '' && !command.trim()) || targets.length === 0 || (run !== undefined && !summary)}
              onClick={() => (palette === '' ? setConfirming(true) : void start(false))}
            >
              {palette === '' ? 'Review and run' : 'Run check'}
            </button>
          </div>
        )}
        <ErrorNote error={error} />
      </section>
      {run ? (
        <>
          <ProgressTask
            label={`${palette ? PALETTE.find((p) => p.id === palette)?.label : 'Command'} on ${run.nodes.length} node(s)`}
            done={summary ? summary.total : finished}
            total={run.nodes.length}
            state={state}
            {...(summary
              ? {
                  detail: Object.entries(summary.counts)
                    .filter(([, n]) => n > 0)
                    .map(([k, n]) => `${n} ${k}`)
                    .join(', '),
                }
              : {})}
            onCancel={() => void bridge.invoke('fleet.run.cancel', { runId: run.runId })}
          />
          <div className="panes" data-testid="run-panes">
            {run.nodes.map((name) => {
              const p = panes[name];
              return (
                <article key={name} className="pane" data-node={name} data-outcome={p?.outcome ?? 'running'}>
                  <header className="row spread">
                    <strong>{name}</strong>
                    <StatusBadge kind={p?.outcome ? OUTCOME[p.outcome] : 'pending'} label={p?.outcome ?? 'running'} />
                  </header>
                  {p?.message ? <p className="small">{p.message}</p> : null}
                  {p?.action && p.outcome !== 'ok' ? <p className="small">→ {p.action}</p> : null}
                  <pre>{p?.text ?? ''}</pre>
                </article>
              );
            })}
          </div>
        </>
      ) : null}
    </div>
  );
}
