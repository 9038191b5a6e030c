import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A front door for a service's members, like a hospital's load balancer with health-aware failover:
 * each request goes to the next member in turn and moves on to the following one when that member
 * does not answer 200 in time. `delayMs` per member adds latency on its link (no tc netem here).
 */
export interface FrontDoorLb {
  url: (path: string) => string;
  setDelay(backend: string, ms: number): void;
  close(): Promise<void>;
}

export async function startFrontDoor(backends: string[], timeoutMs = 1000): Promise<FrontDoorLb> {
  const delays = new Map<string, number>();
  let next = 0;
  const tryOne = (backend: string, path: string): Promise<{ status: number; body: Buffer } | undefined> =>
    new Promise((resolve) => {
      const go = () => {
        const req = http.get(`http://${backend}${path}`, { timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', () => resolve(undefined));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(undefined));
      };
      const d = delays.get(backend) ?? 0;
      if (d) setTimeout(go, d);
      else go();
    });
  const server = http.createServer(async (req, res) => {
    const start = next++ % backends.length;
    for (let i = 0; i < backends.length; i++) {
      const b = backends[(start + i) % backends.length]!;
      const r = await tryOne(b, req.url ?? '/');
      if (r && r.status === 200) {
        res.writeHead(200, { 'x-member': b }).end(r.body);
        return;
      }
    }
    res.writeHead(503).end('no member answered');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    setDelay: (b, ms) => delays.set(b, ms),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
