import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import { ensureBed } from './helpers/bed.js';
import { fleetBackend, hostFingerprint, nodeInput, type FleetHarness } from './helpers/fleet.js';

/** A telemetry session refused for an untrusted key starts again once the key is trusted. */
describe('telemetry after first contact', () => {
  let bed: BedState;
  let h: FleetHarness;
  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
  }, 180_000);
  afterAll(() => h.close());

  it('goes live once the key is trusted, without reopening or re-enabling the node', async () => {
    const node = bed.nodes[7]!;
    await h.backend.inventory.add(nodeInput(bed, node, { name: 'fresh' }));
    const frames: TelemetryFrame[] = [];
    const leave = h.backend.telemetry.watch('fresh', (f) => frames.push(f));
    try {
      await expect.poll(() => frames.at(-1)?.gpuMessage ?? '', { timeout: 15_000 }).toMatch(/not trusted yet/);
      expect(frames.at(-1)?.session).toBe('lost');
      await h.backend.pool.trust('fresh', hostFingerprint(node));
      await expect.poll(() => frames.at(-1)?.session, { timeout: 20_000 }).toBe('live');
      await expect.poll(() => frames.at(-1)?.gpus.length ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    } finally {
      leave();
    }
  }, 60_000);
});
