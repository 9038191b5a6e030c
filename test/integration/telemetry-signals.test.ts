import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts.js';
import { PROFILE_SLOS } from '../../shared/slo.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import { setScenario, type BedState } from '../testbed/bed.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

/**
 * The agent's other signals on real nodes: Xid events from the (simulated) kernel log, OIP latency
 * probes against a real inference container judged by the SLO, and the managed containers' state.
 */
describe('telemetry signals: Xid, latency probes and SLOs, containers', () => {
  let bed: BedState;
  let h: FleetHarness;
  const frames = new Map<string, TelemetryFrame>();
  const stops: (() => void)[] = [];
  const alerts: Alert[] = [];
  const xidNode = () => bed.nodes[17]!;
  const probeNode = () => bed.nodes[18]!;
  const restrictedNode = () => bed.nodes[19]!;
  const oldDmesgNode = () => bed.nodes[20]!;
  const PORT = 18500;

  const watch = (name: string) => stops.push(h.backend.telemetry.watch(name, (f) => frames.set(name, f)));

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend({ telemetry: { intervalMs: 500, publishEveryMs: 100 } });
    h.backend.alerts.onChange((a) => alerts.push(a));
    await addTrusted(h, bed, [xidNode(), probeNode(), oldDmesgNode()]);
    await addTrusted(h, bed, [restrictedNode()], { user: 'edge' });
  }, 180_000);
  afterAll(async () => {
    for (const stop of stops) stop();
    ssh(bed, probeNode(), 'docker rm -f -t 0 ew-probe-oip >/dev/null 2>&1; true');
    for (const n of [xidNode(), probeNode(), restrictedNode(), oldDmesgNode()]) setScenario(n, {});
    await h.close();
  });

  it('reports an Xid that appears in the kernel log during the session, tied to its GPU, as an alert', async () => {
    setScenario(xidNode(), { count: 2 });
    watch(xidNode().name);
    await expect.poll(() => frames.get(xidNode().name)?.xid?.available, { timeout: 15_000 }).toBe(true);
    expect(frames.get(xidNode().name)!.xid!.recent).toEqual([]);
    // A double-bit ECC error on GPU 1, two seconds from now.
    const loggedAt = Date.now() + 2000;
    setScenario(xidNode(), { count: 2, xids: [{ afterS: 2, index: 1, code: 48 }] });
    await expect.poll(() => frames.get(xidNode().name)?.xid?.recent.length, { timeout: 30_000 }).toBe(1);
    // The agent follows the kernel log (dmesg --follow-new): the event is here as it is logged, not at the next poll.
    expect(frames.get(xidNode().name)!.xid!.recent[0]!.at - loggedAt).toBeLessThan(1_500);
    expect(frames.get(xidNode().name)!.xid!.recent[0]).toMatchObject({
      code: 48,
      gpu: 1,
      pci: '0000:21:00',
      text: expect.stringMatching(/^An uncorrectable double bit error \(DBE\)/),
    });
    await expect
      .poll(() => alerts.find((a) => a.rule === 'gpu-xid' && a.node === xidNode().name), { timeout: 5000 })
      .toMatchObject({
        gpu: 1,
        severity: 'critical',
        state: 'firing',
      });
    // Firing is in the audit log, for the compliance trail.
    await expect
      .poll(() => h.backend.audit.index.query({ action: 'alert.fire', node: xidNode().name }, 0, 5).records.length, { timeout: 5000 })
      .toBeGreaterThan(0);
  }, 60_000);

  it('follows the kernel log where dmesg can (--follow-new), and polls it where dmesg is older', async () => {
    setScenario(oldDmesgNode(), { count: 2, dmesgNoFollow: true });
    watch(oldDmesgNode().name);
    await expect.poll(() => frames.get(oldDmesgNode().name)?.xid?.available, { timeout: 15_000 }).toBe(true);
    const loggedAt = Date.now() + 1000;
    setScenario(oldDmesgNode(), { count: 2, dmesgNoFollow: true, xids: [{ afterS: 1, index: 0, code: 13 }] });
    await expect.poll(() => frames.get(oldDmesgNode().name)?.xid?.recent.length, { timeout: 30_000 }).toBe(1);
    expect(frames.get(oldDmesgNode().name)!.xid!.recent[0]).toMatchObject({ code: 13, gpu: 0 });
    // Polled every 10th interval (10 s here, intervals being whole seconds): seen within one poll of being logged.
    expect(frames.get(oldDmesgNode().name)!.xid!.recent[0]!.at - loggedAt).toBeLessThan(10_000 + 2_000);
  }, 60_000);

  it('says so when the kernel log cannot be read, instead of showing no Xid events as good news', async () => {
    setScenario(restrictedNode(), { count: 1, dmesgRestricted: true });
    watch(restrictedNode().name);
    await expect.poll(() => frames.get(restrictedNode().name)?.xid?.available, { timeout: 15_000 }).toBe(false);
    expect(frames.get(restrictedNode().name)!.xid!.message).toContain('dmesg: read kernel buffer failed: Operation not permitted');
  }, 30_000);

  it('probes a real OIP container, shows it as a managed container, and fires a burn-rate alert on injected latency', async () => {
    const node = probeNode();
    setScenario(node, { count: 1 });
    const run = ssh(
      bed,
      node,
      `docker run -d --name ew-probe-oip --label io.edgeward.deployment=cxr --label io.edgeward.revision=3 -p ${PORT}:8000 -e MODEL_NAME=chest-xray -e LATENCY_MS=20 -e LATENCY_JITTER_MS=2 ${bed.image}`,
    );
    expect(run.status, run.stderr).toBe(0);
    await h.backend.inventory.edit(node.name, {
      profiles: ['radiology'],
      probeIntervalMs: 1000,
      endpoints: [{ name: 'cxr', port: PORT, model: 'chest-xray', input: 'INPUT0' }],
    });
    // The radiology objective, tightened in Settings so the test needs seconds, not minutes.
    expect(
      (
        await h.backend.router.invoke(
          'settings.set',
          { slo: { ...PROFILE_SLOS, radiology: { latency: { percentile: 95, belowMs: 150 } } } },
          { transport: 'cli', clientId: 'test' },
        )
      ).ok,
    ).toBe(true);
    watch(node.name);
    const cxr = () => frames.get(node.name)?.endpoints?.find((e) => e.name === 'cxr');
    await expect.poll(() => cxr()?.lastOk, { timeout: 20_000 }).toBe(true);
    await expect.poll(() => cxr()?.probes ?? 0, { timeout: 20_000 }).toBeGreaterThanOrEqual(10);
    expect(cxr()).toMatchObject({
      model: 'chest-xray',
      profile: 'radiology',
      objective: 'p95 < 150 ms',
      meetsSlo: true,
      availabilityPct: 100,
    });
    expect(cxr()!.p50Ms).toBeGreaterThan(15);
    expect(cxr()!.p50Ms).toBeLessThan(150);
    expect(cxr()!.burnRateShort).toBe(0);
    await expect
      .poll(() => frames.get(node.name)?.containers?.list.find((c) => c.name === 'ew-probe-oip'), { timeout: 65_000 })
      .toMatchObject({ state: 'running', deployment: 'cxr', revision: '3', restarts: 0, image: bed.image });
    expect(frames.get(node.name)!.containers!.runtime).toBe('docker');
    // The snapshot says when it arrived (the agent takes one every 30 intervals).
    expect(frames.get(node.name)!.containers!.at).toBeGreaterThan(Date.now() - 70_000);

    // 400 ms per inference from now on: every probe misses p95 < 150 ms.
    const fault = await fetch(`http://${node.address}:${PORT}/admin/fault`, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: 400, jitterMs: 0 }),
    });
    expect(fault.status).toBe(200);
    await expect.poll(() => cxr()?.meetsSlo, { timeout: 20_000 }).toBe(false);
    await expect
      .poll(() => alerts.find((a) => a.rule === 'slo-burn' && a.node === node.name), { timeout: 30_000 })
      .toMatchObject({
        endpoint: 'cxr',
        state: 'firing',
        message: expect.stringContaining('against p95 < 150 ms'),
      });
    // The probes are in the history too (a chart of the last hour works offline).
    h.backend.history.flush();
    const points = h.backend.history.queryLatency(node.name, 'cxr', Date.now() - 3600_000, Date.now()).points;
    expect(points.some((p) => (p.p95Ms ?? 0) >= 400)).toBe(true);
  }, 180_000);

  it('shows a stopped server as failed probes with the reason, and the container as exited', async () => {
    const node = probeNode();
    expect(ssh(bed, node, 'docker stop -t 0 ew-probe-oip').status).toBe(0);
    const cxr = () => frames.get(node.name)?.endpoints?.find((e) => e.name === 'cxr');
    await expect.poll(() => cxr()?.lastError, { timeout: 15_000 }).toMatch(/no answer on port 18500/);
    expect(cxr()!.lastOk).toBe(false);
    await expect
      .poll(() => frames.get(node.name)?.containers?.list.find((c) => c.name === 'ew-probe-oip')?.state, { timeout: 65_000 })
      .toBe('exited');
  }, 100_000);
});
