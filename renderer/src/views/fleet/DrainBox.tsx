import { useState } from 'react';

const FOR: [string, number | undefined][] = [
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['12 hours', 12 * 3_600_000],
  ['24 hours', 24 * 3_600_000],
  ['until undrained', undefined],
];

/**
 * Drain (maintenance mode) with a reason and an end: the node(s) take no new placements and their
 * alerts wake no one until then. Recorded in the audit log.
 */
export function DrainBox({
  nodes,
  onDrain,
  onCancel,
}: {
  nodes: string[];
  onDrain: (reason: string, until: number | undefined) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const [pick, setPick] = useState(1);
  return (
    <form
      className="confirm"
      aria-label="Drain"
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      onSubmit={(e) => {
        e.preventDefault();
        const ms = FOR[pick]![1];
        if (reason.trim()) onDrain(reason.trim(), ms === undefined ? undefined : Date.now() + ms);
      }}
    >
      <p>
        Drain <strong>{nodes.join(', ')}</strong>: no new placements, alerts recorded but not notified, counted as down for redundancy.
      </p>
      <div className="row">
        <label className="grow">
          Reason
          <input value={reason} maxLength={500} placeholder="fan swap, ticket INC-4411" onChange={(e) => setReason(e.target.value)} />
        </label>
        <label>
          For
          <select value={pick} onChange={(e) => setPick(Number(e.target.value))}>
            {FOR.map(([label], i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <button type="submit" disabled={!reason.trim()}>
          Drain {nodes.length > 1 ? `${nodes.length} nodes` : nodes[0]}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
