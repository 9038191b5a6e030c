import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { parseForwardUrl } from '../../../electron/services/audit/forwarder.js';
import { seqOf } from '../../../electron/services/audit/syslog-format.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** A syslog receiver on loopback that reads octet-counted frames (RFC 6587) and keeps each message. */
async function receiver() {
  const messages: string[] = [];
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const len = Number(buf.subarray(0, sp).toString());
        if (buf.length < sp + 1 + len) break;
        messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        buf = buf.subarray(sp + 1 + len);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, messages, close: () => server.close() };
}

describe('audit forwarding', () => {
  it('parses collector addresses strictly', () => {
    expect(parseForwardUrl('syslog+tls://siem.hospital.example:6514')).toEqual({ tls: true, host: 'siem.hospital.example', port: 6514 });
    expect(parseForwardUrl('syslog+tcp://127.0.0.1:1514')).toEqual({ tls: false, host: '127.0.0.1', port: 1514 });
    expect(() => parseForwardUrl('syslog+tls://siem:99999')).toThrow(/port must be 1 to 65535/);
    expect(() => parseForwardUrl('syslog://siem:514')).toThrow(/not a syslog\+tls/);
    expect(() => parseForwardUrl('syslog+tcp://10.0.0.5:514')).toThrow(/plain TCP would send the audit log readable/);
  });

  it('frames every record once it is asked, with two processes delivering at once the cursor only moves forward', async () => {
    const tmp = makeTempDir('edgeward-fwd-');
    const rx = await receiver();
    const a = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const url = `syslog+tcp://127.0.0.1:${rx.port}`;
      await a.forwarding.add(url);
      for (let i = 0; i < 50; i++) await a.router.invoke('settings.set', { operatorName: `op ${i}` }, { transport: 'cli', clientId: 't' });
      await Promise.all([a.forwarding.deliver(url), b.forwarding.deliver(url), a.forwarding.deliver(url)]);
      const head = a.audit.head().seq;
      expect(b.forwarding.status()[0]).toMatchObject({ cursor: head, lag: 0 });
      const seqs = new Set(rx.messages.map((m) => seqOf(m)));
      expect(seqs.size).toBe(head);
      expect(Math.min(...(seqs as Set<number>))).toBe(1);
      // Nothing new: nothing sent.
      const before = rx.messages.length;
      await a.forwarding.deliver(url);
      expect(rx.messages.length).toBe(before);
    } finally {
      await a.close();
      await b.close();
      rx.close();
      tmp.cleanup();
    }
  });
});
