import { loadAgent } from '../../electron/services/agents/agent-script.js';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { percentile } from '../../shared/stats.js';
import { launchChromium } from '../e2e/browser.js';
import { startServe } from '../e2e/serve.js';
import { hostFingerprint, nodeInput } from '../integration/helpers/fleet.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildNodeBin } from '../testbed/artifacts.js';
import { down, up } from '../testbed/bed.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** nvidia-smi's `timestamp` (node-local time, no zone; the bed shares this machine's clock and zone). */
function parseSmiTime(s: string): number {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, se, ms] = m.map(Number) as number[];
  return new Date(y!, mo! - 1, d, h, mi, se, ms).getTime();
}

export interface LiveBench {
  intervalMs: number;
  latency: { n: number; p50Ms: number; p95Ms: number; maxMs: number };
  frames: { charts: number; n: number; medianMs: number; p95Ms: number; over50: number; busyMsPerFrame: number; pointsPerLine: number };
}

/**
 * On the bed, in Chromium over the bridge: (1) node sample → drawn — nvidia-smi's own timestamp
 * of the sample against the animation frame after the row showing it changed; (2) the node view
 * with 16 live charts (4 GPUs × 4 metrics), frame times while samples arrive 4 times a second.
 */
export async function benchTelemetryLive(durationS = 30): Promise<LiveBench> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
  const intervalMs = 250;
  const bed = await up({ nodes: 1, image: false, scenario: () => ({ count: 4, load: 'sine', periodS: 20 }) });
  const tmp = makeTempDir('edgeward-bench-live-');
  const node = bed.nodes[0]!;
  try {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    await backend.inventory.add(nodeInput(bed, node, { name: 'bench-01', telemetryIntervalMs: intervalMs }));
    await backend.pool.trust('bench-01', hostFingerprint(node));
    await backend.close();
    const serve = await startServe(tmp.dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(serve.url);
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Fleet/ })
        .click();
      await page.getByRole('link', { name: 'bench-01' }).click();
      await page.locator('[data-testid="live-telemetry"][data-session="live"] tr[data-gpu="3"]').waitFor({ timeout: 20_000 });
      // Kept as strings: they run in the page, and the Node-side type check has no DOM.
      await page.evaluate(`(() => {
        window.__drawn = [];
        const table = document.querySelector('[data-testid="live-telemetry"] table');
        new MutationObserver((muts) => {
          for (const m of muts) {
            if (m.target.getAttribute('data-gpu') !== '0') continue;
            const v = m.target.getAttribute('data-sampled');
            requestAnimationFrame(() => window.__drawn.push([v, performance.timeOrigin + performance.now()]));
          }
        }).observe(table, { subtree: true, attributes: true, attributeFilter: ['data-sampled'] });
      })()`);
      await page.waitForTimeout(durationS * 1000);
      const drawn = (await page.evaluate('window.__drawn')) as [string, number][];
      const lat = drawn.map(([v, t]) => t - parseSmiTime(v)).filter(Number.isFinite);

      await page.getByLabel('Chart layout').selectOption('gpu');
      await page.waitForTimeout(2000);
      const charts = await page.locator('[data-testid="live-charts"] figure.chart').count();
      // Frame intervals are held to the display's 60 Hz: the page's own work per frame is what the
      // renderer's main thread was busy with (Chromium's TaskDuration) over the frames drawn.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const busyS = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
      const busy0 = await busyS();
      const frames = (await page.evaluate(`new Promise((resolve) => {
        const deltas = [];
        let last = performance.now();
        const end = last + ${durationS * 500};
        const step = (t) => {
          deltas.push(t - last);
          last = t;
          if (t < end) requestAnimationFrame(step); else resolve(deltas);
        };
        requestAnimationFrame(step);
      })`)) as number[];
      const busyMsPerFrame = (((await busyS()) - busy0) * 1000) / frames.length;
      const pointsPerLine = Math.min(480, Math.round(((durationS * 1.5 + 2) * 1000) / intervalMs));
      serve.child.kill();
      return {
        intervalMs,
        latency: { n: lat.length, p50Ms: percentile(lat, 50) ?? NaN, p95Ms: percentile(lat, 95) ?? NaN, maxMs: Math.max(...lat) },
        frames: {
          charts,
          n: frames.length,
          medianMs: percentile(frames, 50) ?? NaN,
          p95Ms: percentile(frames, 95) ?? NaN,
          over50: frames.filter((f) => f > 50).length,
          busyMsPerFrame,
          pointsPerLine,
        },
      };
    } finally {
      await browser.close();
      serve.child.kill();
    }
  } finally {
    tmp.cleanup();
    await down();
  }
}

