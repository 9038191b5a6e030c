import { useEffect, useRef, type ReactNode } from 'react';

/**
 * An inline confirmation for a change that acts on nodes: what will happen, in a sentence or a
 * list, then the one button that does it. Escape or Cancel backs out; focus lands on Cancel, so a
 * stray Enter never starts a rollout.
 */
export function ConfirmBox({
  label,
  children,
  confirm,
  onConfirm,
  onCancel,
  danger,
}: {
  label: string;
  children: ReactNode;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="confirm" role="alertdialog" aria-label={label} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      {children}
      <div className="row">
        <button type="button" className={danger ? 'danger' : undefined} onClick={onConfirm}>
          {confirm}
        </button>
        <button ref={cancel} type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
