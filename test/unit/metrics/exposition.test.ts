import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Endpoint, FleetNode } from '../../../shared/fleet.js';
import { escapeLabel, negotiate, renderExposition } from '../../../shared/metrics/exposition.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { EndpointTracker } from '../../../electron/services/telemetry/endpoint-probes.js';
import { PROFILE_SLOS } from '../../../shared/slo.js';

const now = Date.UTC(2026, 11, 1, 12);
const node = (name: string, extra: Record<string, unknown> = {}) => FleetNode.parse({ name, host: '10.0.0.1', ...extra });
const frame = (n: string, extra: Partial<TelemetryFrame> = {}): TelemetryFrame => ({
  node: n,
  at: now,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [gpuSample({ index: 0, at: now - 2000, tempC: 61 }), gpuSample({ index: 1, at: now - 2000, tempC: null })],
  rejected: 0,
  ...extra,
});

/**
 * promtool, Prometheus's own checker, is the oracle. It parses (exit 1 on a malformed scrape) and
 * lints (exit 3). A real dcgm-exporter scrape (the fixture) fails three of its naming lints
 * (camelCase labels such as modelName, counters without "_total", "COUNTER" in a name): dashboards
 * expect exactly those names, so those findings are allowed for DCGM families, and nothing else.
 */
const DCGM_LINT =
  /^DCGM_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix|metric name should not include type 'counter')$/;
function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  const findings = `${r.stdout}${r.stderr}`
    .trim()
    .split('\n')
    .filter((l) => l && !DCGM_LINT.test(l));
  return { status: r.status === 3 && findings.length === 0 ? 0 : r.status, out: findings.join('\n') };
}
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/dcgm');

