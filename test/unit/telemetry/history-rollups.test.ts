import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { rollHours, rollMinutes } from '../../../electron/services/telemetry/history-rollups.js';
import { PeriodRollups } from '../../../electron/services/telemetry/history-periods.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The database as the rollups see it, noting each statement they run and its parameters. */
function recording(db: Database.Database) {
  const ran: { sql: string; args: unknown[] }[] = [];
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare')
        return (sql: string) => {
          const stmt = target.prepare(sql);
          return new Proxy(stmt, {
            get(s, m) {
              const v = Reflect.get(s, m) as unknown;
              if (typeof v !== 'function') return v;
              if (m === 'run' || m === 'all' || m === 'get')
                return (...args: unknown[]) => {
                  ran.push({ sql, args });
                  return (v as (...a: unknown[]) => unknown).apply(s, args);
                };
              return (v as (...a: unknown[]) => unknown).bind(s);
            },
          });
        };
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: proxy, ran };
}

/**
 * The rollups and retention run every minute and every hour over tables that hold a day of raw
 * samples, a month of minutes and a year of hours. Each must reach only the rows of its time span:
 * a statement that reads a whole table costs seconds a minute at a hundred nodes, and more each hour
 * the console runs. SQLite's own query plan is the oracle.
 */
describe('rollups and retention read only their time span', () => {
  const tmp = makeTempDir('edgeward-rollups-');
  afterAll(() => tmp.cleanup());

  it('reaches rows by time through an index, never by scanning a table', () => {
    const file = path.join(tmp.dir, 'telemetry.db');
    new HistoryStore(file).close();
    const raw = new Database(file);
    const t0 = Date.UTC(2026, 5, 1, 10);
    const sample = raw.prepare('INSERT INTO gpu_raw (node, gpu, ts, util, temp, power, mem) VALUES (?, ?, ?, 50, 60, 200, 1000)');
    const probe = raw.prepare('INSERT INTO probe_raw (node, ep, ts, ok, ms) VALUES (?, ?, ?, 1, 120)');
    for (let s = 0; s < 2 * 3600; s += 10) {
      for (const node of ['a', 'b']) sample.run(node, 0, t0 + s * 1000);
      probe.run('a', 'cxr', t0 + s * 1000);
    }
    const { db, ran } = recording(raw);
    const periods = new PeriodRollups(db);
    for (let m = t0; m < t0 + 2 * HOUR; m += MINUTE) rollMinutes(db, m, m + MINUTE, m + MINUTE);
    rollHours(db, periods, t0, t0 + 2 * HOUR, t0 + 2 * HOUR);
    periods.backfill();
    // They did their work: the hours and their periods are there.
    expect(raw.prepare('SELECT count(*) AS n FROM gpu_1h').get()).toEqual({ n: 4 });
    expect(raw.prepare('SELECT count(*) AS n FROM gpu_4h').get()).toEqual({ n: 2 });

    const plans = new Map<string, string[]>();
    for (const { sql, args } of ran) {
      if (plans.has(sql)) continue;
      plans.set(
        sql,
        (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(args as never[])) as { detail: string }[]).map((r) => r.detail),
      );
    }
    expect(plans.size).toBeGreaterThan(10);
    for (const [sql, plan] of plans)
      expect(
        plan.filter((step) => /^SCAN (gpu|probe)_/.test(step)),
        `${sql.replace(/\s+/g, ' ').slice(0, 120)}: ${plan.join(' | ')}`,
      ).toEqual([]);
    raw.close();
  });
});
