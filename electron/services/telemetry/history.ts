import type Database from 'better-sqlite3';
import { TelemetryFrame, type GpuSample } from '../../../shared/telemetry.js';
import { isCorruption, moveAside, openHistoryDb, type HistoryTrouble } from './history-db.js';
import {
  gpuBuckets,
  gpuPeriodBuckets,
  keysOf,
  latencyBuckets,
  latencyHourBuckets,
  latencyPeriodBuckets,
  seriesRows,
  type GpuTable,
} from './history-buckets.js';
import { isPeriodAligned, PeriodRollups } from './history-periods.js';
import { backfillProbeHours } from './probe-rollups.js';
import { rollHours, rollMinutes } from './history-rollups.js';
import type { Bucket, DownsampleOptions } from '../../../shared/downsample.js';
import type { Probe } from '../../../shared/slo.js';
import { percentile } from '../../../shared/stats.js';

export interface HistoryPoint {
  ts: number;
  util: number | null;
  tempC: number | null;
  powerW: number | null;
  memUsedMiB: number | null;
}

export interface LatencyPoint {
  ts: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  availabilityPct: number | null;
  probes: number;
}

export interface LastKnown {
  node: string;
  at: number;
  frame: TelemetryFrame;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The table a chart of this span reads: raw up to 2 h, minute rollups up to 3 days, hour rollups beyond. */
function gpuTableFor(span: number): { resolution: 'raw' | '1m' | '1h'; table: GpuTable } {
  return span <= 2 * HOUR
    ? { resolution: 'raw', table: 'gpu_raw' }
    : span <= 3 * 24 * HOUR
      ? { resolution: '1m', table: 'gpu_1m' }
      : { resolution: '1h', table: 'gpu_1h' };
}
/** Unwritten rows kept while the disk is full: about 4 minutes of 1,000 nodes × 8 GPUs at 1 Hz. */
const MAX_PENDING = 2_000_000;

/**
 * Telemetry history in SQLite: raw samples for 24 h, 1-minute rollups for 30 days, 1-hour rollups for
 * a year, and the last known frame of every node (what an offline start shows, with its age).
 * Writes are batched into one transaction per flush; a gap in data stays a gap (no interpolation).
 */
/** Rows per INSERT statement (7 values each for GPU samples: well under SQLite's variable limit). */
const INSERT_BATCH = 100;
/** Values per GPU sample row: node, gpu, ts, util, temp, power, mem. */
const GPU_ROW = 7;
/**
 * A node's last known frame is written at most this often while nothing salient changes (its GPU
 * count or GPU health): 1,000 frames a second of JSON was a fifth of the telemetry cost. In this
 * process the newest frame is read from memory; a killed process loses at most this much of it,
 * and the frame's age says so.
 */
const LAST_STATE_EVERY_MS = 15_000;

export class HistoryStore {
  /** GPU samples to write, GPU_ROW values each in one flat array (8,000 a second: no array per row). */
  private pending: (string | number | null)[] = [];
  private pendingProbes: [string, string, number, number, number | null][] = [];
  /** Newest sample time queued per node and GPU index. */
  private readonly lastAt = new Map<string, number[]>();
  /** Newest frame per node not yet written to last_state. */
  private readonly lastFrames = new Map<string, TelemetryFrame>();
  /** When (console time) and what each node's stored last frame was written with. */
  private readonly lastWritten = new Map<string, { wroteAt: number; gpus: number; health: string | undefined }>();
  /** GPUs in each node's stored last frame. */
  private readonly storedGpus = new Map<string, number>();
  private closed = false;
  /** Set by close(): the last flush writes every unwritten frame. */
  private closing = false;
  /** Samples and probes waiting for the next flush (the console's own health). */
  get queued(): number {
    return this.pending.length / GPU_ROW + this.pendingProbes.length;
  }
  private rolledMinute = 0;
  private rolledHour = 0;

  /** What went wrong with the database since the last look (drained by the owner, which audits it). */
  private troubles: HistoryTrouble[] = [];
  private troubleListener: ((t: HistoryTrouble) => void) | undefined;
  private lastWriteTrouble: HistoryTrouble['kind'] | undefined;
  private db: Database.Database;
  /** The four-hour periods year charts read, kept with the hours of `db`. */
  private periods: PeriodRollups;
  /** Prepared statements of `db` (emptied when the database is replaced). */
  private readonly statements = new Map<string, Database.Statement>();

