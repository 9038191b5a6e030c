import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { HistoryStore } from '../../../electron/services/telemetry/history.js';
import { availabilityOf } from '../../../shared/service/service-health.js';
import type { ServiceDetail } from '../../../shared/contract/service-channels.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('service availability and error budget', () => {
  it('spends the error budget as probes fail', () => {
    expect(availabilityOf(1000, 1000, 1, 99.9)).toMatchObject({ pct: 100, budgetLeftPct: 100 });
    expect(availabilityOf(1000, 999.5, 1, 99.9).budgetLeftPct).toBeCloseTo(50, 6);
    expect(availabilityOf(1000, 990, 1, 99.9).budgetLeftPct).toBeCloseTo(-900, 6);
    expect(availabilityOf(0, 0, null, 99.9)).toMatchObject({ pct: null, budgetLeftPct: null });
    expect(availabilityOf(10, 9, 1, undefined)).toMatchObject({ pct: 90, budgetLeftPct: null });
  });

  it('counts probes across the minute roll-up without counting any twice', () => {
    const tmp = makeTempDir('edgeward-avail-');
    try {
      const h = new HistoryStore(`${tmp.dir}/t.db`);
      const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
      for (let i = 0; i < 240; i++) h.recordProbe('service:x', 'front-door', { at: t0 + i * 1000, ok: i % 4 !== 0, latencyMs: 5 });
      // Half of them flushed and rolled into minutes, the rest still raw, then still pending.
      h.flush(t0 + 125_000);
      for (let i = 240; i < 250; i++) h.recordProbe('service:x', 'front-door', { at: t0 + i * 1000, ok: true, latencyMs: 5 });
      expect(h.probeCounts('service:x', 'front-door', t0 - 1)).toEqual({ probes: 250, ok: 190, since: t0 });
      h.flush(t0 + 400_000);
      expect(h.probeCounts('service:x', 'front-door', t0 - 1)).toEqual({ probes: 250, ok: 190, since: t0 });
      expect(h.probeCounts('service:x', 'members', t0 - 1)).toEqual({ probes: 0, ok: 0, since: null });
      h.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('records a running app’s probes of the front door, and shows them as availability', async () => {
    const tmp = makeTempDir('edgeward-avail-app-');
    let n = 0;
    // A front door that answers one request in two.
    const door = http.createServer((_req, res) => res.writeHead(n++ % 2 ? 503 : 200).end());
    await new Promise<void>((r) => door.listen(0, '127.0.0.1', r));
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback', serviceProbeEveryMs: 100 });
    try {
      await app.inventory.add({ name: 'cds-01', host: '127.0.0.1', port: 1 });
      await app.services.apply(
        `name: sepsis-cds\ndeployment: sepsis\nprofile: cds\nmembers: [cds-01]\nredundancy: {minHealthy: 0}\nfrontDoor: {url: "http://127.0.0.1:${(door.address() as AddressInfo).port}/ready"}\n`,
      );
      await expect
        .poll(
          async () => {
            const r = await app.router.invoke('service.show', { name: 'sepsis-cds' }, { transport: 'loopback', clientId: 't' });
            return r.ok ? (r.value as ServiceDetail).availability.probes : 0;
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThanOrEqual(6);
      const r = await app.router.invoke('service.show', { name: 'sepsis-cds' }, { transport: 'loopback', clientId: 't' });
      if (!r.ok) throw new Error(r.error.message);
      const a = (r.value as ServiceDetail).availability;
      expect(a.pct!).toBeGreaterThan(30);
      expect(a.pct!).toBeLessThan(70);
      expect(a.targetPct).toBe(99.9);
      expect(a.budgetLeftPct!).toBeLessThan(0);
    } finally {
      await app.close();
      door.close();
      tmp.cleanup();
    }
  }, 20_000);
});
