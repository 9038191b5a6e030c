import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { startLoopbackServer, type LoopbackServer } from '../../electron/ipc/loopback-server.js';
import { channels, MAX_CLIENT_MESSAGE_BYTES, topics } from '../../shared/contract/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hostileValues, randomJson, seeded } from '../helpers/fuzz.js';
import { LoopbackBridgeClient } from '../../shared/bridge-client.js';
import { wsFactory } from '../helpers/bridges.js';

/**
 * Hostile clients against the loopback bridge and every channel and topic: nothing they send may
 * end the process or leave it unable to answer the next, honest request.
 */
const ctx = { transport: 'loopback' as const, clientId: 'fuzz' };

/** A raw HTTP request on a fresh socket; resolves with what came back (or '' on a reset). */
function raw(port: number, request: string | Buffer, endAfterMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('connect', () => {
      s.write(request);
      setTimeout(() => s.destroy(), endAfterMs);
    });
  });
}

function hello(server: LoopbackServer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.bridgeUrl);
    ws.on('message', (d) => {
      resolve(JSON.parse(d.toString()));
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('bridge fuzzing', () => {
  let backend: Backend;
  let server: LoopbackServer;
  const tmp = makeTempDir('edgeward-fuzz-');
  beforeAll(async () => {
    backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    server = await startLoopbackServer({ router: backend.router });
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
    tmp.cleanup();
  });

  it('survives hostile upgrade requests from a client without the token, and still serves the next', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const upgrade = (headers: string, path = '/bridge') =>
      `GET ${path} HTTP/1.1\r\n${headers}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const hostHeader = `Host: 127.0.0.1:${server.port}\r\n`;
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    const attempts: (string | Buffer)[] = [
      latin1(upgrade(`Host: ${'\u00fc'.repeat(200)}\r\n`)),
      latin1(upgrade(`${hostHeader}Origin: http://${'\u00e9'.repeat(300)}.example\r\n`)),
      Buffer.from(upgrade(`Host: ${'\u{1F600}'.repeat(100)}\r\n`), 'utf8'),
      upgrade(`${hostHeader}Origin: null\r\n`),
      upgrade(hostHeader, '//[::1'),
      upgrade(hostHeader, '/bridge?token=%E0%A4%A'),
      upgrade(`${hostHeader}X-Big: ${'a'.repeat(100_000)}\r\n`),
      `GET /bridge HTTP/1.1\r\n${hostHeader}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET /bridge HTTP/1.1\r\n${hostHeader}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 99\r\n\r\n`,
      upgrade(hostHeader).slice(0, 40),
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00]),
      'GET / HTTP/1.1\r\nHost: \x00\x01\r\n\r\n',
      `GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n${hostHeader}\r\n`,
      `GET /bridge HTTP/9.9\r\n\r\n`,
      'x'.repeat(70_000),
    ];
    // Random header bytes too, from a seeded generator (reproducible).
    const rnd = seeded(12);
    for (let i = 0; i < 40; i++) {
      const bytes = Buffer.alloc(1 + Math.floor(rnd() * 200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
      attempts.push(Buffer.concat([Buffer.from(`GET /bridge HTTP/1.1\r\nHost: `), bytes, Buffer.from(`\r\n\r\n`)]));
      attempts.push(Buffer.concat([Buffer.from(upgrade(hostHeader)), bytes]));
    }
    for (const a of attempts) await raw(server.port, a);
    expect(await hello(server)).toMatchObject({ t: 'hello' });
    expect(attempts.length).toBeGreaterThan(90);
  });

  it('answers every channel with a result for random and hostile requests', async () => {
    const rnd = seeded(7);
    const names = Object.keys(channels);
    let tries = 0;
    const crashes: string[] = [];
    for (const name of names) {
      const payloads = [...hostileValues(), ...Array.from({ length: 25 }, () => randomJson(rnd, 4))];
      for (const p of payloads) {
        tries++;
        const r = await Promise.race([
          backend.router.invoke(name, p, ctx),
          new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 5000)),
        ]);
        if (r === 'hang' || typeof r !== 'object' || !('ok' in r)) crashes.push(`${name}: ${String(r)}`);
        else if (!r.ok && r.error.code === 'INTERNAL') crashes.push(`${name}: ${r.error.message}`);
      }
    }
    expect(crashes).toEqual([]);
    expect(tries).toBeGreaterThan(names.length * 30);
    expect((await backend.router.invoke('app.info', {}, ctx)).ok).toBe(true);
    expect(Object.prototype).not.toHaveProperty('polluted');
  }, 120_000);

  it('refuses every topic subscription with bad parameters, and unsubscribes cleanly from good ones', () => {
    const rnd = seeded(9);
    for (const name of Object.keys(topics)) {
      for (const p of [...hostileValues(), ...Array.from({ length: 25 }, () => randomJson(rnd, 4))]) {
        const r = backend.router.subscribe(name, p, () => undefined, ctx);
        if (r.ok) r.value();
        else expect(r.error.code).not.toBe('INTERNAL');
      }
    }
  });

  it('closes a socket that sends garbage with a reason and keeps serving others', async () => {
    const rnd = seeded(3);
    const frames: (string | Buffer)[] = [
      '{',
      'null',
      '[]',
      JSON.stringify({ t: 'invoke', id: -1, channel: 'app.info' }),
      JSON.stringify({ t: 'invoke', id: 1, channel: 'x'.repeat(10_000), req: {} }),
      JSON.stringify({ t: 'sub', id: 1, topic: '\u00fc'.repeat(200), params: {} }),
      '['.repeat(100_000) + ']'.repeat(100_000),
      Buffer.from([1, 2, 3]),
    ];
    for (let i = 0; i < 20; i++) frames.push(JSON.stringify(randomJson(rnd, 5)));
    for (const f of frames) {
      const outcome = await new Promise<{ code: number; reason: string }>((resolve) => {
        const ws = new WebSocket(server.bridgeUrl);
        ws.on('message', () => ws.send(f));
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        ws.on('error', () => undefined);
        setTimeout(() => ws.terminate(), 2000);
      });
      expect(outcome.code).toBeGreaterThan(1000);
    }
    expect(await hello(server)).toMatchObject({ t: 'hello' });
  });

  it('states one message limit that the largest requests the contract accepts fit under, and says so past it', async () => {
    // An import preview of the longest text, every character escaped by JSON.
    const preview = JSON.stringify({
      t: 'invoke',
      id: 1,
      channel: 'fleet.import.preview',
      req: { format: 'csv', text: '\n'.repeat(2_000_000) },
    });
    expect(Buffer.byteLength(preview)).toBeLessThan(MAX_CLIENT_MESSAGE_BYTES);
    // A commit of 5,000 ordinary nodes (site, department, tags, notes, two endpoints).
    const nodes = Array.from({ length: 5000 }, (_, i) => ({
      name: `rad-${i}`,
      host: `10.${i >> 8}.${i & 255}.1`,
      port: 22,
      user: 'edge',
      auth: 'key',
      keyPath: '/home/admin/.ssh/id_ed25519',
      via: ['north-gw'],
      site: 'north-campus',
      department: 'radiology',
      tags: ['l40s', 'pacs-a'],
      role: 'edge',
      profiles: ['radiology'],
      notes: 'Imported from /home/admin/.ssh/config by the night shift',
      endpoints: [
        { name: 'cxr', port: 8000, model: 'cxr-triage' },
        { name: 'ct', port: 8001, model: 'ct-head' },
      ],
      enabled: true,
    }));
    const commit = JSON.stringify({ t: 'invoke', id: 1, channel: 'fleet.import.commit', req: { nodes, source: 'x' } });
    expect(Buffer.byteLength(commit)).toBeGreaterThan(1024 * 1024); // the old limit refused it
    expect(Buffer.byteLength(commit)).toBeLessThan(MAX_CLIENT_MESSAGE_BYTES);
    // Past the limit the client refuses before sending, naming the limit.
    const client = new LoopbackBridgeClient(server.bridgeUrl, wsFactory(`http://127.0.0.1:${server.port}`));
    try {
      const r = await client.invoke('fleet.import.preview', { format: 'csv', text: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1) });
      expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/at most 16\.0 MiB/) } });
      expect((await client.invoke('app.info', {})).ok).toBe(true);
    } finally {
      client.close();
    }
  });
});