  /** `nativeBinding`: the better-sqlite3 addon to load (the desktop app's Electron build); Node's by default. */
  constructor(
    private readonly file: string,
    private readonly nativeBinding?: string,
  ) {
    const opened = openHistoryDb(file, nativeBinding);
    this.db = opened.db;
    this.periods = new PeriodRollups(this.db);
    if (opened.trouble) this.troubles.push(opened.trouble);
    const meta = (k: string) =>
      (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: number } | undefined)?.value ?? 0;
    for (const k of this.lastKnown()) this.storedGpus.set(k.node, k.frame.gpus.length);
    this.rolledMinute = meta('rolled_minute');
    this.rolledHour = meta('rolled_hour');
    backfillProbeHours(this.db, this.rolledHour, this.periods);
  }

  /** Queues the frame's new samples and remembers it as the node's last known state. */
  record(frame: TelemetryFrame): void {
    for (const g of frame.gpus) this.queue(frame.node, g);
    // Written with the next flush (once a second), the newest frame per node winning.
    if (frame.session !== 'live') return;
    // A frame with no samples yet (just connected) must not replace one that had GPUs in it; a
    // GPU-less node, or one whose GPUs failed (health says so), is stored as it is.
    const empty = frame.gpus.length === 0 && (frame.gpuHealth === 'ok' || frame.gpuHealth === 'unknown');
    if (empty && (this.storedGpus.get(frame.node) ?? 0) > 0) return;
    this.storedGpus.set(frame.node, frame.gpus.length);
    this.lastFrames.set(frame.node, frame);
  }

  recordProbe(node: string, endpoint: string, p: Probe): void {
    this.pendingProbes.push([node, endpoint, p.at, p.ok ? 1 : 0, p.latencyMs ?? null]);
  }

  private queue(node: string, g: GpuSample): void {
    let seen = this.lastAt.get(node);
    if (!seen) this.lastAt.set(node, (seen = []));
    if ((seen[g.index] ?? 0) >= g.at) return; // the same sample published twice
    seen[g.index] = g.at;
    this.pending.push(node, g.index, g.at, g.utilGpu, g.tempC, g.powerW, g.memUsedMiB);
  }

  /** Writes queued samples in one transaction; rolls up completed minutes and hours; prunes. */
  flush(now = Date.now()): number {
    if (this.closed) return 0;
    const rows = this.pending;
    this.pending = [];
    const probes = this.pendingProbes;
    this.pendingProbes = [];
    const frames = this.dueFrames(now);
    for (const f of frames) this.lastFrames.delete(f.node);
    try {
      this.writeBatch(rows, probes, frames);
    } catch (err) {
      // Not written: keep each frame unless a newer one came meanwhile.
      for (const f of frames) if (!this.lastFrames.has(f.node)) this.lastFrames.set(f.node, f);
      throw err;
    }
    for (const f of frames) this.lastWritten.set(f.node, { wroteAt: now, gpus: f.gpus.length, health: f.gpuHealth });
    this.rollup(now);
    try {
      this.periods.backfill();
    } catch {
      // Retried with the next flush; until a node's periods are complete its charts read the hours.
    }
    return rows.length / GPU_ROW;
  }

  /** Frames to write now: a node's first, one whose GPUs changed, else one per LAST_STATE_EVERY_MS (all on close). */
  private dueFrames(now: number, all = this.closing): TelemetryFrame[] {
    const due: TelemetryFrame[] = [];
    for (const f of this.lastFrames.values()) {
      const w = this.lastWritten.get(f.node);
      if (all || !w || now - w.wroteAt >= LAST_STATE_EVERY_MS || w.gpus !== f.gpus.length || w.health !== f.gpuHealth) due.push(f);
    }
    return due;
  }

  private writeBatch(rows: HistoryStore['pending'], probes: HistoryStore['pendingProbes'], frames: TelemetryFrame[]): void {
    this.db.transaction(() => {
      this.insertRows('INSERT INTO gpu_raw (node, gpu, ts, util, temp, power, mem) VALUES', '', rows, GPU_ROW);
      this.insertRows('INSERT INTO probe_raw (node, ep, ts, ok, ms) VALUES', '', probes.flat(), 5);
      this.insertRows(
        'INSERT INTO last_state (node, at, frame) VALUES',
        ' ON CONFLICT(node) DO UPDATE SET at = excluded.at, frame = excluded.frame',
        frames.flatMap((f) => [f.node, f.at, JSON.stringify(f)]),
        3,
      );
    })();
  }

