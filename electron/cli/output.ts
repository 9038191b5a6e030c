import type { AppError } from '../../shared/errors.js';

export interface CliOutput {
  json: boolean;
  print(text: string): void;
  error(text: string): void;
}

/**
 * Prints an error (JSON for machines; message, details and next step for people) and returns the
 * exit status: 2 when the caller's input is at fault, 1 when the operation failed.
 */
export function reportError(e: AppError, out: CliOutput): number {
  if (out.json) out.print(JSON.stringify({ error: e }));
  else {
    out.error(`edgeward: ${e.message}`);
    for (const d of e.details ?? []) out.error(`  ${d.path}: ${d.message}`);
    out.error(`  → ${e.action}`);
  }
  return e.code === 'VALIDATION' || e.code === 'NOT_FOUND' || e.code === 'CONFLICT' ? 2 : 1;
}
