import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { FleetNode } from '../../../shared/fleet.js';
import { renderExposition } from '../../../shared/metrics/exposition.js';
import type { TelemetryFrame } from '../../../shared/telemetry.js';
import type { Inventory } from '../../../electron/services/fleet/inventory.js';
import type { TelemetryService } from '../../../electron/services/telemetry/telemetry-service.js';
import { startMetricsServer } from '../../../electron/services/metrics/metrics-server.js';
import { gpuSample } from '../../helpers/gpu-sample.js';

const now = Date.now();
const nodes = Array.from({ length: 300 }, (_, i) =>
  FleetNode.parse({ name: `n-${String(i).padStart(3, '0')}`, host: `10.0.${i >> 8}.${i & 255}` }),
);
const frames = new Map<string, TelemetryFrame>(
  nodes.map((n) => [
    n.name,
    {
      node: n.name,
      at: now,
      session: 'live',
      gpuHealth: 'ok',
      gpus: Array.from({ length: 8 }, (_, g) => gpuSample({ index: g, at: now - 1000, uuid: `GPU-${n.name}-${g}`, tempC: 50 + g })),
      rejected: 0,
    },
  ]),
);
// The server reads only these two: the fleet and the latest frames.
const telemetry = { frames: () => frames } as unknown as TelemetryService;
const inventory = { list: () => nodes } as unknown as Inventory;

describe('GET /metrics, streamed one family at a time', () => {
  it('sends exactly the exposition (Prometheus and OpenMetrics), nothing on HEAD, and survives a scraper that hangs up', async () => {
    const server = await startMetricsServer(telemetry, inventory, '127.0.0.1:0');
    try {
      const url = `http://${server.address}/metrics`;
      const plain = await fetch(url);
      expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      // The last-seen age is the only figure that moves between two renders.
      const still = (t: string) => t.replace(/(_age_seconds\{[^}]*\}) \S+/g, '$1 AGE');
      expect(still(await plain.text())).toBe(still(renderExposition({ nodes, frames, now: Date.now() })));
      const om = await (await fetch(url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
      expect(om.endsWith('# EOF\n')).toBe(true);
      expect((await fetch(url, { method: 'HEAD' })).headers.get('content-length') ?? '0').toBe('0');

      // A scraper that reads a little and goes away: the server carries on serving the next.
      await new Promise<void>((resolve) => {
        const req = http.get(url, (res) => res.once('data', () => (req.destroy(), resolve())));
      });
      const next = await fetch(url);
      expect(next.status).toBe(200);
      expect(await next.text()).toMatch(/^# HELP DCGM_FI_DEV_GPU_UTIL/);
    } finally {
      await server.close();
    }
  });
});