  /**
   * Many rows per statement: 8,000 GPU samples a second (1,000 nodes) one INSERT each cost more in the
   * calls into SQLite than in the writing. Statements are kept, one per batch size.
   */
  private insertRows(head: string, tail: string, values: readonly (string | number | null)[], width: number): void {
    const step = INSERT_BATCH * width;
    for (let i = 0; i < values.length; i += step) {
      const batch = values.slice(i, i + step);
      const n = batch.length / width;
      const key = `${head}|${n}`;
      let s = this.statements.get(key);
      if (!s) {
        const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
        s = this.db.prepare(`${head} ${Array.from({ length: n }, () => tuple).join(', ')}${tail}`);
        this.statements.set(key, s);
      }
      s.run(batch);
    }
  }

  /**
   * flush() as the once-a-second timer calls it: never throws. A full disk or a busy database keeps
   * the samples for the next try (bounded); a damaged database is moved aside and a new one started.
   * Each kind of trouble is reported once until writing works again.
   */
  flushSafely(now = Date.now()): number {
    const rows = this.pending;
    const probes = this.pendingProbes;
    try {
      const n = this.flush(now);
      this.lastWriteTrouble = undefined;
      return n;
    } catch (err) {
      if (isCorruption(err)) {
        this.db.close();
        const movedTo = moveAside(this.file);
        this.statements.clear();
        this.db = openHistoryDb(this.file, this.nativeBinding).db;
        this.periods = new PeriodRollups(this.db);
        this.report({
          kind: 'corrupt',
          movedTo,
          message: `telemetry history was damaged (${(err as Error).message}); kept as ${movedTo}, a new history was started`,
        });
        return 0;
      }
      // Keep what did not get written, newest last, at most a few minutes of a large fleet.
      this.pending = rows.concat(this.pending).slice(-MAX_PENDING * GPU_ROW);
      this.pendingProbes = [...probes, ...this.pendingProbes].slice(-MAX_PENDING);
      const code = (err as { code?: string }).code ?? '';
      const kind =
        code === 'SQLITE_FULL' ? 'full' : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 'busy' : 'unwritable';
      if (this.lastWriteTrouble !== kind) {
        this.lastWriteTrouble = kind;
        this.report({
          kind,
          message: `telemetry history cannot be written (${(err as Error).message}); samples are kept in memory and written when it works again`,
        });
      }
      return 0;
    }
  }

  private report(t: HistoryTrouble): void {
    if (this.troubleListener) this.troubleListener(t);
    else this.troubles.push(t);
  }

  /** Troubles so far, then every new one as it happens. */
  onTrouble(listener: (t: HistoryTrouble) => void): void {
    this.troubleListener = listener;
    for (const t of this.troubles.splice(0)) listener(t);
  }

  private rollup(now: number): void {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    if (minute > this.rolledMinute) {
      rollMinutes(this.db, this.rolledMinute, minute, now);
      this.rolledMinute = minute;
    }
    const hour = Math.floor(now / HOUR) * HOUR;
    if (hour > this.rolledHour) {
      rollHours(this.db, this.periods, this.rolledHour, hour, now);
      this.rolledHour = hour;
    }
  }

