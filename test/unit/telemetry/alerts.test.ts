import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../electron/services/telemetry/alerts.js';
import { conditionsOf, DEFAULT_THRESHOLDS, type Alert } from '../../../shared/alerts.js';
import type { GpuSample, TelemetryFrame } from '../../../shared/telemetry.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

const g = (index: number, tempC: number | null, eccUncorrected: number | null = 0): GpuSample =>
  gpuSample({ index, tempC, eccUncorrected });
const f = (at: number, gpus: GpuSample[], extra: Partial<TelemetryFrame> = {}): TelemetryFrame => ({
  node: 'rad-01',
  at,
  session: 'live',
  gpuHealth: 'ok',
  gpus,
  rejected: 0,
  ...extra,
});

describe('alert rules', () => {
  it('grades GPU temperature, and reads a missing value as no alert rather than zero', () => {
    const c = conditionsOf(f(0, [g(0, 80), g(1, 86), g(2, 95), g(3, null)]), DEFAULT_THRESHOLDS, undefined);
    expect(c.map((x) => [x.rule, x.gpu, x.severity])).toEqual([
      ['gpu-temperature', 1, 'warning'],
      ['gpu-temperature', 2, 'critical'],
    ]);
  });

  it('flags uncorrectable ECC, lost GPUs, failing drivers, and nodes unreachable for long enough', () => {
    expect(conditionsOf(f(0, [g(0, 40, 2)]), DEFAULT_THRESHOLDS, undefined)[0]).toMatchObject({
      rule: 'ecc-uncorrectable',
      severity: 'critical',
    });
    expect(conditionsOf(f(0, [], { gpuHealth: 'lost', gpuMessage: 'GPU is lost' }), DEFAULT_THRESHOLDS, undefined)[0]).toMatchObject({
      rule: 'gpu-lost',
      message: 'GPU is lost',
    });
    expect(conditionsOf(f(0, [], { gpuHealth: 'error' }), DEFAULT_THRESHOLDS, undefined)[0]).toMatchObject({ rule: 'gpu-error' });
    expect(conditionsOf(f(20_000, [], { session: 'lost' }), DEFAULT_THRESHOLDS, 0)).toEqual([]);
    expect(conditionsOf(f(31_000, [], { session: 'lost' }), DEFAULT_THRESHOLDS, 0)[0]).toMatchObject({
      rule: 'node-unreachable',
      message: 'unreachable for 31 s',
    });
  });
});

describe('alert engine', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('fires once, escalates, resolves, notifies new alerts, and audits acknowledgements', async () => {
    const log = await openLog(tmp.dir);
    const notified: Alert[] = [];
    const engine = new AlertEngine(
      log,
      DEFAULT_THRESHOLDS,
      (a) => notified.push(a),
      () => 'Night Shift',
    );
    engine.evaluate(f(1000, [g(0, 86)]));
    engine.evaluate(f(2000, [g(0, 87)]));
    expect(engine.list()).toHaveLength(1);
    engine.evaluate(f(3000, [g(0, 93)]));
    expect(engine.list()[0]).toMatchObject({ id: 'gpu-temperature:rad-01:0', severity: 'critical', state: 'firing', since: 1000 });
    expect(notified).toHaveLength(1);
    const acked = await engine.acknowledge('gpu-temperature:rad-01:0');
    expect(acked.acknowledged?.by).toBe('Night Shift');
    const rec = JSON.parse((await import('node:fs')).readFileSync(`${tmp.dir}/audit-000001.jsonl`, 'utf8').trim().split('\n').at(-1)!);
    expect(rec).toMatchObject({
      action: 'alert.acknowledge',
      target: { node: 'rad-01' },
      params: { rule: 'gpu-temperature', alertId: 'gpu-temperature:rad-01:0' },
    });
    engine.evaluate(f(4000, [g(0, 60)]));
    expect(engine.list()[0]).toMatchObject({ state: 'resolved' });
    await expect(engine.acknowledge('nope')).rejects.toMatchObject({ appError: { code: 'NOT_FOUND' } });
    // A silence in Alertmanager asked for with none configured: refused before anything is recorded.
    const lines = () => fs.readFileSync(`${tmp.dir}/audit-000001.jsonl`, 'utf8').split('\n').length;
    const before = lines();
    await expect(engine.acknowledge('gpu-temperature:rad-01:0', 'x', 30)).rejects.toMatchObject({
      appError: { code: 'VALIDATION', message: 'No Alertmanager is configured to silence the alert in' },
    });
    expect(lines()).toBe(before);
  });

  it('raises node-unreachable only after the session has been lost long enough', async () => {
    const engine = new AlertEngine(await openLog(makeTempDir().dir));
    engine.evaluate(f(0, [], { session: 'lost' }));
    engine.evaluate(f(10_000, [], { session: 'lost' }));
    expect(engine.list()).toEqual([]);
    engine.evaluate(f(30_000, [], { session: 'lost' }));
    expect(engine.list()[0]).toMatchObject({ rule: 'node-unreachable', state: 'firing' });
    engine.evaluate(f(31_000, [g(0, 40)]));
    expect(engine.list()[0]).toMatchObject({ state: 'resolved' });
  });

  it('says on the alert when the audit log could not record it, and still shows it', async () => {
    const dir = makeTempDir();
    const engine = new AlertEngine(await openLog(dir.dir));
    // The audit directory is gone (a volume unmounted under the app): every append fails.
    dir.cleanup();
    engine.evaluate(f(0, [g(0, 95)]));
    expect(engine.list()[0]).toMatchObject({ rule: 'gpu-temperature', state: 'firing' });
    await expect.poll(() => engine.list()[0]?.unrecorded ?? '').toMatch(/^alert\.fire not recorded in the audit log: /);
  });
});

describe('alerts and states the console caused', () => {
  it('raise no "node unreachable" while the session waits for a key to be trusted, and count from the first real loss after', async () => {
    const engine = new AlertEngine(await openLog(makeTempDir().dir));
    const parked = { session: 'lost' as const, parked: 'Host key of rad-01 is not trusted yet. Compare its fingerprint, then trust it' };
    for (const at of [0, 20_000, 40_000, 90_000]) engine.evaluate(f(at, [], parked));
    expect(engine.list()).toEqual([]);
    // Trusted; then the link really goes: 30 s from then, not from the first refusal.
    engine.evaluate(f(100_000, [g(0, 40)]));
    engine.evaluate(f(110_000, [], { session: 'lost' }));
    engine.evaluate(f(130_000, [], { session: 'lost' }));
    expect(engine.list()).toEqual([]);
    engine.evaluate(f(141_000, [], { session: 'lost' }));
    expect(engine.list()[0]).toMatchObject({ rule: 'node-unreachable', state: 'firing' });
  });
});
