import { execFile } from 'node:child_process';
import { percentile } from '../../shared/stats.js';
import { FleetNode } from '../../shared/fleet.js';
import type { TelemetryFrame } from '../../shared/telemetry.js';
import type { Inventory } from '../../electron/services/fleet/inventory.js';
import type { TelemetryService } from '../../electron/services/telemetry/telemetry-service.js';
import { startMetricsServer } from '../../electron/services/metrics/metrics-server.js';
import { gpuSample } from '../helpers/gpu-sample.js';

const run = (cmd: string, args: string[]) =>
  new Promise<string>((resolve, reject) => execFile(cmd, args, (err, stdout) => (err ? reject(err) : resolve(stdout))));

export interface MetricsBench {
  nodes: number;
  gpus: number;
  scrapes: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
  series: number;
  /** One scrape every 15 s: the share of one core the exposition takes. */
  corePctAt15s: number;
}

/**
 * `GET /metrics` over HTTP for 500 nodes × 8 GPUs with two endpoints each, as Prometheus would
 * scrape the collector: wall time per scrape (render and transfer) and its size.
 */
export async function benchMetrics(nodes = 500, gpus = 8, scrapes = 100): Promise<MetricsBench> {
  const now = Date.now();
  const list = Array.from({ length: nodes }, (_, i) =>
    FleetNode.parse({
      name: `node-${String(i).padStart(4, '0')}`,
      host: `10.1.${i >> 8}.${i & 255}`,
      site: `site-${i % 10}`,
      department: 'radiology',
    }),
  );
  const frames = new Map<string, TelemetryFrame>(
    list.map((n) => [
      n.name,
      {
        node: n.name,
        at: now,
        session: 'live',
        gpuHealth: 'ok',
        gpus: Array.from({ length: gpus }, (_, g) => gpuSample({ index: g, at: now - 500, uuid: `GPU-${n.name}-${g}`, tempC: 40 + g })),
        rejected: 0,
        xid: { available: true, recent: [] },
        endpoints: ['cxr', 'ct'].map((name) => ({
          name,
          model: `${name}-model`,
          profile: 'radiology' as const,
          lastOk: true,
          lastMs: 20,
          probes: 300,
          p50Ms: 18,
          p95Ms: 40,
          p99Ms: 70,
          availabilityPct: 99.9,
          objective: 'p95 < 1000 ms',
          objectiveMs: 1000,
          meetsSlo: true,
          burnRateShort: 0.5,
          burnRateLong: 0.4,
        })),
      },
    ]),
  );
  const telemetry = { frames: () => frames } as unknown as TelemetryService;
  const inventory = { list: () => list } as unknown as Inventory;
  const server = await startMetricsServer(telemetry, inventory, '127.0.0.1:0');
  try {
    const times: number[] = [];
    let bytes = 0;
    let body = '';
    // The scraper is another process (curl, timing itself), as Prometheus is: its own parsing is not
    // the collector's cost. The first few scrapes warm the JIT.
    for (let i = 0; i < scrapes + 5; i++) {
      const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', `http://${server.address}/metrics`]);
      const [secs, size] = r.split(' ').map(Number) as [number, number];
      if (i >= 5) times.push(secs * 1000);
      bytes = size;
    }
    body = await (await fetch(`http://${server.address}/metrics`)).text();
    const p50 = percentile(times, 50)!;
    return {
      nodes,
      gpus,
      scrapes,
      p50Ms: p50,
      p99Ms: percentile(times, 99)!,
      bytes,
      series: body.split('\n').filter((l) => l && !l.startsWith('#')).length,
      corePctAt15s: (p50 / 15_000) * 100,
    };
  } finally {
    await server.close();
  }
}
