import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import type { Router } from '../../electron/ipc/router.js';
import { startLoopbackServer, type LoopbackServer } from '../../electron/ipc/loopback-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A server started before its back end (serve does this so the page loads while the data opens). */
describe('loopback bridge started before the back end', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(): Promise<{ server: LoopbackServer; open: () => Promise<{ backend: Backend; subscribed: () => number }> }> {
    const tmp = makeTempDir();
    cleanups.push(() => tmp.cleanup());
    let resolveRouter!: (r: Router) => void;
    const router = new Promise<Router>((r) => (resolveRouter = r));
    const server = await startLoopbackServer({ router });
    cleanups.push(() => server.close());
    return {
      server,
      open: async () => {
        const backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
        cleanups.push(() => backend.close());
        // Counts what the server starts on the router.
        let subscribed = 0;
        const counting = new Proxy(backend.router, {
          get: (target, key, receiver) =>
            key === 'subscribe'
              ? (...args: Parameters<Router['subscribe']>) => (subscribed++, target.subscribe(...args))
              : (Reflect.get(target, key, receiver) as unknown),
        });
        resolveRouter(counting);
        return { backend, subscribed: () => subscribed };
      },
    };
  }

  const connect = (server: LoopbackServer) => {
    const ws = new WebSocket(server.bridgeUrl, { origin: `http://127.0.0.1:${server.port}` });
    const messages: { t: string; id?: number }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as { t: string; id?: number }));
    return { ws, messages, opened: new Promise<void>((r) => ws.once('open', () => r())) };
  };

  it('greets at once, holds what the page sends, and answers it in order once the back end is open', async () => {
    const { server, open } = await start();
    const c = connect(server);
    await c.opened;
    c.ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'settings.get', req: {} }));
    c.ws.send(JSON.stringify({ t: 'sub', id: 2, topic: 'heartbeat', params: {} }));
    c.ws.send(JSON.stringify({ t: 'invoke', id: 3, channel: 'app.info', req: {} }));
    await new Promise((r) => setTimeout(r, 200));
    expect(c.messages.map((m) => m.t)).toEqual(['hello']);

    await open();
    await expect.poll(() => c.messages.filter((m) => m.t === 'result').map((m) => m.id), { timeout: 5000 }).toEqual([1, 3]);
    await expect.poll(() => c.messages.some((m) => m.t === 'frame' && m.id === 2), { timeout: 5000 }).toBe(true);
    c.ws.close();
  });

  it('starts nothing for a page that left before the back end opened', async () => {
    const { server, open } = await start();
    const c = connect(server);
    await c.opened;
    c.ws.send(JSON.stringify({ t: 'sub', id: 1, topic: 'heartbeat', params: {} }));
    await new Promise((r) => setTimeout(r, 50));
    c.ws.close();
    await new Promise((r) => c.ws.once('close', r));
    const { subscribed } = await open();
    await new Promise((r) => setTimeout(r, 100));
    expect(subscribed()).toBe(0);
  });
});
