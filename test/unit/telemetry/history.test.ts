import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { createBackend } from '../../../electron/app/backend.js';
import { printStatus } from '../../../electron/cli/telemetry-commands.js';
import type { GpuSample, TelemetryFrame } from '../../../shared/telemetry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const gpu = (at: number, index: number, util: number, tempC: number): GpuSample =>
  gpuSample({ at, index, utilGpu: util, tempC, memUsedMiB: 1000, memTotalMiB: 46068, powerW: 100 });
const frame = (node: string, at: number, gpus: GpuSample[]): TelemetryFrame => ({
  node,
  at,
  session: 'live',
  gpuHealth: 'ok',
  gpus,
  rejected: 0,
});

describe('telemetry history', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: HistoryStore;
  beforeEach(() => {
    tmp = makeTempDir();
    store = new HistoryStore(`${tmp.dir}/telemetry.db`);
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('keeps raw samples, rolls them up per minute and hour, and leaves gaps as gaps', () => {
    // Two minutes of 1 Hz samples, a 10-minute gap, then one more minute.
    for (let s = 0; s < 180; s++) {
      const at = T0 + (s < 120 ? s : s + 600) * 1000;
      store.record(frame('rad-01', at, [gpu(at, 0, s < 60 ? 10 : 90, 50 + (s % 10))]));
    }
    store.record(frame('rad-01', T0 + 5000, [gpu(T0 + 5000, 0, 10, 50)])); // the same sample again
    expect(store.flush(T0 + 2 * 3600_000)).toBe(180);
    const raw = store.query('rad-01', 0, T0, T0 + 20 * 60_000);
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toHaveLength(180);
    const minutes = store.query('rad-01', 0, T0, T0 + 3 * 3600_000).points;
    expect(minutes.map((p) => (p.ts - T0) / 60_000)).toEqual([0, 1, 12]);
    expect(minutes[0]).toMatchObject({ util: 10, tempC: 54.5 });
    expect(minutes[1]!.util).toBe(90);
    const hours = store.query('rad-01', 0, T0 - 3600_000, T0 + 5 * 24 * 3600_000);
    expect(hours.resolution).toBe('1h');
    expect(hours.points).toHaveLength(1);
    expect(hours.points[0]!.util).toBeCloseTo((60 * 10 + 60 * 90 + 60 * 90) / 180, 5);
  });

  it('drops raw samples after 24 hours but keeps the rollups', () => {
    store.record(frame('rad-01', T0, [gpu(T0, 0, 10, 50)]));
    store.flush(T0 + 1000);
    store.flush(T0 + 25 * 3600_000);
    expect(store.query('rad-01', 0, T0 - 1000, T0 + 1000).points).toEqual([]);
    expect(store.query('rad-01', 0, T0 - 3600_000, T0 + 3 * 3600_000).points).toHaveLength(1);
  });

  it('remembers the last known frame of every node across restarts', () => {
    store.record(frame('rad-01', T0, [gpu(T0, 0, 10, 71)]));
    store.record(frame('rad-02', T0 + 5, []));
    store.close(); // flushes
    store = new HistoryStore(`${tmp.dir}/telemetry.db`);
    expect(store.lastKnown().map((k) => [k.node, k.at, k.frame.gpus.length])).toEqual([
      ['rad-01', T0, 1],
      ['rad-02', T0 + 5, 0],
    ]);
    // A reconnect's first frame, before any sample, does not wipe what was known of rad-01.
    store.record(frame('rad-01', T0 + 9000, []));
    store.flush(T0 + 10_000);
    expect(store.lastKnown().find((k) => k.node === 'rad-01')).toMatchObject({ at: T0, frame: { gpus: [{ tempC: 71 }] } });
  });

  it("writes a node's last frame every 15 s while nothing salient changes, at once when its GPUs change, and all of them on close", () => {
    const file = `${tmp.dir}/telemetry.db`;
    const reader = new HistoryStore(file); // another process reading the file
    const storedAt = () => reader.lastKnownOf('rad-01')?.at;
    for (let s = 0; s <= 16; s++) {
      const at = T0 + s * 1000;
      store.record(frame('rad-01', at, [gpu(at, 0, 10, 50 + s)]));
      store.flush(at);
      // This process always reads its newest frame; the file has the first, then one 15 s later.
      expect(store.lastKnownOf('rad-01')?.frame.gpus[0]?.tempC).toBe(50 + s);
      expect(storedAt()).toBe(s < 15 ? T0 : T0 + 15_000);
    }
    expect(store.lastKnown().map((k) => k.at)).toEqual([T0 + 16_000]);
    // A second GPU appears: written with the next flush, not 15 s later.
    const at = T0 + 17_000;
    store.record(frame('rad-01', at, [gpu(at, 0, 10, 70), gpu(at, 1, 10, 71)]));
    store.flush(at);
    expect(reader.lastKnownOf('rad-01')?.frame.gpus).toHaveLength(2);
    store.record(frame('rad-01', at + 1000, [gpu(at + 1000, 0, 10, 72), gpu(at + 1000, 1, 10, 73)]));
    store.flush(at + 1000);
    expect(storedAt()).toBe(at);
    store.close();
    expect(storedAt()).toBe(at + 1000);
    reader.close();
    store = new HistoryStore(file);
  });

  it("reads a last-known row again when it changed, also from another process's write, and skips a damaged one", () => {
    store.record(frame('rad-01', T0, [gpu(T0, 0, 10, 71)]));
    store.record(frame('rad-02', T0, [gpu(T0, 0, 10, 60)]));
    store.flush(T0 + 1000);
    expect(store.lastKnown().map((k) => k.frame.gpus[0]?.tempC)).toEqual([71, 60]);
    // Another process (the app, while this is a CLI) writes newer frames to the same file.
    const other = new HistoryStore(`${tmp.dir}/telemetry.db`);
    other.record(frame('rad-01', T0 + 5000, [gpu(T0 + 5000, 0, 90, 88)]));
    other.flush(T0 + 6000);
    expect(store.lastKnownOf('rad-01')).toMatchObject({ at: T0 + 5000, frame: { gpus: [{ tempC: 88 }] } });
    expect(store.lastKnown().map((k) => [k.node, k.frame.gpus[0]?.tempC])).toEqual([
      ['rad-01', 88],
      ['rad-02', 60],
    ]);
    // A row damaged on disk is left out, not shown, and read again once it is rewritten.
    const db = (other as unknown as { db: { prepare: (s: string) => { run: (...a: unknown[]) => void } } }).db;
    db.prepare('UPDATE last_state SET at = ?, frame = ? WHERE node = ?').run(T0 + 7000, '{"not":"a frame"}', 'rad-02');
    expect(store.lastKnown().map((k) => k.node)).toEqual(['rad-01']);
    expect(store.lastKnownOf('rad-02')).toBeUndefined();
    other.record(frame('rad-02', T0 + 8000, [gpu(T0 + 8000, 0, 10, 61)]));
    other.flush(T0 + 9000);
    expect(store.lastKnownOf('rad-02')?.frame.gpus[0]?.tempC).toBe(61);
    expect(store.lastKnownOf('nope')).toBeUndefined();
    other.close();
  });
});

describe('edgeward status (offline)', () => {
  it('shows every node with the age of its last known state, without any network', async () => {
    const tmp = makeTempDir();
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    await backend.inventory.add({ name: 'rad-01', host: '198.18.200.1' });
    await backend.inventory.add({ name: 'rad-02', host: '198.18.200.2' });
    backend.history.record(frame('rad-01', T0, [gpu(T0, 0, 10, 71), gpu(T0, 1, 10, 64)]));
    backend.history.flush(T0);
    const lines: string[] = [];
    expect(printStatus(backend, { json: false, print: (t) => lines.push(t), error: () => undefined }, T0 + 3 * 3600_000)).toBe(0);
    expect(lines.join('\n')).toMatch(/rad-01\s+UNKNOWN\s+3 h ago\s+ok\s+2\s+71 °C\s+Not watched now; last sample 3 h ago at 71 °C/);
    expect(lines.join('\n')).toMatch(/rad-02\s+UNKNOWN\s+never seen\s+unknown\s+0\s+—\s+No telemetry yet/);
    await backend.close();
    tmp.cleanup();
  });
});
