import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE, expositionChunks, negotiate, type QueueDepth } from '../../../shared/metrics/exposition.js';
import type { Inventory } from '../fleet/inventory.js';
import type { TelemetryService } from '../telemetry/telemetry-service.js';

export interface MetricsServer {
  /** host:port it listens on (the port the OS chose when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

/** "127.0.0.1:9464" → host and port; a bare port means loopback. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[?([0-9A-Za-z.:-]+?)\]?:)?(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`--listen must be HOST:PORT or PORT, got "${listen}"`);
  return { host: m[1] ?? '127.0.0.1', port };
}

/**
 * `GET /metrics` for Prometheus: the fleet as the telemetry sessions see it at the moment of the
 * scrape. Nothing else is served (no UI, no actions): a scrape target can read, never act.
 */
export async function startMetricsServer(
  telemetry: TelemetryService,
  inventory: Inventory,
  listen: string,
  queues: () => QueueDepth[] = () => [],
): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Only /metrics is served here.\n');
    const format = negotiate(req.headers.accept);
    res.writeHead(200, { 'content-type': CONTENT_TYPE[format], 'cache-control': 'no-store' });
    if (req.method === 'HEAD') return void res.end();
    void streamExposition(
      res,
      expositionChunks({ nodes: inventory.list(), frames: telemetry.frames(), now: Date.now(), queues: queues() }, format),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    // A scraper that stopped reading does not hold the app's shutdown.
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function drainedOrClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * One metric family at a time, waiting while the scraper is behind: a scrape never holds the whole
 * text in memory, and a scraper that goes away stops the rendering.
 */
async function streamExposition(res: http.ServerResponse, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (chunk && !res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

/**
 * Serves /metrics where Settings says (`metricsListen`), moving or stopping it when that changes.
 * A port that cannot be taken is said on stderr and leaves the app running without it.
 */
export function followMetricsSetting(
  settings: { get(): { metricsListen: string }; onChange(l: (s: { metricsListen: string }) => void): () => void },
  telemetry: TelemetryService,
  inventory: Inventory,
  queues?: () => QueueDepth[],
): { stop(): Promise<void> } {
  let current = '';
  let server: Promise<MetricsServer | undefined> = Promise.resolve(undefined);
  const apply = (listen: string) => {
    if (listen === current) return;
    current = listen;
    server = server.then(async (s) => {
      await s?.close();
      if (!listen) return undefined;
      return startMetricsServer(telemetry, inventory, listen, queues).catch((err: unknown) => {
        process.stderr.write(`edgeward: cannot serve /metrics on ${listen}: ${(err as Error).message}\n`);
        return undefined;
      });
    });
  };
  apply(settings.get().metricsListen);
  const off = settings.onChange((s) => apply(s.metricsListen));
  return {
    stop: async () => {
      off();
      await (await server)?.close();
    },
  };
}
