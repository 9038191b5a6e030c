import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts.js';
import type { DicomRoundTrip } from '../../shared/clinical/dicom-target.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import type { BedState } from '../testbed/bed.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { runCli } from '../helpers/cli.js';

const INGRESS = path.resolve(import.meta.dirname, '..', 'testbed', 'ai-ingress.sh');
const AI_PORT = 11104;
const DELAY_S = 0.3;

/**
 * The DICOM round trip over SSH on the bed: the probe runs on a radiology node, the stand-in AI
 * (storescp behind an AE-title check, answering each study after 300 ms) on another node.
 */
describe('DICOM round trips through a radiology AI', () => {
  let bed: BedState;
  let h: FleetHarness;
  let ai: ChildProcess;
  const alerts: Alert[] = [];
  const node = () => bed.nodes[13]!;
  const aiNode = () => bed.nodes[11]!;
  const ingress = (extra: Record<string, unknown> = {}) => ({
    host: aiNode().address,
    port: AI_PORT,
    calledAE: 'AI_INGRESS',
    resultAE: 'EW_PROBE',
    resultPort: 11113,
    intervalMs: 2000,
    timeoutMs: 2500,
    ...extra,
  });

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend({ telemetry: { intervalMs: 1000, publishEveryMs: 200 } });
    h.backend.alerts.onChange((a) => alerts.push(a));
    const dir = fs.mkdtempSync(path.join(h.dataDir, 'ai-'));
    ai = spawn(
      'ip',
      [
        'netns',
        'exec',
        aiNode().netns,
        INGRESS,
        'serve',
        'AI_INGRESS',
        String(AI_PORT),
        '11105',
        String(DELAY_S),
        node().address,
        '11113',
        'EW_PROBE',
        dir,
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    while (ssh(bed, node(), `echoscu -aec AI_INGRESS ${aiNode().address} ${AI_PORT}`).status !== 0) {
      if (Date.now() > deadline) throw new Error('the bed AI ingress did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    await addTrusted(h, bed, [node()], {
      profiles: ['radiology'],
      endpoints: [
        { name: 'cxr', port: 18590, dicom: ingress() },
        { name: 'ct', port: 18591 },
        // The AI sends its results to 11113; nothing ever arrives here.
        { name: 'mr', port: 18592, dicom: ingress({ resultPort: 11114, timeoutMs: 800 }) },
      ],
    });
  }, 180_000);
  afterAll(async () => {
    ai?.kill();
    await h?.close();
  });

  it('is timed from the CLI: `probe dicom NODE --endpoint cxr --json`, and audited with the study it stored', async () => {
    const r = await runCli(h.dataDir, ['--json', 'probe', 'dicom', node().name, '--endpoint', 'cxr']);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const trip = JSON.parse(r.stdout) as DicomRoundTrip;
    expect(trip.ok).toBe(true);
    expect(trip.resultMs!).toBeGreaterThanOrEqual(DELAY_S * 1000);
    expect(trip.resultMs!).toBeLessThan(DELAY_S * 1000 + 2000);
    expect(trip.studyUid).toMatch(/^2\.25\.\d+$/);
    h.backend.audit.index.refresh();
    const rec = h.backend.audit.index.query({ action: 'probe.dicom', node: node().name, outcome: 'ok' }, 0, 1).records[0];
    expect(rec?.params).toMatchObject({ endpoint: 'cxr', calledAE: 'AI_INGRESS', studyUid: trip.studyUid, resultMs: trip.resultMs });
    expect(rec?.hostKey).toBeUndefined();
  }, 60_000);

  it('names the AE title the AI did not know (set from the CLI: `nodes dicom`), and an endpoint with no ingress', async () => {
    const set = await runCli(h.dataDir, [
      'nodes',
      'dicom',
      node().name,
      `ct NOT_THE_AI@${aiNode().address}:${AI_PORT} resultAE=EW_PROBE every=2s`,
    ]);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toContain(`ct NOT_THE_AI@${aiNode().address}:${AI_PORT} calling=EDGEWARD result=11113`);
    const r = await runCli(h.dataDir, ['probe', 'dicom', node().name, '--endpoint', 'ct']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /the AI ingress rejected the association \(called AE NOT_THE_AI, calling AE EDGEWARD\): .*Called AE Title Not Recognized/,
    );
    expect(r.stdout).toContain('→ Check both AE titles');
    const none = await runCli(h.dataDir, ['probe', 'dicom', node().name, '--endpoint', 'mri']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain(`${node().name} has no endpoint mri`);
  }, 60_000);

  it('probes every endpoint while the node is watched: latency for the SLO, and a result that never comes raises the burn-rate alert', async () => {
    // The CLI's edit reached this process's inventory: the ct ingress is there.
    await expect
      .poll(() => h.backend.inventory.get(node().name)?.endpoints.find((e) => e.name === 'ct')?.dicom?.calledAE)
      .toBe('NOT_THE_AI');
    let frame: TelemetryFrame | undefined;
    const stop = h.backend.telemetry.watch(node().name, (f) => (frame = f));
    try {
      const dicom = (name: string) => frame?.endpoints?.find((e) => e.name === name && e.probe === 'dicom');
      await expect.poll(() => dicom('cxr')?.probes ?? 0, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(10);
      expect(dicom('cxr')).toMatchObject({
        profile: 'radiology',
        objective: 'p95 < 1000 ms',
        availabilityPct: 100,
        meetsSlo: true,
        burnRateShort: 0,
      });
      expect(dicom('cxr')!.p50Ms!).toBeGreaterThanOrEqual(DELAY_S * 1000);
      expect(dicom('cxr')!.p95Ms!).toBeLessThan(1000);
      expect(dicom('ct')).toMatchObject({ lastOk: false, lastError: expect.stringContaining('Called AE Title Not Recognized') });
      expect(dicom('mr')).toMatchObject({
        availabilityPct: 0,
        meetsSlo: false,
        lastError: expect.stringContaining('no result for the study arrived within 800 ms'),
      });
      await expect
        .poll(() => alerts.find((a) => a.rule === 'slo-burn' && a.node === node().name && a.endpoint === 'mr/dicom'), { timeout: 20_000 })
        .toMatchObject({
          state: 'firing',
          severity: 'critical',
          message: expect.stringContaining('mr DICOM round trip: error budget burning'),
        });
      expect(alerts.some((a) => a.endpoint === 'cxr/dicom')).toBe(false);
      // The round trips are in the history under their own series, beside the OIP probes.
      h.backend.history.flush();
      const points = h.backend.history.queryLatency(node().name, 'cxr/dicom', Date.now() - 3600_000, Date.now()).points;
      expect(points.some((p) => (p.p50Ms ?? 0) >= DELAY_S * 1000)).toBe(true);
      // The session's record says round trips run, and how often.
      const started = h.backend.audit.index.query({ action: 'telemetry.session_start', node: node().name }, 0, 1).records[0];
      expect(started?.params.dicomRoundTrips).toEqual(['cxr every 2 s', 'ct every 2 s', 'mr every 2 s']);
    } finally {
      stop();
    }
  }, 120_000);
});
