import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { percentile } from '../../shared/stats.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { launchChromium } from '../e2e/browser.js';
import { write500 } from '../helpers/fleet-500.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Fleet view in Chromium with `count` nodes: time from a keystroke in Search to the updated table. */
export async function benchFleetView(count = 500, build = true): Promise<{ p50Ms: number; p95Ms: number; loadMs: number }> {
  if (build) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const tmp = makeTempDir('edgeward-bench-ui-');
  const csv = path.join(tmp.dir, 'fleet.csv');
  write500(csv, count);
  execFileSync(process.execPath, [path.join(root, 'dist/electron/cli.mjs'), '--data-dir', tmp.dir, 'nodes', 'import-csv', csv, '--yes'], {
    stdio: 'ignore',
  });
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
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t0 = performance.now();
    await page.goto(url);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /^Fleet/ })
      .click();
    await page.locator('.data-table caption', { hasText: `${count} of ${count} nodes` }).waitFor();
    const loadMs = performance.now() - t0;
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