  /**
   * Latency of one endpoint: raw probes bucketed per 10 s up to 2 h, minute rollups beyond (a bucket's
   * p95 over many minutes is the worst minute's p95: conservative, never flattering).
   */
  queryLatency(node: string, endpoint: string, from: number, to: number): { resolution: 'raw' | '1m'; points: LatencyPoint[] } {
    if (to - from <= 2 * HOUR) {
      const rows = this.db
        .prepare('SELECT ts, ok, ms FROM probe_raw WHERE node = ? AND ep = ? AND ts >= ? AND ts <= ? ORDER BY ts')
        .all(node, endpoint, from, to) as { ts: number; ok: number; ms: number | null }[];
      const bucketMs = 10_000;
      const buckets = new Map<number, typeof rows>();
      for (const r of rows) {
        const b = Math.floor(r.ts / bucketMs) * bucketMs;
        const list = buckets.get(b);
        if (list) list.push(r);
        else buckets.set(b, [r]);
      }
      const points = [...buckets].map(([ts, g]) => {
        const ms = g.filter((r) => r.ok && r.ms !== null).map((r) => r.ms as number);
        return {
          ts,
          p50Ms: percentile(ms, 50) ?? null,
          p95Ms: percentile(ms, 95) ?? null,
          p99Ms: percentile(ms, 99) ?? null,
          availabilityPct: (100 * g.filter((r) => r.ok).length) / g.length,
          probes: g.length,
        };
      });
      return { resolution: 'raw', points };
    }
    const points = (
      this.db
        .prepare('SELECT ts, p50, p95, p99, ok, n FROM probe_1m WHERE node = ? AND ep = ? AND ts >= ? AND ts <= ? ORDER BY ts')
        .all(node, endpoint, from, to) as {
        ts: number;
        p50: number | null;
        p95: number | null;
        p99: number | null;
        ok: number;
        n: number;
      }[]
    ).map((r) => ({ ts: r.ts, p50Ms: r.p50, p95Ms: r.p95, p99Ms: r.p99, availabilityPct: r.n ? (100 * r.ok) / r.n : null, probes: r.n }));
    return { resolution: '1m', points };
  }

  /** Probes and answered probes of one series since `from`: minute roll-ups, then the raw rows after them. */
  probeCounts(node: string, endpoint: string, from: number): { probes: number; ok: number; since: number | null } {
    if (this.closed) return { probes: 0, ok: 0, since: null };
    const rolled = this.db
      .prepare(
        'SELECT coalesce(sum(n), 0) AS n, coalesce(sum(ok), 0) AS ok, min(ts) AS since FROM probe_1m WHERE node = ? AND ep = ? AND ts >= ? AND ts < ?',
      )
      .get(node, endpoint, from, this.rolledMinute) as { n: number; ok: number; since: number | null };
    const raw = this.db
      .prepare('SELECT count(*) AS n, coalesce(sum(ok), 0) AS ok, min(ts) AS since FROM probe_raw WHERE node = ? AND ep = ? AND ts >= ?')
      .get(node, endpoint, Math.max(from, this.rolledMinute)) as { n: number; ok: number; since: number | null };
    const pending = this.pendingProbes.filter((p) => p[0] === node && p[1] === endpoint && p[2] >= from);
    const since = [rolled.since, raw.since, pending[0]?.[2] ?? null].filter((x): x is number => x !== null);
    return {
      probes: rolled.n + raw.n + pending.length,
      ok: rolled.ok + raw.ok + pending.filter((p) => p[3] === 1).length,
      since: since.length ? Math.min(...since) : null,
    };
  }

  /** GPU indexes with samples for a node since `from` (in any table that covers that time). */
  gpusOf(node: string, from: number): number[] {
    const tables = ['gpu_raw', 'gpu_1m', 'gpu_1h'] as const;
    return [...new Set(tables.flatMap((t) => keysOf<number>(this.db, t, node, from)))].sort((x, y) => x - y);
  }

  /** Raw rows for export, oldest first. */
  rawRows(
    node: string,
    from: number,
    to: number,
  ): { gpu: number; ts: number; util: number | null; temp: number | null; power: number | null; mem: number | null }[] {
    return this.db
      .prepare('SELECT gpu, ts, util, temp, power, mem FROM gpu_raw WHERE node = ? AND ts >= ? AND ts <= ? ORDER BY ts, gpu')
      .all(node, from, to) as {
      gpu: number;
      ts: number;
      util: number | null;
      temp: number | null;
      power: number | null;
      mem: number | null;
    }[];
  }

  /** Endpoints with history for a node (an endpoint removed from the inventory still has its past). */
  endpointsOf(node: string): string[] {
    const tables = ['probe_1h', 'probe_1m', 'probe_raw'] as const;
    return [...new Set(tables.flatMap((t) => keysOf<string>(this.db, t, node)))].sort();
  }

  /** Points for a chart: raw up to 2 h, minute rollups up to 3 days, hour rollups beyond. */
  query(node: string, gpu: number, from: number, to: number): { resolution: 'raw' | '1m' | '1h'; points: HistoryPoint[] } {
    const { resolution, table } = gpuTableFor(to - from);
    const points = this.db
      .prepare(
        `SELECT ts, util, temp AS tempC, power AS powerW, mem AS memUsedMiB FROM ${table} WHERE node = ? AND gpu = ? AND ts >= ? AND ts <= ? ORDER BY ts`,
      )
      .all(node, gpu, from, to) as HistoryPoint[];
    return { resolution, points };
  }

