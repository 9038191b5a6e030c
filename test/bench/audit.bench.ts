import fs from 'node:fs';
import path from 'node:path';
import { AuditIndex } from '../../electron/services/audit/audit-index.js';
import { encodeRecord } from '../../electron/services/audit/canonical.js';
import { fileName } from '../../electron/services/audit/files.js';
import { verifyLog } from '../../electron/services/audit/verify.js';
import { verifyLogParallel } from '../../electron/services/audit/verify-parallel.js';
import { AUDIT_ACTIONS, GENESIS_HASH } from '../../shared/audit.js';
import { percentile } from '../../shared/stats.js';
import { openLog } from '../helpers/audit.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export interface AuditFigures {
  appendsPerS: number;
  appendP99Ms: number;
  verifyRecords: number;
  /** Five runs of the verifier the app uses (worker threads). */
  verifyRunsS: number[];
  verifyWorkers: number;
  /** One run of the single-threaded verifier, the baseline in the same run. */
  verifySerialS: number;
  verifyMiB: number;
  filterRecords: number;
  filters: { name: string; p50Ms: number; p95Ms: number; hits: number }[];
}

/** Writes a valid chain of `n` records straight to rotation files (no fsync: setup, not the measurement). */
function synthesize(dir: string, n: number, maxFileBytes = 64 * 1024 * 1024): number {
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
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let seq = 1; seq <= n; seq++) {
    const { line, hash } = encodeRecord({
      seq,
      ts: new Date(t0 + seq * 1000).toISOString(),
      actor: { osUser: `admin${seq % 7}`, operator: `Operator ${seq % 13}` },
      action: AUDIT_ACTIONS[seq % AUDIT_ACTIONS.length]!,
      target: { site: `site-${seq % 5}`, node: `rad-${String(seq % 200).padStart(3, '0')}` },
      params: { command: 'nvidia-smi --query-gpu=index,temperature.gpu --format=csv', concurrency: 16 },
      outcome: seq % 23 === 0 ? 'failed' : 'ok',
      durationMs: seq % 5000,
      prev,
    });
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

export async function benchAudit(): Promise<AuditFigures> {
  // 1. Durable appends, 16 concurrent writers, group commit.
  const a = makeTempDir('edgeward-bench-audit-');
  const log = await openLog(a.dir);
  const writers = 16;
  const perWriter = 1500;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const t = performance.now();
        await log.append({
          action: 'fleet.exec',
          target: { node: `rad-${w}` },
          params: { command: 'uptime', concurrency: 16 },
          outcome: 'ok',
          durationMs: i,
        });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const appendS = (performance.now() - t0) / 1000;
  await log.close();
  if (!verifyLog(a.dir).intact) throw new Error('bench log broken');
  a.cleanup();

  // 2. Verify a million records.
  const v = makeTempDir('edgeward-bench-verify-');
  const verifyRecords = 1_000_000;
  const bytes = synthesize(v.dir, verifyRecords);
  const verifyRunsS: number[] = [];
  let verifyWorkers = 0;
  for (let run = 0; run < 5; run++) {
    const t1 = performance.now();
    const out = await verifyLogParallel(v.dir);
    verifyRunsS.push((performance.now() - t1) / 1000);
    verifyWorkers = out.workers;
    if (!out.result.intact || out.result.records !== verifyRecords || out.fellBack) throw new Error(`verify bench: ${JSON.stringify(out)}`);
  }
  const t2 = performance.now();
  const serial = verifyLog(v.dir);
  const verifySerialS = (performance.now() - t2) / 1000;
  if (!serial.intact) throw new Error(`verify bench (serial): ${JSON.stringify(serial)}`);
  v.cleanup();

  // 3. Audit view filters over 100,000 records (the query behind the view, page of 200).
  const f = makeTempDir('edgeward-bench-filter-');
  const filterRecords = 100_000;
  synthesize(f.dir, filterRecords);
  const index = new AuditIndex(f.dir);
  index.refresh();
  const cases: { name: string; filter: Parameters<AuditIndex['query']>[0] }[] = [
    { name: 'no filter', filter: {} },
    { name: 'node', filter: { node: 'rad-042' } },
    { name: 'action + outcome', filter: { action: 'fleet.exec', outcome: 'failed' } },
    { name: 'actor substring', filter: { actor: 'operator 7' } },
    { name: 'time range', filter: { since: '2026-01-01T10:00:00Z', until: '2026-01-01T20:00:00Z' } },
    { name: 'free text', filter: { text: 'site-3' } },
  ];
  const filters = cases.map(({ name, filter }) => {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      hits = index.query(filter, 0, 200).total;
      times.push(performance.now() - t);
    }
    return { name, p50Ms: percentile(times, 50) ?? NaN, p95Ms: percentile(times, 95) ?? NaN, hits };
  });
  f.cleanup();

  return {
    appendsPerS: (writers * perWriter) / appendS,
    appendP99Ms: percentile(latencies, 99) ?? NaN,
    verifyRecords,
    verifyRunsS,
    verifyWorkers,
    verifySerialS,
    verifyMiB: bytes / (1024 * 1024),
    filterRecords,
    filters,
  };
}
