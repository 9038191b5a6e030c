import fs from 'node:fs';
import path from 'node:path';
import { encodeRecord } from '../../electron/services/audit/canonical.js';
import { fileName } from '../../electron/services/audit/files.js';
import { AUDIT_ACTIONS, GENESIS_HASH } from '../../shared/audit.js';

/** The fields of one synthetic record (seq and prev are added). */
export type SynthRecord = (seq: number) => Record<string, unknown>;

/** A varied record like a busy hospital console writes: 7 users, 200 nodes on 5 sites, a failure now and then. */
export const busyRecord: SynthRecord = (seq) => ({
  ts: new Date(Date.parse('2026-01-01T00:00:00Z') + seq * 1000).toISOString(),
  actor: { osUser: `admin${seq % 7}`, operator: `Operator ${seq % 13}` },
  action: AUDIT_ACTIONS[seq % AUDIT_ACTIONS.length]!,
  target: { site: `site-${seq % 5}`, node: `rad-${String(seq % 200).padStart(3, '0')}` },
  params: { command: 'nvidia-smi --query-gpu=index,temperature.gpu --format=csv', concurrency: 16 },
  outcome: seq % 23 === 0 ? 'failed' : 'ok',
  durationMs: seq % 5000,
});

/**
 * Writes a valid chain of `n` records straight to rotation files, without fsync (set-up for benchmarks and
 * tests of readers, not a test of the writer). Returns the bytes written.
 */
export function synthesizeLog(dir: string, n: number, record: SynthRecord = busyRecord, maxFileBytes = 64 * 1024 * 1024): number {
  fs.mkdirSync(dir, { recursive: true });
  let prev = GENESIS_HASH;
  let file = 1;
  let size = 0;
  let bytes = 0;
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length === 0) return;
    fs.appendFileSync(path.join(dir, fileName(file)), buffer.join(''));
    buffer = [];
  };
  for (let seq = 1; seq <= n; seq++) {
    const { line, hash } = encodeRecord({ ...record(seq), seq, prev });
    prev = hash;
    const len = Buffer.byteLength(line);
    if (size > 0 && size + len > maxFileBytes) {
      flush();
      file++;
      size = 0;
    }
    buffer.push(line);
    size += len;
    bytes += len;
    if (buffer.length >= 10_000) flush();
  }
  flush();
  return bytes;
}