  /** Minute latency rollups of one endpoint: their count in a range, and reduced to chart buckets in SQLite. */
  latencyRows(node: string, endpoint: string, from: number, to: number): number {
    return seriesRows(this.db, 'probe_1m', node, endpoint, from, to);
  }

  latencyBuckets(node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
    return latencyBuckets(this.db, node, endpoint, o);
  }

  /** The same from the hourly rollups (kept a year), for charts longer than a few days. */
  latencyHourBuckets(node: string, endpoint: string, o: DownsampleOptions): Bucket[] {
    if (isPeriodAligned(o) && this.periods.ready(node)) return latencyPeriodBuckets(this.db, node, endpoint, o);
    return latencyHourBuckets(this.db, node, endpoint, o);
  }

  /** How many rows `query` would return, and the same series reduced to chart buckets in SQLite. */
  gpuRows(node: string, gpu: number, from: number, to: number): number {
    return seriesRows(this.db, gpuTableFor(to - from).table, node, gpu, from, to);
  }

  gpuResolution(span: number): 'raw' | '1m' | '1h' {
    return gpuTableFor(span).resolution;
  }

  gpuBuckets(node: string, gpu: number, o: DownsampleOptions): Bucket[] {
    const { table } = gpuTableFor(o.to - o.from);
    if (table === 'gpu_1h' && isPeriodAligned(o) && this.periods.ready(node)) return gpuPeriodBuckets(this.db, node, gpu, o);
    return gpuBuckets(this.db, table, node, gpu, o);
  }

  /** Parsed last-known frames by node and time: a row is read and checked again only when it changed. */
  private readonly knownCache = new Map<string, LastKnown | { node: string; at: number; damaged: true }>();

  /**
   * Every node's last known state. Called for every health refresh, so at 2,000 nodes the frames
   * are not parsed and checked each time: only rows whose time moved (this process's or another's
   * writes) are read again.
   */
  lastKnown(): LastKnown[] {
    const rows = this.db.prepare('SELECT node, at FROM last_state ORDER BY node').all() as { node: string; at: number }[];
    const present = new Set<string>();
    const out: LastKnown[] = [];
    for (const r of rows) {
      present.add(r.node);
      const k = this.unwritten(r.node, r.at) ?? this.knownOf(r.node, r.at);
      if (k) out.push(k);
    }
    for (const node of this.knownCache.keys()) if (!present.has(node)) this.knownCache.delete(node);
    return out;
  }

  /** One node's last known state, if any (the node view, `status NODE`). */
  lastKnownOf(node: string): LastKnown | undefined {
    const r = this.db.prepare('SELECT at FROM last_state WHERE node = ?').get(node) as { at: number } | undefined;
    return r ? (this.unwritten(node, r.at) ?? this.knownOf(node, r.at)) : undefined;
  }

  /** This process's newer frame for a node, not yet written (see LAST_STATE_EVERY_MS). */
  private unwritten(node: string, storedAt: number): LastKnown | undefined {
    const f = this.lastFrames.get(node);
    return f && f.at > storedAt ? { node, at: f.at, frame: f } : undefined;
  }

  private knownOf(node: string, at: number): LastKnown | undefined {
    const cached = this.knownCache.get(node);
    if (cached && cached.at === at) return 'damaged' in cached ? undefined : cached;
    const r = this.db.prepare('SELECT at, frame FROM last_state WHERE node = ?').get(node) as { at: number; frame: string } | undefined;
    if (!r) return undefined;
    // Read back from disk: checked like any frame, a damaged row is skipped rather than shown.
    let frame: unknown;
    try {
      frame = JSON.parse(r.frame);
    } catch {
      frame = undefined;
    }
    const parsed = TelemetryFrame.safeParse(frame);
    if (!parsed.success) {
      this.knownCache.set(node, { node, at: r.at, damaged: true });
      return undefined;
    }
    const known = { node, at: r.at, frame: parsed.data };
    this.knownCache.set(node, known);
    return known;
  }

  /** Idempotent: shutting down twice (SIGINT then SIGTERM) must not throw. */
  close(): void {
    if (this.closed) return;
    this.closing = true;
    this.flushSafely();
    this.closed = true;
    this.db.close();
  }
}
