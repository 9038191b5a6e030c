/** Status is never told by color alone: every badge has a distinct shape and a word. */
export type StatusKind = 'ok' | 'warn' | 'error' | 'info' | 'offline' | 'pending' | 'unknown';

const SHAPES: Record<StatusKind, { icon: string; word: string }> = {
  ok: { icon: '✔', word: 'OK' },
  warn: { icon: '▲', word: 'Warning' },
  error: { icon: '✖', word: 'Failed' },
  info: { icon: 'ℹ', word: 'Info' },
  offline: { icon: '⊘', word: 'Offline' },
  pending: { icon: '◌', word: 'Pending' },
  unknown: { icon: '?', word: 'Unknown' },
};

export function StatusBadge({ kind, label, title }: { kind: StatusKind; label?: string; title?: string }) {
  const shape = SHAPES[kind];
  return (
    <span className={`badge badge-${kind}`} title={title} data-status={kind}>
      <span className="badge-icon" aria-hidden="true">
        {shape.icon}
      </span>
      <span>{label ?? shape.word}</span>
    </span>
  );
}
