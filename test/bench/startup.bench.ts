import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { HistoryStore } from '../../electron/services/telemetry/history.js';
import { launchChromium } from '../e2e/browser.js';
import { importFleet } from '../helpers/fleet-500.js';
import { gpuSample } from '../helpers/gpu-sample.js';
import { stopChild } from '../helpers/run-child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface StartupFigures {
  nodes: number;
  /** Process start → URL printed (the page is served; the back end may still be opening). */
  serveReadyMs: number[];
  /** Process start → the Fleet table painted with every node and its last known state. */
  shownMs: number[];
}

/**
 * Start-up from cold: a data dir with `count` nodes, each with a last frame of 8 GPUs in history, and a
 * new serve process each run (the page in a fresh browser context). Chromium itself is already running:
 * its own start is not Edgeward's.
 */
export async function benchStartup(count = 2000, runs = 5): Promise<StartupFigures> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const tmp = makeTempDir('edgeward-bench-startup-');
  importFleet(tmp.dir, count);
  const history = new HistoryStore(path.join(tmp.dir, 'telemetry.db'));
  const at = Date.now() - 10 * 60_000;
  for (let i = 0; i < count; i++) {
    const gpus = Array.from({ length: 8 }, (_, index) =>
      gpuSample({ at, index, utilGpu: 40, tempC: 55 + index, memUsedMiB: 1000, memTotalMiB: 81559, powerW: 300 }),
    );
    history.record({ node: `n${String(i).padStart(3, '0')}`, at, session: 'live', gpuHealth: 'ok', gpus, rejected: 0 });
  }
  history.flush();
  history.close();

  const shownCheck = `(() => {
    const check = () => {
      const caption = document.querySelector('.data-table caption');
      const body = document.querySelector('.data-table tbody');
      if (caption && caption.textContent.includes('${count} of ${count} nodes') && body && body.textContent.includes('GPU ok · '))
        requestAnimationFrame(() => (window.__shown = performance.timeOrigin + performance.now()));
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  })()`;
  const browser = await launchChromium();
  const serveReadyMs: number[] = [];
  const shownMs: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      // The tab exists before the process starts, as the desktop window does: opening one is the browser's cost.
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.addInitScript(shownCheck);
      const t0 = Date.now();
      const serve = spawn(
        process.execPath,
        [
          ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof2'] : []),
          path.join(root, 'dist/electron/serve.mjs'),
          '--json',
          '--data-dir',
          tmp.dir,
        ],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
          env: { ...process.env, EDGEWARD_WATCH_FLEET: '0' },
        },
      );
      try {
        const url = await new Promise<string>((resolve) =>
          serve.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().split('\n')[0]!) as { url: string }).url)),
        );
        serveReadyMs.push(Date.now() - t0);
        await page.goto(url);
        let shown: number | undefined;
        for (const until = Date.now() + 30_000; shown === undefined && Date.now() < until;) {
          shown = (await page.evaluate('window.__shown')) as number | undefined;
          if (shown === undefined) await new Promise((r) => setTimeout(r, 20));
        }
        if (shown === undefined)
          throw new Error(`start-up bench: the Fleet view did not show ${count} nodes with their last state in 30 s`);
        shownMs.push(shown - t0);
      } finally {
        await page.close();
        await stopChild(serve);
      }
    }
  } finally {
    await browser.close();
    tmp.cleanup();
  }
  return { nodes: count, serveReadyMs, shownMs };
}
