import v8 from 'node:v8';
import vm from 'node:vm';
import { AuditIndex } from '../../electron/services/audit/audit-index.js';
import { verifyLog } from '../../electron/services/audit/verify.js';
import { verifyLogParallel } from '../../electron/services/audit/verify-parallel.js';
import { percentile } from '../../shared/stats.js';
import { openLog } from '../helpers/audit.js';
import { synthesizeLog } from '../helpers/audit-synth.js';
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
  indexBuildS: number;
  /** What the index holds: its number columns, and all the memory it grew by (dictionaries included). */
  indexColumnMiB: number;
  indexHeapMiB: number;
  filters: { name: string; p50Ms: number; p95Ms: number; hits: number }[];
}

/** Heap and array buffers in use after a full collection (the bench is not started with --expose-gc). */
function heldBytes(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
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
  const bytes = synthesizeLog(v.dir, verifyRecords);
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
  const filterRecords = 1_000_000;
  synthesizeLog(f.dir, filterRecords);
  const before = heldBytes();
  const t3 = performance.now();
  const index = new AuditIndex(f.dir);
  index.refresh();
  const indexBuildS = (performance.now() - t3) / 1000;
  const indexHeapMiB = (heldBytes() - before) / (1024 * 1024);
  const indexColumnMiB = index.columnBytes / (1024 * 1024);
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
    indexBuildS,
    indexColumnMiB,
    indexHeapMiB,
    filters,
  };
}
