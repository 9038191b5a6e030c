import type { AppError } from '../../../shared/errors.js';
import { StatusBadge } from './StatusBadge';

/** An error as the user sees it everywhere: what happened (badge) and what to do next. */
export function ErrorNote({ error }: { error: AppError | undefined }) {
  if (!error) return null;
  return (
    <p role="alert" className="error-note">
      <StatusBadge kind="error" label={error.message} /> {error.action}
    </p>
  );
}
