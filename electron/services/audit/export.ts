import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { AuditFilter, AuditRecord } from '../../../shared/audit.js';
import type { AuditIndex } from './audit-index.js';

export type ExportFormat = 'csv' | 'jsonl';

const CSV_COLUMNS = [
  'seq',
  'ts',
  'osUser',
  'operator',
  'action',
  'site',
  'node',
  'deployment',
  'service',
  'outcome',
  'error',
  'durationMs',
  'hostKey',
  'scriptHash',
  'reason',
  'intent',
  'params',
  'prev',
  'hash',
] as const;

/** Spreadsheets execute cells that start like formulas; an audit export must never do that. */
function inertCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvRow(r: AuditRecord): string[] {
  const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: r.seq,
    ts: r.ts,
    osUser: r.actor.osUser,
    operator: r.actor.operator,
    action: r.action,
    site: r.target.site,
    node: r.target.node,
    deployment: r.target.deployment,
    service: r.target.service,
    outcome: r.outcome,
    error: r.error,
    durationMs: r.durationMs,
    hostKey: r.hostKey,
    scriptHash: r.scriptHash,
    reason: r.reason,
    intent: r.intent,
    params: JSON.stringify(r.params),
    prev: r.prev,
    hash: r.hash,
  };
  return CSV_COLUMNS.map((c) => inertCell(cells[c] === undefined ? '' : String(cells[c])));
}

/**
 * Writes the matching records to `file`. JSONL keeps the lines byte for byte, so an export can be
 * verified on its own; CSV is for people and spreadsheets.
 */
export function exportAudit(
  index: AuditIndex,
  filter: AuditFilter,
  format: ExportFormat,
  file: string,
): { file: string; count: number; sha256: string } {
  const lines = index.select(filter);
  const content =
    format === 'jsonl'
      ? lines.map((l) => `${l}\n`).join('')
      : stringify([[...CSV_COLUMNS], ...lines.map((l) => csvRow(JSON.parse(l) as AuditRecord))], { record_delimiter: 'windows' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.partial`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { file, count: lines.length, sha256: crypto.createHash('sha256').update(content).digest('hex') };
}
