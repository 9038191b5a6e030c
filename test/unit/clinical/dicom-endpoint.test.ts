import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, conditionsOf } from '../../../shared/alerts.js';
import { formatIngressLine, parseIngressLine } from '../../../shared/clinical/dicom-ingress-line.js';
import { DicomIngress, type DicomRoundTrip } from '../../../shared/clinical/dicom-target.js';
import { FleetNode } from '../../../shared/fleet.js';
import { PROFILE_SLOS, type Probe } from '../../../shared/slo.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { NodeEndpoints, dicomSchedule, type DicomRunner } from '../../../electron/services/telemetry/node-endpoints.js';
import { endpointsFromText } from '../../../renderer/src/views/fleet/endpoint-lines.js';

const node = (dicom: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  FleetNode.parse({
    name: 'rad-01',
    host: '10.0.0.1',
    profiles: ['radiology'],
    endpoints: [
      { name: 'cxr', port: 8000, model: 'chest', ...(dicom ? { dicom: { calledAE: 'AI', intervalMs: 2000, ...dicom } } : {}), ...extra },
    ],
  });

/** A runner that answers from a script of results, one per call, and counts calls. */
function scripted(results: (DicomRoundTrip | Error)[]): DicomRunner & { calls: number } {
  const run = (async () => {
    const r = results[Math.min(run.calls++, results.length - 1)]!;
    if (r instanceof Error) throw r;
    return r;
  }) as unknown as DicomRunner & { calls: number };
  run.calls = 0;
  return run;
}

const until = async (cond: () => boolean) => {
  // By the clock, not a count of turns: a loaded CI machine runs fewer of them per second.
  for (const end = Date.now() + 5000; Date.now() < end && !cond();) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe("an endpoint's DICOM round trips", () => {
  const ok = (ms: number): DicomRoundTrip => ({ ok: true, resultMs: ms, sentMs: 20, studyUid: '2.25.1' });
  const failed = (kind: NonNullable<DicomRoundTrip['error']>['kind']): DicomRoundTrip => ({
    ok: false,
    studyUid: '2.25.1',
    error: { kind, message: `it failed (${kind})`, next: 'do this' },
  });

  it('are a series of their own beside the OIP probe, judged by the radiology SLO', async () => {
    const samples: [string, Probe][] = [];
    const run = scripted([ok(340), ok(1500)]);
    const eps = new NodeEndpoints('rad-01', {
      slo: (p) => PROFILE_SLOS[p],
      runDicom: run,
      onSample: (s, p) => samples.push([s, p]),
      changed: () => {},
    });
    eps.configure(node({}), 5000);
    await until(() => samples.length === 1);
    const [oip, dicom] = eps.statuses(Date.now());
    expect(oip).toMatchObject({ name: 'cxr', model: 'chest', lastOk: null });
    expect(oip!.probe).toBeUndefined();
    expect(dicom).toMatchObject({ name: 'cxr', probe: 'dicom', lastOk: true, lastMs: 340, objective: 'p95 < 1000 ms' });
    expect(dicom!.model).toBeUndefined();
    expect(samples[0]).toEqual(['cxr/dicom', expect.objectContaining({ ok: true, latencyMs: 340 })]);
    eps.stop();
  });

  it("counts the AI's failures against the SLO, not the probe's own (no dcmtk, a busy result port, a cut link)", async () => {
    const samples: Probe[] = [];
    const run = scripted([failed('rejected'), failed('tools'), new Error('connection lost'), failed('timeout')]);
    const eps = new NodeEndpoints('rad-01', {
      slo: (p) => PROFILE_SLOS[p],
      runDicom: run,
      onSample: (_s, p) => samples.push(p),
      changed: () => {},
    });
    eps.configure(node({ intervalMs: 2000 }), 5000);
    await until(() => run.calls === 1 && samples.length === 1);
    expect(samples[0]!.ok).toBe(false);
    const status = eps.statuses(Date.now())[1]!;
    expect(status).toMatchObject({ lastOk: false, lastError: 'it failed (rejected). do this', probes: 1 });
    eps.stop();
    // With a short interval: the probe-side failures leave the count alone but say why.
    const fast = scripted([failed('tools'), new Error('connection lost')]);
    const eps2 = new NodeEndpoints('rad-01', {
      slo: (p) => PROFILE_SLOS[p],
      runDicom: fast,
      onSample: (_s, p) => samples.push(p),
      changed: () => {},
    });
    eps2.configure(node({}), 5000);
    await until(() => fast.calls === 1);
    await until(() => eps2.statuses(Date.now())[1]!.lastError !== undefined);
    expect(eps2.statuses(Date.now())[1]).toMatchObject({
      probes: 0,
      lastError: expect.stringMatching(/^DICOM probe could not run: it failed \(tools\)/),
    });
    expect(samples).toHaveLength(1);
    eps2.stop();
  });

  it('raise a burn-rate alert of their own, keyed apart from the OIP endpoint', () => {
    const frame = {
      node: 'rad-01',
      at: Date.now(),
      session: 'live',
      gpuHealth: 'ok',
      gpus: [],
      rejected: 0,
      endpoints: [
        {
          name: 'cxr',
          lastOk: true,
          lastMs: 5,
          probes: 20,
          p50Ms: 5,
          p95Ms: 5,
          p99Ms: 5,
          availabilityPct: 100,
          objective: 'p95 < 1000 ms',
          objectiveMs: 1000,
          meetsSlo: true,
          burnRateShort: 0,
          burnRateLong: 0,
        },
        {
          name: 'cxr',
          probe: 'dicom',
          lastOk: false,
          lastMs: null,
          probes: 20,
          p50Ms: null,
          p95Ms: null,
          p99Ms: null,
          availabilityPct: 0,
          objective: 'p95 < 1000 ms',
          objectiveMs: 1000,
          meetsSlo: false,
          burnRateShort: 20,
          burnRateLong: 20,
        },
      ],
    } as TelemetryFrame;
    const alerts = conditionsOf(frame, DEFAULT_THRESHOLDS, undefined).filter((c) => c.rule === 'slo-burn');
    expect(alerts).toEqual([
      expect.objectContaining({
        endpoint: 'cxr/dicom',
        severity: 'critical',
        message: expect.stringMatching(/^cxr DICOM round trip: error budget burning 20\.0×/),
      }),
    ]);
  });

  it('are said in the telemetry session record (each one stores a study at the AI)', () => {
    expect(dicomSchedule(node({ intervalMs: 30_000 }))).toEqual({ dicomRoundTrips: ['cxr every 30 s'] });
    expect(dicomSchedule(node(undefined))).toEqual({});
  });
});

describe('the DICOM ingress as a line of text (node editor, CLI)', () => {
  it('reads what it writes, and names what it cannot read', () => {
    const d = DicomIngress.parse({
      calledAE: 'AI_INGRESS',
      host: 'fe80::1',
      port: 11112,
      timeoutMs: 1500,
      intervalMs: 60_000,
      uidRoot: '1.2.3',
    });
    const line = formatIngressLine('cxr', d);
    expect(line).toBe(
      'cxr AI_INGRESS@[fe80::1]:11112 calling=EDGEWARD result=11113 resultAE=EDGEWARD_PROBE timeout=1500ms every=60s uidRoot=1.2.3',
    );
    const back = parseIngressLine(line);
    expect('error' in back).toBe(false);
    expect(DicomIngress.parse((back as { ingress: unknown }).ingress)).toEqual(d);
    expect(parseIngressLine('cxr AI@10.0.0.9')).toEqual({ endpoint: 'cxr', ingress: { calledAE: 'AI', host: '10.0.0.9' } });
    expect(parseIngressLine('cxr 10.0.0.9:104')).toMatchObject({ error: expect.stringContaining('CALLED_AE@HOST:PORT') });
    expect(parseIngressLine('cxr AI@h:104 every=soon')).toMatchObject({ error: expect.stringContaining('duration') });
    expect(parseIngressLine('cxr AI@h:104 color=red')).toMatchObject({ error: expect.stringContaining('options are') });
    // The PACS as the result's destination, its URL whole (an "=" in it included).
    const viaPacs = parseIngressLine('cxr AI@h:104 pacs=http://pacs:8042/dicom-web;site=north');
    expect(DicomIngress.parse((viaPacs as { ingress: unknown }).ingress).resultQido).toBe('http://pacs:8042/dicom-web;site=north');
    const pacs = DicomIngress.parse({ calledAE: 'AI', host: 'h', resultQido: 'http://pacs:8042/dicom-web' });
    expect(parseIngressLine(formatIngressLine('cxr', pacs))).toMatchObject({ ingress: { resultQido: 'http://pacs:8042/dicom-web' } });
    // The schema, not the line reader, refuses what could reach a command line.
    expect(DicomIngress.safeParse({ calledAE: 'AI;reboot', host: 'h' }).success).toBe(false);
  });

  it('reads a PACS found by C-FIND (AE@HOST:PORT, an IPv6 host in brackets), and refuses both PACS lookups at once', () => {
    const viaFind = parseIngressLine('cxr AI@h:104 find=PACS@[fd00::5]:4242');
    const d = DicomIngress.parse((viaFind as { ingress: unknown }).ingress);
    expect(d.resultFind).toEqual({ calledAE: 'PACS', host: 'fd00::5', port: 4242 });
    expect(formatIngressLine('cxr', d)).toContain(' find=PACS@[fd00::5]:4242');
    expect(DicomIngress.parse((parseIngressLine(formatIngressLine('cxr', d)) as { ingress: unknown }).ingress)).toEqual(d);
    // The PACS's DICOM port defaults to 104, as the AI's does.
    expect((parseIngressLine('cxr AI@h find=PACS@pacs.local') as { ingress: { resultFind: unknown } }).ingress.resultFind).toEqual({
      calledAE: 'PACS',
      host: 'pacs.local',
      port: 104,
    });
    expect(parseIngressLine('cxr AI@h find=pacs.local:104')).toMatchObject({ error: expect.stringContaining('AE@HOST:PORT') });
    const both = DicomIngress.safeParse({
      calledAE: 'AI',
      host: 'h',
      resultQido: 'http://pacs/dicom-web',
      resultFind: { calledAE: 'PACS', host: 'p' },
    });
    expect(both.success).toBe(false);
    expect(both.error!.issues[0]!.message).toContain('not both');
    expect(DicomIngress.safeParse({ calledAE: 'AI', host: 'h', resultFind: { calledAE: 'PACS', host: 'p;reboot' } }).success).toBe(false);
  });

  it("keeps what the editor's lines do not show: an endpoint's input name, and its DICOM ingress only where a line gives one", () => {
    const before = node({ host: '10.0.0.9' }, { input: 'IMAGE' }).endpoints;
    const r = endpointsFromText('cxr:8000:chest\nct:8001', 'cxr AI@10.0.0.9:104 every=30s', before, parseIngressLine);
    expect(r).toMatchObject({
      value: [
        { name: 'cxr', input: 'IMAGE', dicom: { calledAE: 'AI', host: '10.0.0.9', port: 104, intervalMs: 30_000 } },
        { name: 'ct', input: 'INPUT0' },
      ],
    });
    expect((r as { value: { dicom?: unknown }[] }).value[1]!.dicom).toBeUndefined();
    expect(endpointsFromText('cxr:8000', 'mri AI@h:104', before, parseIngressLine)).toMatchObject({
      error: { message: expect.stringContaining('no endpoint mri') },
    });
  });
});
