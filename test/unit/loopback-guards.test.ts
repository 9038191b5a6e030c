import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { startLoopbackServer, type LoopbackServer } from '../../electron/ipc/loopback-server.js';
import { CloseCode } from '../../shared/contract/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Outcome {
  code: number;
  reason: string;
  messages: unknown[];
}

/** Connects, optionally sends raw data after the hello, and reports how the server closed. */
function attempt(url: string, opts: { origin?: string; host?: string; send?: string | Buffer } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.host) headers.host = opts.host;
    const ws = new WebSocket(url, { ...(opts.origin ? { origin: opts.origin } : {}), headers });
    const messages: unknown[] = [];
    ws.on('message', (data) => {
      messages.push(JSON.parse(data.toString()));
      if (opts.send !== undefined && messages.length === 1) ws.send(opts.send);
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), messages }));
    ws.on('error', reject);
    setTimeout(() => ws.close(), 2000);
  });
}

describe('loopback bridge guards', () => {
  let server: LoopbackServer;
  let backend: Backend;
  let tmp: ReturnType<typeof makeTempDir>;
  let origin: string;

  beforeAll(async () => {
    tmp = makeTempDir();
    backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    server = await startLoopbackServer({ router: backend.router });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
    tmp.cleanup();
  });

  it('binds to 127.0.0.1 only and uses a fresh random token', async () => {
    expect(server.bridgeUrl.startsWith(`ws://127.0.0.1:${server.port}/`)).toBe(true);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
    const other = await startLoopbackServer({ router: backend.router });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('refuses a connection without the token, with a reason', async () => {
    const out = await attempt(`ws://127.0.0.1:${server.port}/bridge`, { origin });
    expect(out.code).toBe(CloseCode.unauthorized);
    expect(out.reason).toMatch(/missing or wrong token/);
    expect(out.messages).toEqual([]);
  });

  it('refuses a wrong token', async () => {
    const out = await attempt(`ws://127.0.0.1:${server.port}/bridge?token=${server.token}x`, { origin });
    expect(out.code).toBe(CloseCode.unauthorized);
  });

  it('refuses a page from another origin even with the right token', async () => {
    const out = await attempt(server.bridgeUrl, { origin: 'http://evil.example' });
    expect(out.code).toBe(CloseCode.forbiddenOrigin);
    expect(out.reason).toMatch(/origin http:\/\/evil\.example is not allowed/);
  });

  it('refuses a rebinding attempt (foreign Host header)', async () => {
    const out = await attempt(server.bridgeUrl, { origin, host: `attacker.example:${server.port}` });
    expect(out.code).toBe(CloseCode.wrongHost);
    expect(out.reason).toMatch(/wrong Host header/);
  });

  it('closes on a message that is not JSON, saying so', async () => {
    const out = await attempt(server.bridgeUrl, { origin, send: '{not json' });
    expect(out.messages[0]).toEqual({ t: 'hello', protocol: 1 });
    expect(out.code).toBe(CloseCode.malformed);
    expect(out.reason).toBe('malformed message: not JSON');
  });

  it('closes on a JSON message outside the protocol, naming the problem', async () => {
    const out = await attempt(server.bridgeUrl, { origin, send: JSON.stringify({ t: 'invoke', id: -1, channel: 'app.info' }) });
    expect(out.code).toBe(CloseCode.malformed);
    expect(out.reason).toMatch(/^malformed message: id/);
  });

  it('closes on binary frames', async () => {
    const out = await attempt(server.bridgeUrl, { origin, send: Buffer.from([1, 2, 3]) });
    expect(out.code).toBe(CloseCode.malformed);
  });

  it('answers plain HTTP with a foreign Host header with 421', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: 'rebind.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(421);
  });
});
