import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import { launchChromium } from '../e2e/browser.js';
import { importFleet } from '../helpers/fleet-500.js';
import { stopChild } from '../helpers/run-child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface HistoryChartFigures {
  gpus: number;
  endpoints: number;
  /** Rows in the history file: hour rollups, minute rollups, latency minute rollups. */
  rows: { hour: number; minute: number; latency: number; latencyHour: number };
  /** Click on the range → the charts painted with that range's data, per run, ms. */
  drawnMs: Record<'30d' | '1y', number[]>;
}

/**
 * A year of hour rollups and 30 days of minute rollups for 8 GPUs of `node`, and 30 days of minute
 * latency rollups for 2 endpoints, written straight into the history file with the console's schema.
 */
export function seedHistory(file: string, node: string) {
  new HistoryStore(file).close(); // the console's own schema
  const gpus = 8;
  const endpoints = ['cxr', 'ct'];
  const now = Date.now();
  const rows = { hour: 0, minute: 0, latency: 0, latencyHour: 0 };
  const db = new Database(file);
  try {
    const wave = (t: number, period: number, lo: number, hi: number) => lo + ((hi - lo) * (1 + Math.sin((2 * Math.PI * t) / period))) / 2;
    const hour = db.prepare('INSERT INTO gpu_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const minute = db.prepare('INSERT INTO gpu_1m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const latency = db.prepare('INSERT INTO probe_1m VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const latencyHour = db.prepare('INSERT INTO probe_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let g = 0; g < gpus; g++) {
        for (let t = Math.floor((now - 365 * 24 * HOUR) / HOUR) * HOUR; t <= now; t += HOUR, rows.hour++) {
          const temp = wave(t + g * HOUR, 24 * HOUR, 45, 80);
          hour.run(node, g, t, wave(t, 24 * HOUR, 10, 95), temp, temp + 3, wave(t, 7 * 24 * HOUR, 150, 650), 40_000, 3600);
        }
        for (let t = Math.floor((now - 30 * 24 * HOUR) / MINUTE) * MINUTE; t <= now; t += MINUTE, rows.minute++) {
          const temp = wave(t + g * HOUR, 24 * HOUR, 45, 80);
          minute.run(node, g, t, wave(t, HOUR, 10, 95), temp, temp + 1, wave(t, 24 * HOUR, 150, 650), 40_000, 60);
        }
      }
      for (const ep of endpoints)
        for (let t = Math.floor((now - 30 * 24 * HOUR) / MINUTE) * MINUTE; t <= now; t += MINUTE, rows.latency++) {
          const p50 = wave(t, 24 * HOUR, 80, 300);
          latency.run(node, ep, t, p50, p50 * 1.6, p50 * 2.1, 6, 6);
        }
      // Older hours than the minutes cover (the newer ones are filled from the minutes, below).
      for (const ep of endpoints)
        for (let t = Math.floor((now - 365 * 24 * HOUR) / HOUR) * HOUR; t < now - 30 * 24 * HOUR; t += HOUR, rows.latencyHour++) {
          const p50 = wave(t, 24 * HOUR, 80, 300);
          latencyHour.run(node, ep, t, p50 * 0.8, p50 * 1.2, p50 * 1.3, p50 * 1.9, p50 * 1.7, p50 * 2.5, 95, 100, 350, 360);
        }
      // The hours and minutes are rolled up to now, as in a console that ran all year.
      db.prepare("INSERT OR REPLACE INTO meta VALUES ('rolled_hour', ?), ('rolled_minute', ?)").run(
        Math.floor(now / HOUR) * HOUR,
        Math.floor(now / MINUTE) * MINUTE,
      );
      // Opening the empty file above marked its hours as filled; the console fills the last 30 days' hours from the minutes when it opens it.
      db.prepare("DELETE FROM meta WHERE key = 'probe_hours'").run();
      // Likewise its four-hour periods: the console gathers them from the hours in the background after it opens the file.
      db.prepare("DELETE FROM meta WHERE key = 'periods_ready'").run();
    })();
  } finally {
    db.close();
  }

  return { gpus, endpoints: endpoints.length, rows };
}

/**
 * A node's history charts of 30 days and of a year, read from SQLite as the console keeps it: a year
 * of hour rollups and 30 days of minute rollups for 8 GPUs, and 30 days of minute latency rollups for
 * 2 endpoints, written straight into the history file (a year at 1 Hz cannot be replayed here). Timed
 * in Chromium from the click on the range to the frame after the charts show it.
 */
export async function benchHistoryCharts(runs = 5, build = true): Promise<HistoryChartFigures> {
  if (build) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const tmp = makeTempDir('edgeward-bench-history-');
  importFleet(tmp.dir, 1);
  const { gpus, endpoints, rows } = seedHistory(path.join(tmp.dir, 'telemetry.db'), 'n000');

  const serve = spawn(process.execPath, [path.join(root, 'dist/electron/serve.mjs'), '--json', '--data-dir', tmp.dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
    // The node has no route: with an agent named, it is unreachable (its history shown), not refused for want of a key.
    env: { ...process.env, EDGEWARD_WATCH_FLEET: '0', SSH_AUTH_SOCK: path.join(tmp.dir, 'no-agent.sock') },
  });
  const browser = await launchChromium();
  const drawnMs: HistoryChartFigures['drawnMs'] = { '30d': [], '1y': [] };
  try {
    const url = await new Promise<string>((resolve) =>
      serve.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().split('\n')[0]!) as { url: string }).url)),
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('.data-table caption');
    await page.evaluate("window.location.hash = '#/node/n000'");
    await page.getByRole('button', { name: '1 h', exact: true }).waitFor();
    /** Click a range in the page and time it to the frame after its charts show (in the page's own clock). */
    // As a string: the page's code, not this file's (tsx would wrap functions in helpers the page lacks).
    const timeRange = (label: string, want: string, lines = true) =>
      page.evaluate(`new Promise((resolve, reject) => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent === ${JSON.stringify(label)});
        if (!button) return reject(new Error('no button ${label}: ' + document.querySelector('main')?.innerText.slice(0, 1500)));
        const t0 = performance.now();
        button.click();
        const check = () => {
          const charts = document.querySelector('[data-testid="history-charts"]');
          const shown = charts && charts.textContent.includes(${JSON.stringify(want)});
          const drawn = !${lines} || (shown && Number(charts.getAttribute('data-points')) > 0 && charts.querySelectorAll('.recharts-line path').length > 0);
          if (shown && drawn) requestAnimationFrame(() => resolve(performance.now() - t0));
          else if (performance.now() - t0 > 30000) reject(new Error('the ${label} charts did not show ${want} in 30 s: ' + (charts ? charts.textContent : document.querySelector('main')?.textContent ?? '').slice(0, 300)));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      })`) as Promise<number>;
    for (let run = 0; run <= runs; run++) {
      // A short range between, so each long one is drawn from a request of its own; the first round warms up.
      for (const [range, label] of [
        ['30d', '30 d'],
        ['1y', '1 y'],
      ] as const) {
        await timeRange('1 h', 'every sample', false);
        const ms = await timeRange(label, '1-hour rollups');
        if (run > 0) drawnMs[range].push(ms);
      }
    }
  } finally {
    await browser.close();
    await stopChild(serve);
    tmp.cleanup();
  }
  return { gpus, endpoints, rows, drawnMs };
}