describe('Prometheus exposition', () => {
  it('is clean for promtool, with DCGM names and labels, and leaves out what the driver did not report', () => {
    const text = renderExposition({
      nodes: [node('rad-01', { site: 'north', department: 'radiology' }), node('cds-01', { role: 'hub' })],
      frames: new Map([
        [
          'rad-01',
          frame('rad-01', {
            xid: { available: true, recent: [{ at: now, code: 79, pci: '0000:01:00.0', gpu: 0, text: 'fell off the bus' }] },
          }),
        ],
        ['cds-01', frame('cds-01', { session: 'lost' })],
      ]),
      now,
      queues: [
        { queue: 'history', depth: 16 },
        { queue: 'audit_forward', target: 'syslog+tls://siem.example:6514', depth: 1200 },
      ],
    });
    expect(promtool(text)).toEqual({ status: 0, out: '' });
    expect(text).toMatch(/^edgeward_queue_depth\{queue="history"\} 16$/m);
    expect(text).toMatch(/^edgeward_queue_depth\{queue="audit_forward",target="syslog\+tls:\/\/siem.example:6514"\} 1200$/m);
    expect(text).toContain(
      'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-0",device="nvidia0",modelName="NVIDIA L40S",Hostname="rad-01",node="rad-01",site="north",department="radiology",role="edge"} 61',
    );
    // GPU 1 reported no temperature: no sample, rather than a 0 that looks real.
    expect(text).not.toMatch(/DCGM_FI_DEV_GPU_TEMP\{gpu="1"/);
    // The last Xid code within the window, and the count per code.
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="0",.*node="rad-01".*\} 79$/m);
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="1",.*node="rad-01".*\} 0$/m);
    expect(text).toMatch(/^DCGM_EXP_XID_ERRORS_COUNT\{gpu="0",.*node="rad-01",.*xid="79"\} 1$/m);
    expect(text).toMatch(/^edgeward_node_reachable\{node="cds-01",.*role="hub"\} 0$/m);
    expect(text).toMatch(/^edgeward_node_last_seen_age_seconds\{node="rad-01".*\} 2$/m);
    expect(text).toMatch(/^edgeward_sessions\{state="lost"\} 1$/m);
  });

  it('names, types and explains DCGM fields as dcgm-exporter does, and a real dcgm-exporter scrape passes the same check', () => {
    expect(promtool(fs.readFileSync(path.join(FIXTURES, 'metrics-sample.prom'), 'utf8'))).toEqual({ status: 0, out: '' });
    const csv = new Map<string, { type: string; help: string }>();
    for (const file of ['default-counters.csv', 'dcp-metrics-included.csv'])
      for (const line of fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n')) {
        const m = /^#?\s*(DCGM_FI_DEV_\w+)\s*,\s*(\w+)\s*,\s*(.+?)\s*$/.exec(line);
        if (m) csv.set(m[1]!, { type: m[2]!, help: m[3]! });
      }
    const text = renderExposition({
      nodes: [node('rad-01')],
      frames: new Map([['rad-01', frame('rad-01', { xid: { available: true, recent: [] } })]]),
      now,
    });
    const families = [...text.matchAll(/^# HELP (DCGM_FI_DEV_\w+) (.*)\n# TYPE \1 (\w+)$/gm)];
    expect(families.length).toBeGreaterThanOrEqual(12);
    let compared = 0;
    for (const [, name, help, type] of families) {
      const want = csv.get(name!);
      if (!want) continue; // PCIe link generation and width are not in dcgm-exporter's default sets
      compared++;
      expect({ name, help, type }).toEqual({ name, help: want.help, type: want.type });
    }
    expect(compared).toBeGreaterThanOrEqual(10);
  });

  it('escapes hostile label values so the scrape still parses, and bounds their length', () => {
    const hostile = 'L40S "pro"\\x\nline2' + 'x'.repeat(5000);
    const text = renderExposition({
      nodes: [node('rad-01', { department: 'ICU west' })],
      frames: new Map([['rad-01', frame('rad-01', { gpus: [gpuSample({ index: 0, at: now, name: hostile })] })]]),
      now,
    });
    expect(promtool(text)).toEqual({ status: 0, out: '' });
    expect(text).toContain(`modelName="${escapeLabel(hostile.slice(0, 256))}"`);
    expect(text.split('\n').every((l) => l.length < 2000)).toBe(true);
  });

  it('speaks OpenMetrics when the scraper asks for it', () => {
    expect(negotiate('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5')).toBe('openmetrics');
    expect(negotiate('text/plain')).toBe('prometheus');
    expect(negotiate(undefined)).toBe('prometheus');
    const text = renderExposition({ nodes: [node('rad-01')], frames: new Map([['rad-01', frame('rad-01')]]), now }, 'openmetrics');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('exposes endpoint latency as a cumulative histogram that promtool accepts, counted by the tracker', () => {
    const t = new EndpointTracker(Endpoint.parse({ name: 'sepsis', port: 8000, model: 'sepsis-v2' }), 'cds', (p) => PROFILE_SLOS[p], 1000);
    for (const [i, secs] of ['0.004', '0.040', '0.040', '0.300', '3.000'].entries())
      t.record({ ready: '200', readySeconds: '0.001', infer: '200', inferSeconds: secs }, now - 10_000 + i * 1000);
    t.record({ ready: '503', readySeconds: '0.001', infer: '', inferSeconds: '' }, now - 4000);
    const status = t.status(now);
    expect(status.histogram).toEqual({ buckets: [1, 1, 1, 3, 3, 3, 4, 4, 4, 5, 5, 5], sumMs: 3384, count: 5 });
    const text = renderExposition({
      nodes: [node('cds-01')],
      frames: new Map([['cds-01', frame('cds-01', { endpoints: [status] })]]),
      now,
    });
    expect(promtool(text)).toEqual({ status: 0, out: '' });
    expect(text).toMatch(
      /^edgeward_endpoint_latency_seconds_bucket\{node="cds-01",.*endpoint="sepsis",model="sepsis-v2",profile="cds",le="0\.05"\} 3$/m,
    );
    expect(text).toMatch(/^edgeward_endpoint_latency_seconds_bucket\{.*le="\+Inf"\} 5$/m);
    expect(text).toMatch(/^edgeward_endpoint_latency_seconds_count\{.*endpoint="sepsis".*\} 5$/m);
    expect(text).toMatch(/^edgeward_endpoint_availability_ratio\{.*\} 0\.8333/m);
  });
});
