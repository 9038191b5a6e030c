import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import { cut, restore, setScenario, type BedState } from '../testbed/bed.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { runCli } from '../helpers/cli.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Collects frames until `until` holds for one (or the timeout ends the wait). */
function waitFor(h: FleetHarness, node: string, until: (f: TelemetryFrame) => boolean, timeoutMs = 15_000): Promise<TelemetryFrame> {
  return new Promise((resolve, reject) => {
    let stop = () => undefined as void;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching telemetry frame from ${node} within ${timeoutMs} ms`));
    }, timeoutMs);
    stop = h.backend.telemetry.watch(node, (f) => {
      if (!until(f)) return;
      clearTimeout(timer);
      setImmediate(stop);
      resolve(f);
    });
  });
}

describe('telemetry agent on the simulated fleet', () => {
  let bed: BedState;
  let h: FleetHarness;
  const node = () => bed.nodes[16]!;
  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend({ telemetry: { intervalMs: 500, publishEveryMs: 100 } });
    await addTrusted(h, bed, [node()]);
  }, 180_000);
  afterAll(async () => {
    setScenario(node(), {});
    await h.close();
  });

  it('streams per-GPU and host samples, and audits the session with the script hash', async () => {
    setScenario(node(), { model: 'l40s', count: 2, load: 'load' });
    const f = await waitFor(h, node().name, (x) => x.session === 'live' && x.gpus.length === 2 && x.host !== undefined);
    expect(f.gpuHealth).toBe('ok');
    expect(f.gpus[0]).toMatchObject({ index: 0, name: 'NVIDIA L40S', memTotalMiB: 46068, pcieWidth: 16 });
    expect(f.gpus[1]!.index).toBe(1);
    expect(typeof f.gpus[0]!.tempC).toBe('number');
    expect(f.host!.memUsedPct).toBeGreaterThan(0);
    // What was streamed: the shared prelude, then the agent.
    const sha = `sha256:${crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(root, 'agents/lib/runtime.sh')))
      .update(fs.readFileSync(path.join(root, 'agents/telemetry.sh')))
      .digest('hex')}`;
    const rec = h.backend.audit.index.query({ action: 'telemetry.session_start', node: node().name }, 0, 1).records[0];
    expect(rec).toMatchObject({ scriptHash: sha, hostKey: expect.stringMatching(/^SHA256:/), outcome: 'ok' });
    // The samples went to the history, and the node has a last known state for offline use.
    h.backend.history.flush();
    expect(h.backend.history.lastKnown().find((k) => k.node === node().name)?.frame.gpus).toHaveLength(2);
    expect(h.backend.history.query(node().name, 0, Date.now() - 60_000, Date.now()).points.length).toBeGreaterThan(0);
  });

  it('turns a GPU that fell off the bus into a typed state, keeping the other GPU', async () => {
    setScenario(node(), { count: 2, fallOffBus: { index: 1, afterS: 0 } });
    const f = await waitFor(h, node().name, (x) => x.gpuHealth === 'lost');
    expect(f.gpuMessage).toContain('GPU is lost');
    const later = await waitFor(h, node().name, (x) => x.gpuHealth === 'lost' && x.gpus.length === 1);
    expect(later.gpus[0]!.index).toBe(0);
  });

  it('reports a failing driver as an error state with its message, not a dead stream', async () => {
    setScenario(node(), { failure: 'no-driver' });
    const f = await waitFor(h, node().name, (x) => x.gpuHealth === 'error');
    expect(f.gpuMessage).toMatch(/couldn't communicate with the NVIDIA driver|nvidia-smi exited/);
    expect(f.host).toBeDefined();
  });

  it('shows a cut link as a lost session with no current samples, and resumes when it returns', async () => {
    setScenario(node(), { count: 1 });
    const collected: TelemetryFrame[] = [];
    const stop = h.backend.telemetry.watch(node().name, (f) => collected.push(f));
    try {
      await expect.poll(() => collected.at(-1)?.session, { timeout: 15_000 }).toBe('live');
      cut(node());
      await expect.poll(() => collected.at(-1)?.session, { timeout: 15_000 }).toBe('lost');
      expect(collected.at(-1)!.gpus).toEqual([]);
      restore(node());
      await expect.poll(() => collected.at(-1)?.session === 'live' && collected.at(-1)!.gpus.length === 1, { timeout: 30_000 }).toBe(true);
    } finally {
      stop();
      restore(node());
    }
  }, 60_000);

  it('is watched from the CLI: `edgeward telemetry watch NODE --count 2 --json`', async () => {
    setScenario(node(), { count: 1 });
    const r = await runCli(h.dataDir, ['--json', 'telemetry', 'watch', node().name, '--count', '2'], { timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TelemetryFrame);
    expect(frames).toHaveLength(2);
    expect(frames.every((f) => f.node === node().name)).toBe(true);
  });
});