/**
 * CPU of the agent on a node at 1 Hz, the simulator excluded: the agent runs in a cpuacct cgroup
 * (every process it starts is counted, short-lived ones too), and the nvidia-smi simulator moves
 * itself to a cgroup of its own first thing. Real dmesg, real curl against a local OIP stand-in,
 * real podman for the container snapshot.
 */
export async function benchAgentCpu(windows = 5, seconds = 30): Promise<{ cpuPct: number[]; seconds: number } | { skipped: string }> {
  const cg = '/sys/fs/cgroup/cpuacct';
  if (!fs.existsSync(path.join(cg, 'cpuacct.usage'))) return { skipped: 'no cgroup v1 cpuacct controller here' };
  const agentCg = path.join(cg, `ew-agent-${process.pid}`);
  const simCg = path.join(cg, `ew-sim-${process.pid}`);
  fs.mkdirSync(agentCg);
  fs.mkdirSync(simCg);
  const tmp = makeTempDir('edgeward-bench-agent-');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'POST' ? '{"outputs":[]}' : ''));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    await buildNodeBin(tmp.dir);
    const wrap = path.join(tmp.dir, 'wrap');
    fs.mkdirSync(wrap);
    fs.writeFileSync(
      path.join(wrap, 'nvidia-smi'),
      `#!/bin/sh\necho $$ > ${simCg}/cgroup.procs\nexec ${path.join(tmp.dir, 'bin', 'nvidia-smi')} "$@"\n`,
      { mode: 0o755 },
    );
    const scenario = path.join(tmp.dir, 'scenario.json');
    fs.writeFileSync(scenario, JSON.stringify({ count: 8, load: 'sine', startedAt: Date.now() }));
    const child = spawn('sh', ['-c', `echo $$ > ${agentCg}/cgroup.procs; exec sh -s -- 1000 / 5000 cxr ${port} chest-xray INPUT0`], {
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
      env: { ...process.env, PATH: `${wrap}:${process.env.PATH ?? ''}`, EDGEWARD_SIM_SCENARIO: scenario },
    });
    child.stdin.end(loadAgent('telemetry.sh').text);
    let lines = 0;
    child.stdout.on('data', (c: Buffer) => (lines += c.toString().split('\n').length - 1));
    const usage = () => Number(fs.readFileSync(path.join(agentCg, 'cpuacct.usage'), 'utf8'));
    await new Promise((r) => setTimeout(r, 5000));
    // Windows of 30 s hold the same work each (one container snapshot, three kernel-log reads, six
    // probes), so their spread is the machine's noise, not the agent's schedule.
    const cpuPct: number[] = [];
    for (let w = 0; w < windows; w++) {
      const u0 = usage();
      const l0 = lines;
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const used = usage() - u0;
      if (lines - l0 < seconds * 8) throw new Error(`the agent printed only ${lines - l0} lines in ${seconds} s`);
      cpuPct.push((used / 1e9 / seconds) * 100);
    }
    process.kill(-child.pid!, 'SIGKILL');
    return { cpuPct, seconds };
  } finally {
    server.close();
    await new Promise((r) => setTimeout(r, 500));
    for (const dir of [agentCg, simCg]) {
      for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    fs.rmdirSync(agentCg);
    fs.rmdirSync(simCg);
    tmp.cleanup();
  }
}
