import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { percentile } from '../../shared/stats.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { launchChromium } from '../e2e/browser.js';
import { importFleet } from '../helpers/fleet-500.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Fleet view in Chromium with `count` nodes: time from a keystroke in Search to the updated table. */
export async function benchFleetView(count = 500, build = true): Promise<{ p50Ms: number; p95Ms: number; loadMs: number[] }> {
  if (build) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const tmp = makeTempDir('edgeward-bench-ui-');
  importFleet(tmp.dir, count);
  const serve = spawn(process.execPath, [path.join(root, 'dist/electron/serve.mjs'), '--json', '--data-dir', tmp.dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
    // Made-up nodes at addresses with no route: do not dial them (the view is what is measured).
    env: { ...process.env, EDGEWARD_WATCH_FLEET: '0' },
  });
  const url = await new Promise<string>((resolve) =>
    serve.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().split('\n')[0]!) as { url: string }).url)),
  );
  const browser = await launchChromium();
  try {
    // First render, from navigation start to the frame after the table shows every node, measured in the
    // page; each load in a fresh context (nothing cached), five times for the spread.
    const loadMs: number[] = [];
    const firstRender = `(() => {
      const want = '${count} of ${count} nodes';
      const check = () => {
        const caption = document.querySelector('.data-table caption');
        if (caption && caption.textContent.includes(want)) requestAnimationFrame(() => (window.__fleetPainted = performance.now()));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    })()`;
    for (let run = 0; run < 5; run++) {
      const fresh = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await fresh.addInitScript(firstRender);
      await fresh.goto(url);
      // Polled from outside: waitForFunction evaluates a string, which the app's CSP refuses.
      let painted: number | undefined;
      for (const until = Date.now() + 30_000; painted === undefined && Date.now() < until;) {
        painted = (await fresh.evaluate('window.__fleetPainted')) as number | undefined;
        if (painted === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      if (painted === undefined) throw new Error(`the Fleet view did not show ${count} nodes within 30 s`);
      loadMs.push(painted);
      await fresh.close();
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.data-table caption', { hasText: `${count} of ${count} nodes` }).waitFor();
    const times: number[] = [];
    const terms = ['n1', 'n12', 'n123', 'h100', 'l40s', 'site-2', 'gateway', '198.18.200.7', 'n4', ''];
    for (let round = 0; round < 3; round++) {
      for (const term of terms) {
        // Measured inside the page: value set → React commit → next paint. Kept as a string: it runs
        // in the browser, and the Node-side type check has no DOM.
        const ms = (await page.evaluate(`(async (value) => {
          const input = document.querySelector('.fleet-grid input');
          const caption = document.querySelector('.data-table caption');
          const before = caption.textContent;
          const start = performance.now();
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((resolve) => {
            const check = () => (caption.textContent !== before || performance.now() - start > 2000 ? resolve() : requestAnimationFrame(check));
            requestAnimationFrame(check);
          });
          await new Promise((r) => requestAnimationFrame(r));
          return performance.now() - start;
        })(${JSON.stringify(term)})`)) as number;
        times.push(ms);
      }
    }
    return { p50Ms: percentile(times, 50) ?? NaN, p95Ms: percentile(times, 95) ?? NaN, loadMs };
  } finally {
    await browser.close();
    serve.kill();
    tmp.cleanup();
  }
}
