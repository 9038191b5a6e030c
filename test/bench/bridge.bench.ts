import WebSocket from 'ws';
import { createBackend } from '../../electron/app/backend.js';
import { startLoopbackServer } from '../../electron/ipc/loopback-server.js';
import { LoopbackBridgeClient, type WebSocketLike } from '../../shared/bridge-client.js';
import { percentile } from '../../shared/stats.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export interface BridgeFigures {
  sequentialInvokesPerS: number;
  sequentialP50Ms: number;
  sequentialP99Ms: number;
  concurrentInvokesPerS: number;
  framesPerS: number;
  frameMiBPerS: number;
}

/** Invoke round trips and stream frames through the real router over the real WebSocket transport. */
export async function benchBridge(): Promise<BridgeFigures> {
  const tmp = makeTempDir();
  const backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
  const server = await startLoopbackServer({ router: backend.router });
  const client = new LoopbackBridgeClient(
    server.bridgeUrl,
    (u) => new WebSocket(u, { origin: `http://127.0.0.1:${server.port}` }) as unknown as WebSocketLike,
  );
  await new Promise<void>((resolve) => client.onConnectionChange((s) => s === 'connected' && resolve()));

  // Warm-up (JIT, socket buffers).
  for (let i = 0; i < 500; i++) await client.invoke('app.info', {});

  const n = 5000;
  const times: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await client.invoke('settings.get', {});
    times.push(performance.now() - t);
    if (!r.ok) throw new Error(r.error.message);
  }
  const seqS = (performance.now() - t0) / 1000;

  const total = 20_000;
  const inFlight = 64;
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next++;
        const r = await client.invoke('settings.get', {});
        if (!r.ok) throw new Error(r.error.message);
      }
    }),
  );
  const concS = (performance.now() - t0) / 1000;

  const frames = 100_000;
  const payloadBytes = 256;
  t0 = performance.now();
  await new Promise<void>((resolve) => {
    let got = 0;
    const stop = client.subscribe('diagnostics.burst', { count: frames, payloadBytes }, () => {
      if (++got === frames) {
        stop();
        resolve();
      }
    });
  });
  const streamS = (performance.now() - t0) / 1000;

  client.close();
  await server.close();
  backend.close();
  tmp.cleanup();
  return {
    sequentialInvokesPerS: n / seqS,
    sequentialP50Ms: percentile(times, 50) ?? NaN,
    sequentialP99Ms: percentile(times, 99) ?? NaN,
    concurrentInvokesPerS: total / concS,
    framesPerS: frames / streamS,
    frameMiBPerS: (frames * payloadBytes) / streamS / (1024 * 1024),
  };
}
