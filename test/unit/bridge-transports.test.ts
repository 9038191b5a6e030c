import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROFILE_SLOS } from '../../shared/slo.js';
import { transports, type BridgeUnderTest } from '../helpers/bridges.js';
import type { HeartbeatFrame } from '../../shared/contract/index.js';

// One suite, run against both transports over the same router: what passes here behaves the same
// in the desktop window and in a browser on the loopback bridge.
describe.each(['electron', 'loopback'] as const)('bridge over %s transport', (name) => {
  let bridge: BridgeUnderTest;
  beforeEach(async () => {
    bridge = await transports[name]({ heartbeatIntervalMs: 50 });
  });
  afterEach(async () => {
    await bridge.close();
  });

  it('answers app.info with the transport it came through', async () => {
    const result = await bridge.api.invoke('app.info', {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.name).toBe('Edgeward');
    expect(result.value.transport).toBe(name);
    expect(result.value.dataDir).toBe(bridge.dataDir);
  });

  it('stores settings and reads them back', async () => {
    const set = await bridge.api.invoke('settings.set', { operatorName: 'Dr. Rivera', theme: 'dark' });
    expect(set).toEqual({
      ok: true,
      value: {
        operatorName: 'Dr. Rivera',
        theme: 'dark',
        slo: PROFILE_SLOS,
        timeZone: 'local',
        alertmanagers: [],
        prometheusUrl: '',
        metricsListen: '',
        registries: [],
      },
    });
    const got = await bridge.api.invoke('settings.get', {});
    expect(got).toEqual({
      ok: true,
      value: {
        operatorName: 'Dr. Rivera',
        theme: 'dark',
        slo: PROFILE_SLOS,
        timeZone: 'local',
        alertmanagers: [],
        prometheusUrl: '',
        metricsListen: '',
        registries: [],
      },
    });
  });

  it('refuses an invalid request with a typed validation error naming the field', async () => {
    const result = await bridge.api.invoke('settings.set', { theme: 'purple' } as never);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION');
    expect(result.error.details?.[0]?.path).toBe('theme');
    expect(result.error.action).toMatch(/correct/i);
    // Nothing was stored.
    const got = await bridge.api.invoke('settings.get', {});
    expect(got.ok && got.value.theme).toBe('system');
  });

  it('refuses unknown fields instead of silently dropping them', async () => {
    const result = await bridge.api.invoke('settings.set', { theme: 'dark', isAdmin: true } as never);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('VALIDATION');
  });

  it('reports an unknown channel as such', async () => {
    const result = await bridge.api.invoke('fleet.nuke' as never, {} as never);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('UNKNOWN_CHANNEL');
  });

  it('streams heartbeat frames with increasing sequence numbers and stops on unsubscribe', async () => {
    const frames: HeartbeatFrame[] = [];
    const stop = bridge.api.subscribe('heartbeat', {}, (frame) => frames.push(frame));
    await expect.poll(() => frames.length, { timeout: 3000 }).toBeGreaterThanOrEqual(3);
    stop();
    const seqs = frames.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await new Promise((r) => setTimeout(r, 30));
    const after = frames.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(frames.length).toBe(after);
  });

  it('reports a subscription to an unknown topic through onError', async () => {
    const error = await new Promise((resolve) => {
      bridge.api.subscribe('gpu.everything' as never, {} as never, () => undefined, resolve);
    });
    expect(error).toMatchObject({ code: 'UNKNOWN_TOPIC' });
  });
});

describe.each(['electron', 'loopback'] as const)('diagnostics burst over %s transport', (name) => {
  it('delivers every frame of a bounded burst, in order', async () => {
    const bridge = await transports[name]();
    const seqs: number[] = [];
    await new Promise<void>((resolve) => {
      const stop = bridge.api.subscribe('diagnostics.burst', { count: 2000, payloadBytes: 16 }, (f) => {
        seqs.push(f.seq);
        if (f.seq === f.total - 1) {
          stop();
          resolve();
        }
      });
    });
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    await bridge.close();
  });

  it('refuses a burst beyond the contract bound', async () => {
    const bridge = await transports[name]();
    const error = await new Promise((resolve) => bridge.api.subscribe('diagnostics.burst', { count: 1_000_000 }, () => undefined, resolve));
    expect(error).toMatchObject({ code: 'VALIDATION' });
    await bridge.close();
  });
});
