import fs from 'node:fs';
import path from 'node:path';
import { xidRunbook } from '../../../shared/xid-runbook.js';
import { XID_ROWS } from '../../../shared/xid-catalog-data.js';
import { afterAll, describe, expect, it } from 'vitest';
import { EndpointTracker, probeOf } from '../../../electron/services/telemetry/endpoint-probes.js';
import { agentCommand } from '../../../electron/services/telemetry/agent-transport.js';
import { parseXidLine } from '../../../electron/services/telemetry/xid.js';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { shellQuote } from '../../../electron/services/ssh/shell-quote.js';
import { conditionsOf, CRITICAL_XIDS, DEFAULT_THRESHOLDS } from '../../../shared/alerts.js';
import { Endpoint, FleetNode } from '../../../shared/fleet.js';
import { PROFILE_SLOS } from '../../../shared/slo.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const KERNEL = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'kernel');
const ep = Endpoint.parse({ name: 'cxr', port: 8000, model: 'chest-xray' });
const frame = (extra: Partial<TelemetryFrame>): TelemetryFrame => ({
  node: 'rad-01',
  at: 1000,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [],
  rejected: 0,
  ...extra,
});

describe('Xid events from the kernel log', () => {
  it('parses the real captures in both dmesg stamp styles, tying the PCI bus to a GPU', () => {
    const lines = fs.readFileSync(path.join(KERNEL, 'dmesg-xid79-fallen-off-bus-with-nvswitch-sxid.log'), 'utf8').split('\n');
    const events = lines.map((l) => parseXidLine(l, 5, (bus) => (bus === '91' ? 3 : null))).filter((e) => e !== undefined);
    // SXid lines of the NVSwitch and the follow-up lines are not GPU Xid events.
    expect(events).toEqual([{ at: 5, code: 79, pci: '0000:91:00', gpu: 3, text: 'GPU has fallen off the bus.' }]);
    const ctime = fs.readFileSync(path.join(KERNEL, 'dmesg-ctime-xid119-gsp-timeout-h100.log'), 'utf8').split('\n');
    const gsp = ctime.map((l) => parseXidLine(l, 7, () => null)).filter((e) => e !== undefined);
    expect(gsp.length).toBeGreaterThan(0);
    expect(gsp[0]).toMatchObject({ code: 119, pci: '0000:9b:00', gpu: null });
    expect(gsp[0]!.text).toMatch(/^Timeout after 6s of waiting for RPC response from GPU4 GSP!/);
  });

  it('grades exactly the catalog codes that need a GPU reset or a machine restart as critical', () => {
    const rows = fs.readFileSync(path.join(KERNEL, 'xid-catalog.tsv'), 'utf8').trim().split('\n').slice(1);
    const fromCatalog = rows
      .map((r) => r.split('\t'))
      .filter((c) => /RESET_GPU|RESTART_BM|WORKFLOW_XID_48/.test(c[3] ?? ''))
      .map((c) => Number(c[0]));
    expect([...CRITICAL_XIDS].sort((a, b) => a - b)).toEqual(fromCatalog.sort((a, b) => a - b));
  });

  it("carries NVIDIA's catalog into the app whole, and says each resolution in words", () => {
    const rows = fs.readFileSync(path.join(KERNEL, 'xid-catalog.tsv'), 'utf8').trim().split('\n').slice(1);
    for (const r of rows) {
      const [code, , description, immediate, investigatory] = r.split('\t');
      const book = xidRunbook(Number(code));
      expect(book?.description).toBe(description);
      expect(book?.immediate.code).toBe(immediate || 'CONTACT_SUPPORT');
      expect(book?.investigate?.code).toBe(investigatory || undefined);
    }
    expect(rows).toHaveLength(XID_ROWS.length);
    expect(xidRunbook(48)?.immediate.action).toMatch(/drain the node and reset the GPU/);
    expect(xidRunbook(79)?.immediate.action).toMatch(/restart the machine/);
    expect(xidRunbook(13)?.immediate.action).toMatch(/^Restart the application/);
    expect(xidRunbook(99_999)).toBeUndefined();
    // Every immediate code that decides what a person does now has words, not the catalog's token.
    const immediates = new Set(XID_ROWS.map((r) => r[2]).filter(Boolean));
    for (const c of immediates) expect(xidRunbook(XID_ROWS.find((r) => r[2] === c)![0])!.immediate.action).not.toBe(c);
  });

  it('points an Xid alert at the gravest recent code, for its runbook', () => {
    const recent = [
      { at: 1, code: 48, pci: '0000:01:00', gpu: 0, text: 'Double Bit ECC Error' },
      { at: 2, code: 13, pci: '0000:01:00', gpu: 0, text: 'Graphics SM Warp Exception' },
    ];
    const c = conditionsOf(frame({ xid: { available: true, recent } }), DEFAULT_THRESHOLDS, undefined).find((x) => x.rule === 'gpu-xid');
    expect(c).toMatchObject({
      severity: 'critical',
      xid: 48,
      message: 'GPU 0: Xid 13 (Graphics SM Warp Exception); 2 Xid events in 10 min',
    });
  });

  it('raises one alert per GPU, critical for a fatal code, warning for an application fault', () => {
    const recent = [
      { at: 1, code: 13, pci: '0000:01:00', gpu: 0, text: 'Graphics SM Warp Exception' },
      { at: 2, code: 31, pci: '0000:01:00', gpu: 0, text: 'MMU Fault' },
      { at: 3, code: 79, pci: '0000:21:00', gpu: 1, text: 'GPU has fallen off the bus.' },
    ];
    const c = conditionsOf(frame({ xid: { available: true, recent } }), DEFAULT_THRESHOLDS, undefined).filter((x) => x.rule === 'gpu-xid');
    expect(c).toEqual([
      { rule: 'gpu-xid', gpu: 0, severity: 'warning', message: 'GPU 0: Xid 31 (MMU Fault); 2 Xid events in 10 min', xid: 31 },
      { rule: 'gpu-xid', gpu: 1, severity: 'critical', message: 'GPU 1: Xid 79 (GPU has fallen off the bus.)', xid: 79 },
    ]);
  });
});

