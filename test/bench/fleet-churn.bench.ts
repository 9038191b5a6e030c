import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { startLoopbackServer } from '../../electron/ipc/loopback-server.js';
import type { ConnectionStatus } from '../../shared/fleet.js';
import { percentile } from '../../shared/stats.js';
import { launchChromium } from '../e2e/browser.js';
import { importFleet } from '../helpers/fleet-500.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface ChurnFigures {
  nodes: number;
  changesPerS: number;
  seconds: number;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  over50: number;
  /** Status changes the page showed by the end (the header's count of connected nodes moved). */
  shownConnected: number;
}

/**
 * The Fleet view of `count` nodes while `perS` of them change connection state every second, as a
 * fleet reconnecting after a network cut does: every frame's interval in the page, for 10 s.
 * The changes enter where the SSH pool reports them (its status listeners, through the real topic,
 * health feed and bridge); the made-up nodes have no route, so nothing dials them.
 */
export async function benchFleetChurn(count = 2000, perS = 200, seconds = 10): Promise<ChurnFigures> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const tmp = makeTempDir('edgeward-bench-churn-');
  importFleet(tmp.dir, count);
  const backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback', watchFleet: false });
  const server = await startLoopbackServer({ router: backend.router, staticDir: path.join(root, 'dist', 'renderer') });
  // The pool's own status path (private: only its connections change it), so every listener runs.
  const report = (backend.pool as unknown as { setStatus(name: string, s: ConnectionStatus, detail?: string): void }).setStatus.bind(
    backend.pool,
  );
  const names = Array.from({ length: count }, (_, i) => `n${String(i).padStart(3, '0')}`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
    await page.locator('.data-table caption', { hasText: `${count} of ${count} nodes` }).waitFor();
    await page.evaluate(`(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    // perS changes a second in ten batches; each node flips between connected and unreachable.
    let next = 0;
    const connected = new Set<string>();
    const batch = perS / 10;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < batch; i++) {
          const name = names[next++ % count]!;
          if (connected.delete(name)) report(name, 'unreachable', 'connect ETIMEDOUT 198.18.200.1:22');
          else {
            connected.add(name);
            report(name, 'connected');
          }
        }
        if (Date.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 500));
    const frames = (await page.evaluate('(window.__stop = true, window.__frames.slice(1))')) as number[];
    const counts = (await page.getByTestId('fleet-counts').textContent()) ?? '';
    const shownConnected = Number(/(\d+) connected/.exec(counts)?.[1] ?? 0);
    return {
      nodes: count,
      changesPerS: perS,
      seconds,
      frames: frames.length,
      p50Ms: percentile(frames, 50) ?? NaN,
      p99Ms: percentile(frames, 99) ?? NaN,
      maxMs: Math.max(...frames),
      over50: frames.filter((f) => f > 50).length,
      shownConnected: shownConnected === connected.size ? shownConnected : -shownConnected,
    };
  } finally {
    await browser.close();
    await server.close();
    await backend.close();
    tmp.cleanup();
  }
}
