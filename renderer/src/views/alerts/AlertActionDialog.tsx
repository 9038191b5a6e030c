import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Alert, AlertRuleKind } from '../../../../shared/alerts.js';

export type AlertAction = { kind: 'ack'; alert: Alert } | { kind: 'silence'; alert: Alert };

export interface SilenceRequest {
  alertId?: string;
  node?: string;
  rule?: AlertRuleKind;
  forMs: number;
  reason: string;
}

const DURATIONS: [string, number][] = [
  ['30 minutes', 30 * 60_000],
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['12 hours', 12 * 3_600_000],
  ['24 hours', 24 * 3_600_000],
  ['3 days', 3 * 24 * 3_600_000],
  ['7 days', 7 * 24 * 3_600_000],
];

/**
 * Acknowledge with a note, or silence for a time with a reason: both go to the audit trail, so the
 * dialog says who will see it. Escape or Cancel backs out.
 */
export function AlertActionDialog({
  action,
  alertmanagers,
  onAck,
  onSilence,
  onClose,
}: {
  action: AlertAction;
  /** The Alertmanagers an acknowledgement can also silence the alert in (none: the choice is not shown). */
  alertmanagers: string[];
  onAck: (id: string, note: string, silenceMinutes?: number) => void;
  onSilence: (s: SilenceRequest) => void;
  onClose: () => void;
}) {
  const { alert } = action;
  const [note, setNote] = useState('');
  const [scope, setScope] = useState<'alert' | 'node' | 'rule'>('alert');
  const [forMs, setForMs] = useState(DURATIONS[1]![1]);
  const [amForMs, setAmForMs] = useState(0);
  const first = useRef<HTMLTextAreaElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.kind === 'ack') return onAck(alert.id, note.trim(), amForMs ? amForMs / 60_000 : undefined);
    const match =
      scope === 'alert' ? { alertId: alert.id } : scope === 'node' ? { node: alert.node } : { node: alert.node, rule: alert.rule };
    onSilence({ ...match, forMs, reason: note.trim() });
  };
  const silencing = action.kind === 'silence';
  return (
    <div className="modal-backdrop">
      <form
        className="modal card form"
        role="dialog"
        aria-modal="true"
        aria-label={silencing ? `Silence ${alert.id}` : `Acknowledge ${alert.id}`}
        onSubmit={submit}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2>{silencing ? 'Silence' : 'Acknowledge'}</h2>
        <p>
          <strong>{alert.node}</strong>: {alert.message}
        </p>
        {silencing ? (
          <>
            <fieldset>
              <legend>Silence</legend>
              <label className="row">
                <input type="radio" name="scope" checked={scope === 'alert'} onChange={() => setScope('alert')} /> this alert only
              </label>
              <label className="row">
                <input type="radio" name="scope" checked={scope === 'rule'} onChange={() => setScope('rule')} /> every {alert.rule} alert on{' '}
                {alert.node}
              </label>
              <label className="row">
                <input type="radio" name="scope" checked={scope === 'node'} onChange={() => setScope('node')} /> every alert on {alert.node}
              </label>
            </fieldset>
            <label>
              For
              <select value={forMs} onChange={(e) => setForMs(Number(e.target.value))}>
                {DURATIONS.map(([label, ms]) => (
                  <option key={ms} value={ms}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : alertmanagers.length ? (
          <label>
            Also silence it in Alertmanager ({alertmanagers.join(', ')}), so the page stops repeating
            <select value={amForMs} onChange={(e) => setAmForMs(Number(e.target.value))}>
              <option value={0}>no</option>
              {DURATIONS.map(([label, ms]) => (
                <option key={ms} value={ms}>
                  for {label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          {silencing ? 'Reason (required: a ticket, the repair under way)' : 'Note (optional: what you are doing about it)'}
          <textarea
            ref={first}
            rows={3}
            maxLength={500}
            required={silencing}
            minLength={silencing ? 3 : undefined}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        <p className="small">
          {silencing
            ? 'Silenced alerts still fire, show and are recorded; they notify no one and leave the count in the navigation until the silence ends.'
            : 'Recorded in the audit log under your name.'}
        </p>
        <div className="row">
          <button type="submit" disabled={silencing && note.trim().length < 3}>
            {silencing ? 'Silence' : 'Acknowledge'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