describe('latency probes and SLOs', () => {
  it('reads curl codes and seconds as probes, failing on no answer, not ready, or a failed infer', () => {
    expect(probeOf(ep, { ready: '200', readySeconds: '0.001', infer: '200', inferSeconds: '0.012345' }, 9)).toEqual({
      probe: { at: 9, ok: true, latencyMs: 12.35 },
    });
    expect(probeOf(ep, { ready: '000', readySeconds: '0.000', infer: '', inferSeconds: '' }, 9).error).toMatch(/no answer on port 8000/);
    expect(probeOf(ep, { ready: '400', readySeconds: '0.001', infer: '', inferSeconds: '' }, 9).error).toBe(
      'ready check answered HTTP 400 (model not ready)',
    );
    const failed = probeOf(ep, { ready: '200', readySeconds: '0.001', infer: '500', inferSeconds: '0.2' }, 9);
    expect(failed).toEqual({ probe: { at: 9, ok: false }, error: 'infer request to chest-xray answered HTTP 500' });
    // Without a model the ready check is the latency probe.
    const noModel = Endpoint.parse({ name: 'cds', port: 9000 });
    expect(probeOf(noModel, { ready: '200', readySeconds: '0.050', infer: '', inferSeconds: '' }, 9).probe.latencyMs).toBe(50);
  });

  it('judges a slow radiology endpoint against p95 < 1 s and fires a burn-rate alert only with enough probes', () => {
    const t = new EndpointTracker(ep, 'radiology', (p) => PROFILE_SLOS[p], 1000);
    const slow = { ready: '200', readySeconds: '0.001', infer: '200', inferSeconds: '1.500' };
    for (let i = 0; i < 9; i++) t.record(slow, 1_000 + i * 1000);
    let s = t.status(10_000);
    expect(s).toMatchObject({ probes: 9, p95Ms: 1500, meetsSlo: false, objective: 'p95 < 1000 ms', burnRateShort: null });
    expect(conditionsOf(frame({ endpoints: [s] }), DEFAULT_THRESHOLDS, undefined)).toEqual([]);
    t.record(slow, 10_000);
    s = t.status(12_000);
    // Every probe misses the objective: 100 % bad against a 5 % budget is a burn rate of 20.
    expect(s.burnRateShort).toBeCloseTo(20, 5);
    expect(s.burnRateLong).toBeCloseTo(20, 5);
    const [alert] = conditionsOf(frame({ endpoints: [s] }), DEFAULT_THRESHOLDS, undefined);
    expect(alert).toMatchObject({ rule: 'slo-burn', endpoint: 'cxr', severity: 'critical' });
    expect(alert?.message).toContain('against p95 < 1000 ms; p95 now 1500 ms');
  });

  it('puts the agent command together from validated words, each quoted', () => {
    const node = FleetNode.parse({
      name: 'rad-01',
      host: '198.18.0.10',
      endpoints: [ep, { name: 'cds', port: 9000, profile: 'cds' }],
    });
    expect(agentCommand(node, 1000)).toBe("'sh' '-s' '--' '1000' '/' '5000' 'cxr' '8000' 'chest-xray' 'INPUT0' 'cds' '9000' '-' 'INPUT0'");
    // The schema refuses what a shell would read as syntax; quoting is the second fence.
    expect(Endpoint.safeParse({ name: 'x', port: 1, model: 'a;reboot' }).success).toBe(false);
    expect(shellQuote("it's $(id)")).toBe(`'it'\\''s $(id)'`);
  });
});

describe('latency history', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('keeps raw probes and per-minute percentiles that survive the raw data', () => {
    const h = new HistoryStore(path.join(tmp.dir, 't.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    for (let i = 0; i < 120; i++) h.recordProbe('rad-01', 'cxr', { at: t0 + i * 1000, ok: i % 20 !== 0, latencyMs: 100 + (i % 60) });
    h.flush(t0 + 121_000);
    const raw = h.queryLatency('rad-01', 'cxr', t0, t0 + 120_000);
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(12);
    expect(raw.points[0]).toMatchObject({ ts: t0, probes: 10, availabilityPct: 90 });
    const minutes = h.queryLatency('rad-01', 'cxr', t0, t0 + 3 * 3600_000);
    expect(minutes.resolution).toBe('1m');
    expect(minutes.points.map((p) => p.probes)).toEqual([60, 60]);
    expect(minutes.points[0]!.availabilityPct).toBeCloseTo(95, 5);
    expect(minutes.points[0]!.p95Ms).toBeGreaterThan(150);
    expect(h.endpointsOf('rad-01')).toEqual(['cxr']);
    h.close();
  });
});
