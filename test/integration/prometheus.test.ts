import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/app/backend.js';
import { cut, restore, setScenario, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { cliArgv } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { hostFingerprint, nodeInput } from './helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/run-child.js';

/** The headless collector watching a bed node, scraped by Debian's real Prometheus; PromQL is the oracle. */
describe('the collector, scraped by Prometheus', () => {
  let bed: BedState;
  let node: BedNode;
  const tmp = makeTempDir('edgeward-prom-');
  let collector: ChildProcess;
  let prometheus: ChildProcess;
  let promUrl: string;
  let collectorOut = '';

  const query = async (q: string): Promise<string[]> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
    if (!res?.ok) return [];
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    return body.data.result.map((r) => r.value[1]);
  };

  beforeAll(async () => {
    bed = await ensureBed();
    node = bed.nodes[12]!;
    setScenario(node, { count: 2, gpuOverrides: { '0': { 'temperature.gpu': '67' } } });
    const dataDir = path.join(tmp.dir, 'data');
    const seed = await createBackend({ dataDir, transport: 'cli', userKnownHostsFile: path.join(tmp.dir, 'none') });
    await seed.inventory.add(nodeInput(bed, node, { site: 'north', department: 'radiology' }));
    await seed.pool.trust(node.name, hostFingerprint(node));
    await seed.close();
    collector = spawn('node', cliArgv(dataDir, 'collector', '--listen', '127.0.0.1:0'), { stdio: ['ignore', 'pipe', 'pipe'] });
    collector.stdout!.on('data', (c: Buffer) => (collectorOut += c.toString()));
    collector.stderr!.on('data', (c: Buffer) => (collectorOut += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!/metrics at http:\/\/\S+\/metrics/.test(collectorOut)) {
      if (Date.now() > deadline || collector.exitCode !== null) throw new Error(`the collector did not start: ${collectorOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const target = /metrics at http:\/\/(\S+)\/metrics/.exec(collectorOut)![1]!;
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const cfg = path.join(tmp.dir, 'prometheus.yml');
    fs.writeFileSync(
      cfg,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: edgeward\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    prometheus = spawn(
      'prometheus',
      ['--config.file', cfg, '--storage.tsdb.path', path.join(tmp.dir, 'tsdb'), '--web.listen-address', `127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
  }, 180_000);

  afterAll(async () => {
    restore(node);
    await stopChild(prometheus);
    await stopChild(collector, 'SIGKILL');
    tmp.cleanup();
  });

  it('answers PromQL with what the node’s GPUs reported, under DCGM names and labels', async () => {
    await expect.poll(() => query('up{job="edgeward"}'), { timeout: 30_000 }).toEqual(['1']);
    await expect.poll(() => query(`DCGM_FI_DEV_GPU_TEMP{node="${node.name}",gpu="0"}`), { timeout: 30_000 }).toEqual(['67']);
    expect(
      await query(`count(DCGM_FI_DEV_GPU_UTIL{node="${node.name}",site="north",department="radiology",modelName=~"NVIDIA.+"})`),
    ).toEqual(['2']);
    expect(await query(`edgeward_node_reachable{node="${node.name}"}`)).toEqual(['1']);
    // A counter under dcgm-exporter's name (no _total) still parses in the OpenMetrics scrape Prometheus asks for.
    expect(await query(`DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{node="${node.name}",gpu="0"}`)).toEqual(['0']);
  }, 60_000);

  it('serves the node view’s history from Prometheus when Settings names it, and says so; the local history when it does not answer', async () => {
    const viewer = await createBackend({
      dataDir: path.join(tmp.dir, 'viewer'),
      transport: 'cli',
      userKnownHostsFile: path.join(tmp.dir, 'none'),
    });
    try {
      await viewer.inventory.add(nodeInput(bed, node, { site: 'north' }));
      const ctx = { transport: 'cli' as const, clientId: 't' };
      expect((await viewer.router.invoke('settings.set', { prometheusUrl: promUrl }, ctx)).ok).toBe(true);
      type History = { source: string; stepS: number; gpus: number[]; points: Record<string, number | null>[] };
      const load = async () => {
        const r = await viewer.router.invoke('telemetry.history', { node: node.name, range: '1h', maxPoints: 200 }, ctx);
        if (!r.ok) throw new Error(r.error.message);
        return r.value as History;
      };
      // A scrape or two after the first: Prometheus has a step's worth of samples.
      await expect.poll(async () => (await load()).points.some((p) => p.temp0 === 67), { timeout: 20_000 }).toBe(true);
      const h = await load();
      expect(h.source).toBe('prometheus');
      expect(h.stepS).toBe(18);
      expect(h.gpus).toEqual([0, 1]);
      expect(h.points.some((p) => p.temp0 === 67)).toBe(true);
      // Steps before the first scrape are gaps, not zeros.
      expect(h.points[0]!.temp0).toBeNull();
      await viewer.router.invoke('settings.set', { prometheusUrl: 'http://127.0.0.1:1' }, ctx);
      const down = await viewer.router.invoke('telemetry.history', { node: node.name, range: '1h', maxPoints: 200 }, ctx);
      expect(down.ok && (down.value as { source: string; fallback?: string })).toMatchObject({
        source: 'local',
        fallback: expect.stringMatching(/^Prometheus at http:\/\/127\.0\.0\.1:1 did not answer \(.*\): local history shown$/),
      });
    } finally {
      await viewer.close();
    }
  }, 60_000);

  it('turns a cut node to 0 in its reachability metric', async () => {
    cut(node);
    await expect.poll(() => query(`edgeward_node_reachable{node="${node.name}"}`), { timeout: 60_000, interval: 1000 }).toEqual(['0']);
    restore(node);
  }, 90_000);

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => collector.once('exit', (code) => r(code)));
    collector.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(collectorOut).toContain('edgeward collector: stopping');
  }, 30_000);
});
