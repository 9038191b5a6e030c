import type Database from 'better-sqlite3';
import { PERIOD_MS, type PeriodRollups } from './history-periods.js';
import { rollProbeHours, rollProbeMinutes } from './probe-rollups.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Raw samples a day, minute rollups 30 days, hour rollups (and their four-hour periods) a year. */
export const RETAIN = { raw: 24 * HOUR, minute: 30 * 24 * HOUR, hour: 365 * 24 * HOUR };

/** The minutes in [from, to) rolled up from the raw samples and probes, then what is past retention dropped; one transaction. */
export function rollMinutes(db: Database.Database, from: number, to: number, now: number): void {
  db.transaction(() => {
    db.prepare(
      `INSERT OR REPLACE INTO gpu_1m SELECT node, gpu, (ts / ${MINUTE}) * ${MINUTE}, avg(util), avg(temp), max(temp), avg(power), max(mem), count(*)
       FROM gpu_raw WHERE ts >= ? AND ts < ? GROUP BY node, gpu, ts / ${MINUTE}`,
    ).run(from, to);
    rollProbeMinutes(db, from, to);
    db.prepare('DELETE FROM gpu_raw WHERE ts < ?').run(now - RETAIN.raw);
    db.prepare('DELETE FROM probe_raw WHERE ts < ?').run(now - RETAIN.raw);
    db.prepare('DELETE FROM probe_1m WHERE ts < ?').run(now - RETAIN.minute);
    db.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_minute', ?)").run(to);
  })();
}

/** The hours in [from, to) rolled up from the minutes and folded into their periods, then what is past retention dropped; one transaction. */
export function rollHours(db: Database.Database, periods: PeriodRollups, from: number, to: number, now: number): void {
  db.transaction(() => {
    const hours = db
      .prepare(
        `INSERT OR REPLACE INTO gpu_1h SELECT node, gpu, (ts / ${HOUR}) * ${HOUR}, sum(util * n) / sum(n), sum(temp * n) / sum(n), max(temp_max), sum(power * n) / sum(n), max(mem), sum(n)
         FROM gpu_1m WHERE ts >= ? AND ts < ? GROUP BY node, gpu, ts / ${HOUR} RETURNING node, gpu AS key, ts`,
      )
      .all(from, to) as { node: string; key: number; ts: number }[];
    periods.recompute('gpu', hours);
    rollProbeHours(db, from, to, periods);
    db.prepare('DELETE FROM gpu_1m WHERE ts < ?').run(now - RETAIN.minute);
    // Hours and periods both kept from a period's edge, so a year chart reads the same span from either.
    const keepFrom = Math.floor((now - RETAIN.hour) / PERIOD_MS) * PERIOD_MS;
    db.prepare('DELETE FROM gpu_1h WHERE ts < ?').run(keepFrom);
    db.prepare('DELETE FROM probe_1h WHERE ts < ?').run(keepFrom);
    periods.prune(keepFrom);
    db.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_hour', ?)").run(to);
  })();
}
