import type Database from 'better-sqlite3';
import { bucketing, type DownsampleOptions } from '../../../shared/downsample.js';
import { extremesSql, GPU_COLUMNS, LATENCY_HOUR_COLUMNS } from './history-buckets.js';

/**
 * Four-hour periods of the hour rollups, each holding its hours' extremes: a year chart read
 * 70,000 hour rows for 8 GPUs and spent most of its time aggregating them; it reads a quarter as many
 * periods. A chart is drawn from periods only when its buckets are whole periods (`periodAligned`),
 * so the points are exactly those the hours give, and only for a node whose periods are complete
 * (`PeriodRollups.ready`); otherwise from the hours, as before.
 */
export const PERIOD_MS = 4 * 3_600_000;

/** A period's extremes are those of its hours, taken as the charts take them from the hours (history-buckets.ts). */
const TABLES = {
  gpu: { hours: 'gpu_1h', periods: 'gpu_4h', key: 'gpu', extremes: extremesSql(GPU_COLUMNS) },
  probe: { hours: 'probe_1h', periods: 'probe_4h', key: 'ep', extremes: extremesSql(LATENCY_HOUR_COLUMNS) },
} as const;
type Kind = keyof typeof TABLES;

/**
 * Chart options whose buckets are whole periods, or undefined when a bucket is narrower than one:
 * `from` moved back to a period edge, each bucket k periods wide, never more points than asked.
 */
export function periodAligned(o: DownsampleOptions): DownsampleOptions | undefined {
  const { buckets: asked, width } = bucketing(o);
  if (width < PERIOD_MS) return undefined;
  const from = Math.floor(o.from / PERIOD_MS) * PERIOD_MS;
  for (let k = Math.ceil(width / PERIOD_MS); ; k++) {
    const aligned = { ...o, from, bucketMs: k * PERIOD_MS };
    const { buckets } = bucketing(aligned);
    if (buckets <= asked) return { ...aligned, maxPoints: 2 * buckets };
  }
}

/** Whether a chart's options have whole-period buckets (then periods and hours draw the same points). */
export const isPeriodAligned = (o: DownsampleOptions) =>
  o.bucketMs !== undefined && o.bucketMs % PERIOD_MS === 0 && o.from % PERIOD_MS === 0;

/**
 * Keeps the period tables in step with the hour tables. New hours are folded in as they are rolled
 * (`recompute`); a history file written before periods existed is filled one node at a time in the
 * background (`backfill`), a few nodes per flush, so a hub's year of hours never stalls the console.
 */
export class PeriodRollups {
  /** Nodes whose periods are complete while the backfill is still going; all of them once it is done. */
  private readonly done = new Set<string>();
  private complete: boolean;
  /** The last node the backfill finished, in index order. */
  private cursor: string | null = null;

  constructor(private readonly db: Database.Database) {
    this.complete = !!db.prepare("SELECT 1 FROM meta WHERE key = 'periods_ready'").get();
  }

  ready(node: string): boolean {
    return this.complete || this.done.has(node);
  }

  /** Recomputes from its hours each period that holds one of these hours (after they were written). */
  recompute(kind: Kind, hours: readonly { node: string; key: number | string; ts: number }[]): void {
    const t = TABLES[kind];
    const stmt = this.db.prepare(
      `INSERT OR REPLACE INTO ${t.periods}
       SELECT node, ${t.key}, @period, max(ts), ${t.extremes} FROM ${t.hours}
       WHERE node = @node AND ${t.key} = @key AND ts >= @period AND ts < @period + ${PERIOD_MS} GROUP BY node, ${t.key}`,
    );
    const seen = new Set<string>();
    for (const h of hours) {
      const period = Math.floor(h.ts / PERIOD_MS) * PERIOD_MS;
      const id = `${h.node}\u0000${h.key}\u0000${period}`;
      if (seen.has(id)) continue;
      seen.add(id);
      stmt.run({ node: h.node, key: h.key, period });
    }
  }

  /** Periods before a period edge (the hours are kept from the same edge). */
  prune(before: number): void {
    for (const t of Object.values(TABLES)) this.db.prepare(`DELETE FROM ${t.periods} WHERE ts < ?`).run(before);
  }

  /** Fills whole nodes' periods from their hours until `budgetMs` is spent; marks the file once every node is done. */
  backfill(budgetMs = 20): void {
    if (this.complete) return;
    const started = performance.now();
    const next = (table: string) =>
      (
        this.db.prepare(`SELECT min(node) AS node FROM ${table} WHERE node > ?`).get(this.cursor ?? '') as {
          node: string | null;
        }
      ).node;
    const fills = (Object.keys(TABLES) as Kind[]).map((kind) => {
      const t = TABLES[kind];
      return this.db.prepare(
        `INSERT OR REPLACE INTO ${t.periods}
         SELECT node, ${t.key}, (ts / ${PERIOD_MS}) * ${PERIOD_MS}, max(ts), ${t.extremes} FROM ${t.hours}
         WHERE node = ? GROUP BY node, ${t.key}, ts / ${PERIOD_MS}`,
      );
    });
    do {
      const candidates = Object.values(TABLES)
        .map((t) => next(t.hours))
        .filter((n): n is string => n !== null);
      if (candidates.length === 0) {
        this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('periods_ready', 1)").run();
        this.complete = true;
        this.done.clear();
        return;
      }
      // SQLite's order (bytes), which is the order `node > ?` walks.
      const node = candidates.reduce((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? a : b));
      this.db.transaction(() => {
        for (const fill of fills) fill.run(node);
      })();
      this.done.add(node);
      this.cursor = node;
    } while (performance.now() - started < budgetMs);
  }
}
