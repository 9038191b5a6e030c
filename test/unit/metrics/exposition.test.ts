import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FleetNode } from '../../../shared/fleet.js';
import { escapeLabel, negotiate, renderExposition } from '../../../shared/metrics/exposition.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

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
 * lints (exit 3). dcgm-exporter's own labels (modelName, Hostname) fail its camelCase lint, and
 * dashboards expect exactly them: that one finding is allowed, for those families, nothing else.
 */
function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  const findings = `${r.stdout}${r.stderr}`
    .trim()
    .split('\n')
    .filter((l) => l && !/^DCGM_FI_DEV_\w+ label names should be written in 'snake_case' not 'camelCase'$/.test(l));
  return { status: r.status === 3 && findings.length === 0 ? 0 : r.status, out: findings.join('\n') };
}

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
    });
    expect(promtool(text)).toEqual({ status: 0, out: '' });
    expect(text).toContain(
      'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-0",device="nvidia0",modelName="NVIDIA L40S",Hostname="rad-01",node="rad-01",site="north",department="radiology",role="edge"} 61',
    );
    // GPU 1 reported no temperature: no sample, rather than a 0 that looks real.
    expect(text).not.toMatch(/DCGM_FI_DEV_GPU_TEMP\{gpu="1"/);
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="0",.*node="rad-01".*\} 1$/m);
    expect(text).toMatch(/^edgeward_node_reachable\{node="cds-01",.*role="hub"\} 0$/m);
    expect(text).toMatch(/^edgeward_node_last_seen_age_seconds\{node="rad-01".*\} 2$/m);
    expect(text).toMatch(/^edgeward_sessions\{state="lost"\} 1$/m);
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
});
