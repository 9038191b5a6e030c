import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AlertEngine } from '../../../electron/services/telemetry/alerts.js';
import { AlertStore } from '../../../electron/services/telemetry/alert-store.js';
import { stateDbFile } from '../../../electron/services/store/state-db.js';
import { DEFAULT_THRESHOLDS, type Alert } from '../../../shared/alerts.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

const hot = (node: string, at: number, tempC = 95): TelemetryFrame => ({
  node,
  at,
  session: 'live',
  gpuHealth: 'ok',
  gpus: [gpuSample({ index: 0, tempC })],
  rejected: 0,
});
const records = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'audit-000001.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; outcome: string; params: Record<string, unknown> });

describe('silences and acknowledgement notes', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('a silence keeps matching alerts from notifying and is audited; ending it brings them back', async () => {
    const dir = path.join(tmp.dir, 'a');
    const log = await openLog(dir);
    const notified: Alert[] = [];
    const store = AlertStore.open(stateDbFile(dir));
    const engine = new AlertEngine(
      log,
      DEFAULT_THRESHOLDS,
      (a) => notified.push(a),
      () => 'Dr. On Call',
      store,
    );
    const shown: Alert[] = [];
    engine.onChange((a) => shown.push(a));
    const now = Date.now();
    const s = await engine.silence({ node: 'rad-01', forMs: 3_600_000, reason: 'fan swap, ticket INC-4411' });
    expect(s).toMatchObject({ node: 'rad-01', by: 'Dr. On Call', reason: 'fan swap, ticket INC-4411' });
    engine.evaluate(hot('rad-01', now));
    engine.evaluate(hot('rad-02', now));
    // rad-01 is silenced: it fires and shows, but notifies no one; rad-02 notifies.
    expect(notified.map((a) => a.node)).toEqual(['rad-02']);
    const listed = engine.list();
    expect(listed.find((a) => a.node === 'rad-01')?.silenced).toMatchObject({ id: s.id, reason: 'fan swap, ticket INC-4411' });
    expect(listed.find((a) => a.node === 'rad-02')?.silenced).toBeUndefined();
    // Firing is recorded in the background.
    await vi.waitFor(() => {
      const fire = records(dir).filter((r) => r.action === 'alert.fire');
      expect(fire.find((r) => r.params.alertId === 'gpu-temperature:rad-01:0')?.params.silence).toBe(s.id);
    });
    expect(
      records(dir)
        .filter((r) => r.action === 'alert.silence')
        .map((r) => r.outcome),
    ).toEqual(['intent', 'ok']);

    // A second process (the CLI) sees the same silence.
    const other = new AlertEngine(log, DEFAULT_THRESHOLDS, undefined, () => 'cli', AlertStore.open(stateDbFile(dir)));
    expect(other.list().find((a) => a.node === 'rad-01')?.silenced?.id).toBe(s.id);

    const ended = await engine.unsilence(s.id);
    expect(ended.ended?.by).toBe('Dr. On Call');
    expect(engine.list().find((a) => a.node === 'rad-01')?.silenced).toBeUndefined();
    expect(shown.filter((a) => a.node === 'rad-01').at(-1)?.silenced).toBeUndefined();
    await expect(engine.unsilence(s.id)).rejects.toMatchObject({ appError: { code: 'NOT_FOUND' } });
    other.close();
  });

  it('refuses a silence without a reason, a match or a sane duration, and records nothing for it', async () => {
    const dir = path.join(tmp.dir, 'b');
    const log = await openLog(dir);
    const engine = new AlertEngine(log, DEFAULT_THRESHOLDS, undefined, () => 'x', AlertStore.open(stateDbFile(dir)));
    await expect(engine.silence({ node: 'n', forMs: 3_600_000, reason: ' ' })).rejects.toMatchObject({
      appError: { message: 'A silence needs a reason' },
    });
    await expect(engine.silence({ forMs: 3_600_000, reason: 'maintenance' })).rejects.toMatchObject({ appError: { code: 'VALIDATION' } });
    await expect(engine.silence({ node: 'n', forMs: 30 * 24 * 3_600_000, reason: 'forever' })).rejects.toMatchObject({
      appError: { message: 'A silence lasts from 5 minutes to 7 days' },
    });
    await expect(engine.silence({ alertId: 'gpu-xid:nope:0', forMs: 3_600_000, reason: 'why not' })).rejects.toMatchObject({
      appError: { code: 'NOT_FOUND' },
    });
    expect(fs.existsSync(path.join(dir, 'audit-000001.jsonl')) ? records(dir).filter((r) => r.action === 'alert.silence') : []).toEqual([]);
    expect(engine.silences()).toEqual([]);
  });

  it('a silence for one alert covers only it, and expires by itself', async () => {
    const dir = path.join(tmp.dir, 'c');
    const log = await openLog(dir);
    const engine = new AlertEngine(log, DEFAULT_THRESHOLDS, undefined, () => 'x', AlertStore.open(stateDbFile(dir)));
    const now = Date.now();
    engine.evaluate(hot('rad-01', now));
    engine.evaluate({ ...hot('rad-01', now), gpus: [gpuSample({ index: 0, tempC: 95 }), gpuSample({ index: 1, tempC: 95 })] });
    const s = await engine.silence({ alertId: 'gpu-temperature:rad-01:0', forMs: 5 * 60_000, reason: 'known, watched' });
    expect(s).toMatchObject({ alertId: 'gpu-temperature:rad-01:0', node: 'rad-01', rule: 'gpu-temperature' });
    expect(engine.list(now + 1000).map((a) => [a.id, a.silenced?.id])).toEqual([
      ['gpu-temperature:rad-01:0', s.id],
      ['gpu-temperature:rad-01:1', undefined],
    ]);
    expect(engine.list(now + 6 * 60_000).every((a) => a.silenced === undefined)).toBe(true);
  });

  it('keeps the note of an acknowledgement on the alert, in its history and in the audit record', async () => {
    const dir = path.join(tmp.dir, 'd');
    const log = await openLog(dir);
    const engine = new AlertEngine(log, DEFAULT_THRESHOLDS, undefined, () => 'Night Shift', AlertStore.open(stateDbFile(dir)));
    engine.evaluate(hot('rad-01', Date.now()));
    const acked = await engine.acknowledge('gpu-temperature:rad-01:0', '  checking the chiller with facilities ');
    expect(acked.acknowledged).toMatchObject({ by: 'Night Shift', note: 'checking the chiller with facilities' });
    expect(engine.history({ limit: 5 })[0]).toMatchObject({ kind: 'acknowledge', note: 'checking the chiller with facilities' });
    expect(records(dir).at(-1)).toMatchObject({ action: 'alert.acknowledge', params: { note: 'checking the chiller with facilities' } });
    expect(engine.history({ limit: 5, since: Date.now() + 60_000 })).toEqual([]);
  });
});
