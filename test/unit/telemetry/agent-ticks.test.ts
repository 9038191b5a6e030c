import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgent } from '../../../electron/services/agents/agent-script.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The telemetry agent's clock, run with the real `sh` and procps `vmstat`: host lines once per
 * interval and probes once per probe interval, with no `sleep` started per tick where vmstat exists
 * (each costs ~1.6 ms of CPU, a third of the agent's budget), and `sleep` ticks where it does not.
 * `sleep` on the agent's PATH is a wrapper that logs its calls.
 */
const tmp = makeTempDir('edgeward-agent-ticks-');
afterAll(() => tmp.cleanup());

/** Where a tool is on this machine's PATH. */
const which = (tool: string) =>
  execFileSync('sh', ['-c', `command -v ${tool}`])
    .toString()
    .trim();

const TOOLS = ['sh', 'dmesg', 'grep', 'df', 'sed', 'head', 'tr', 'hostname', 'wc', 'cat', 'curl'];

function binDir(name: string, opts: { vmstat: 'real' | 'none' | 'dies' }): { dir: string; sleeps: string } {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir);
  for (const tool of TOOLS) fs.symlinkSync(which(tool), path.join(dir, tool));
  const sleeps = path.join(tmp.dir, `${name}.sleeps`);
  fs.writeFileSync(path.join(dir, 'sleep'), `#!/bin/sh\necho "$1" >> ${sleeps}\nexec ${which('sleep')} "$@"\n`, { mode: 0o755 });
  const vmstat = which('vmstat');
  if (opts.vmstat === 'real') fs.symlinkSync(vmstat, path.join(dir, 'vmstat'));
  // A vmstat that prints its headers and one line, then ends: the agent must fall back to `sleep`.
  if (opts.vmstat === 'dies') fs.writeFileSync(path.join(dir, 'vmstat'), `#!/bin/sh\n${vmstat} -n 1 1\n`, { mode: 0o755 });
  return { dir, sleeps };
}

/** Run the agent (1 s interval, a 2 s probe of a closed port) for `ms` and collect its non-GPU lines with their arrival times. */
async function runAgent(dir: string, ms: number): Promise<{ t: string; at: number }[]> {
  const child = spawn(path.join(dir, 'sh'), ['-s', '--', '1000', '/', '2000', 'x', '9', '-', 'IN'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
    env: { PATH: dir, LC_ALL: 'C' },
  });
  child.stdin.end(loadAgent('telemetry.sh').text);
  const t0 = Date.now();
  const lines: { t: string; at: number }[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push({ t: (JSON.parse(buf.slice(0, i)) as { t: string }).t, at: Date.now() - t0 });
      buf = buf.slice(i + 1);
    }
  });
  await new Promise((r) => setTimeout(r, ms));
  process.kill(-child.pid!, 'SIGKILL');
  return lines;
}

const count = (lines: { t: string }[], t: string) => lines.filter((l) => l.t === t).length;
/** Lines of a kind within `ms` of the first of them (the start-up's own delay left out). */
const countWithin = (lines: { t: string; at: number }[], t: string, ms: number) => {
  const of = lines.filter((l) => l.t === t);
  return of.filter((l) => l.at - of[0]!.at <= ms).length;
};
const sleepArgs = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('telemetry agent ticks', () => {
  it("takes its ticks from vmstat's clock: a host line a second and a probe every 2 s, starting no sleep", async () => {
    const { dir, sleeps } = binDir('vmstat', { vmstat: 'real' });
    const lines = await runAgent(dir, 5500);
    // At 0, 1, 2, 3, 4 s (vmstat's header lines are not ticks).
    expect(countWithin(lines, 'host', 4500)).toBe(5);
    expect(countWithin(lines, 'probe', 4500)).toBe(3);
    // nvidia-smi is missing here, so the GPU loop's 30 s retry is the only sleep.
    expect(sleepArgs(sleeps)).toEqual(['30']);
  }, 15_000);

  it('ticks with sleep where vmstat is missing, and where it ends', async () => {
    for (const vmstat of ['none', 'dies'] as const) {
      const { dir, sleeps } = binDir(`vmstat-${vmstat}`, { vmstat });
      const lines = await runAgent(dir, 4600);
      expect(count(lines, 'host'), vmstat).toBeGreaterThanOrEqual(4);
      expect(count(lines, 'host'), vmstat).toBeLessThanOrEqual(6);
      expect(count(lines, 'probe'), vmstat).toBeGreaterThanOrEqual(2);
      expect(sleepArgs(sleeps).filter((s) => s === '1').length, vmstat).toBeGreaterThanOrEqual(3);
    }
  }, 30_000);
});
