import path from 'node:path';
import Database from 'better-sqlite3';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const MINUTE = 60_000;

export interface RollupFigures {
  nodes: number;
  gpus: number;
  /** Per span of raw samples kept: its rows, and the CPU of the minute's rollup and retention. */
  runs: { minutes: number; rows: number; cpuMs: number[] }[];
}

/**
 * The once-a-minute rollup and retention of the telemetry history with a short and a long stretch
 * of raw samples already kept (as a console that has run an hour, or longer): their cost must not
 * grow with the table (it did: each read the whole raw table, 0.46 s a minute at 4.8 million rows).
 * The raw rows are written straight into the file with the console's schema.
 */
export function benchRollup(nodes = 100, gpus = 8, spans = [30, 120], repeats = 3): RollupFigures {
  const runs: RollupFigures['runs'] = [];
  for (const minutes of spans) {
    const tmp = makeTempDir('edgeward-bench-rollup-');
    try {
      const file = path.join(tmp.dir, 'telemetry.db');
      new HistoryStore(file).close();
      const db = new Database(file);
      const end = Math.floor(Date.now() / MINUTE) * MINUTE;
      const start = end - minutes * MINUTE;
      const insert = db.prepare('INSERT INTO gpu_raw (node, gpu, ts, util, temp, power, mem) VALUES (?, ?, ?, 50, 60, 200, 1000)');
      db.transaction(() => {
        for (let t = start; t < end; t += 1000)
          for (let n = 0; n < nodes; n++) for (let g = 0; g < gpus; g++) insert.run(`n${n}`, g, t + n);
        // Rolled up to all but the newest `repeats` minutes: each flush below rolls one of them.
        db.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_minute', ?), ('rolled_hour', ?)").run(end - repeats * MINUTE, end);
        db.prepare("INSERT OR REPLACE INTO meta VALUES ('periods_ready', 1)").run();
      })();
      db.close();
      const store = new HistoryStore(file);
      const cpuMs: number[] = [];
      for (let r = repeats - 1; r >= 0; r--) {
        const c0 = process.cpuUsage();
        store.flush(end - r * MINUTE + 500);
        const c = process.cpuUsage(c0);
        cpuMs.push((c.user + c.system) / 1000);
      }
      store.close();
      runs.push({ minutes, rows: (minutes * 60 * nodes * gpus) as number, cpuMs });
    } finally {
      tmp.cleanup();
    }
  }
  return { nodes, gpus, runs };
}
