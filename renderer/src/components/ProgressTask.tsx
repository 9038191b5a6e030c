import { StatusBadge } from './StatusBadge';

export type TaskState = 'running' | 'done' | 'failed' | 'cancelled';

/**
 * Progress of long work (pulls, rollouts, fleet commands): what is happening, how far along,
 * and a Cancel that is always within reach while it runs.
 */
export function ProgressTask({
  label,
  done,
  total,
  state,
  detail,
  onCancel,
}: {
  label: string;
  done: number;
  total: number | undefined;
  state: TaskState;
  detail?: string;
  onCancel?: () => void;
}) {
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  const badge = { running: 'pending', done: 'ok', failed: 'error', cancelled: 'warn' } as const;
  const words = { running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' } as const;
  return (
    <div className="progress-task" aria-busy={state === 'running'}>
      <div className="row spread">
        <span className="progress-label">{label}</span>
        <StatusBadge kind={badge[state]} label={words[state]} />
      </div>
      <progress max={total ?? undefined} value={total ? done : undefined} aria-label={label}>
        {pct !== undefined ? `${pct}%` : ''}
      </progress>
      <div className="row spread small">
        <span>
          {total ? `${done} of ${total} (${pct}%)` : `${done} done`}
          {detail ? ` · ${detail}` : ''}
        </span>
        {state === 'running' && onCancel ? (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
