import type { AuditAction } from '../../../shared/audit.js';

declare const intentBrand: unique symbol;

/**
 * Proof that an action's intent is on disk in the audit log. Stores that change shared state ask
 * for one, so no code can change them outside the pipeline (intent → act → outcome): the only
 * place that makes an Intent is AuditLog.begin, after the intent record is durable.
 */
export interface Intent {
  /** The seq of the intent record. */
  readonly seq: number;
  readonly action: AuditAction;
  readonly [intentBrand]: true;
}

/** Only the audit log calls this (not re-exported anywhere else). */
export function mintIntent(seq: number, action: AuditAction): Intent {
  return Object.freeze({ seq, action }) as Intent;
}

/** The process that acts, written on every intent so a later start can tell whether it still runs. */
export interface ProcessRef {
  host: string;
  pid: number;
}
