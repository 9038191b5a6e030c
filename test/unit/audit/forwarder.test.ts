import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import {
  checkpointOrigin,
  checkpointsFile,
  createKeyFile,
  startCheckpointing,
  verifierKey,
  verifyCheckpoints,
} from '../../../electron/services/audit/checkpoints.js';
import { parseForwardUrl } from '../../../electron/services/audit/forwarder.js';
import { seqOf } from '../../../electron/services/audit/syslog-format.js';
import { atnaProblems } from '../../helpers/atna-schema.js';
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
      // The lag is a queue depth in /metrics too; it grows with each record the collector lacks.
      await a.router.invoke('settings.set', { operatorName: 'one more' }, { transport: 'cli', clientId: 't' });
      expect(a.queues()).toContainEqual({ queue: 'audit_forward', target: url, depth: 2 });
      await a.forwarding.deliver(url);
    } finally {
      await a.close();
      await b.close();
      rx.close();
      tmp.cleanup();
    }
  });

  it('forwards as IHE ATNA when added with --format atna, and refuses a format it does not know', async () => {
    const tmp = makeTempDir('edgeward-fwd-atna-');
    const rx = await receiver();
    const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    const lines: string[] = [];
    const errors: string[] = [];
    const io: CliOutput = { json: false, print: (l) => lines.push(l), error: (l) => errors.push(l) };
    try {
      const url = `syslog+tcp://127.0.0.1:${rx.port}`;
      expect(await runCommand(cli, ['audit', 'forward', 'add', url], io, { format: 'xml' })).not.toBe(0);
      expect(errors.join('\n')).toMatch(/There is no forwarding format xml.*--format atna/s);
      expect(await runCommand(cli, ['audit', 'forward', 'add', url], io, { format: 'atna' })).toBe(0);
      await cli.router.invoke('settings.set', { operatorName: 'Dana' }, { transport: 'cli', clientId: 't' });
      expect(await runCommand(cli, ['audit', 'forward', 'run'], io)).toBe(0);
      const head = cli.audit.head().seq;
      expect(rx.messages.map((m) => seqOf(m))).toEqual(Array.from({ length: head }, (_, i) => i + 1));
      expect(rx.messages.every((m) => / DICOM\+RFC3881 /.test(m))).toBe(true);
      const docs = rx.messages.map((m) => m.slice(m.indexOf('\ufeff') + 1));
      expect(atnaProblems(docs)).toEqual(docs.map(() => []));
      // The audit record of adding it says which format it is.
      expect(cli.audit.index.query({ action: 'audit.forward_add' }, 0, 5).records.at(-1)?.params).toMatchObject({ format: 'atna' });
      lines.length = 0;
      expect(await runCommand(cli, ['audit', 'forward', 'ls'], io)).toBe(0);
      expect(lines.join('\n')).toMatch(/FORMAT[\s\S]*atna/);
    } finally {
      await cli.close();
      rx.close();
      tmp.cleanup();
    }
  });

  it('sends each signed checkpoint once, after the records it signs: the collector can verify the log with them', async () => {
    const tmp = makeTempDir('edgeward-fwd-cp-');
    const rx = await receiver();
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const url = `syslog+tcp://127.0.0.1:${rx.port}`;
      await b.forwarding.add(url);
      const key = createKeyFile(`${tmp.dir}/cp.key`, 'hub-1');
      const stop = startCheckpointing(b.audit.log, key, checkpointOrigin(), checkpointsFile(b.audit.log.dir), { every: 10 });
      for (let i = 0; i < 12; i++) await b.router.invoke('settings.set', { operatorName: `op ${i}` }, { transport: 'cli', clientId: 't' });
      await b.forwarding.deliver(url);
      stop(); // signs the head once more at stop: records already delivered, the checkpoint still due
      expect(b.forwarding.status()[0]).toMatchObject({ lag: 0, checkpointsPending: 1 });
      await b.forwarding.deliver(url);
      expect(b.forwarding.status()[0]).toMatchObject({ lag: 0, checkpointsPending: 0, checkpointsSent: 3 });
      await b.forwarding.deliver(url);

      const checkpoints = rx.messages.filter((m) => / edgeward - checkpoint /.test(m));
      expect(checkpoints).toHaveLength(3);
      // Each arrives after the record it signs.
      for (const c of checkpoints) {
        const signs = Number(/checkpoint="(\d+)"/.exec(c)![1]);
        const at = rx.messages.indexOf(c);
        expect(rx.messages.slice(0, at).some((m) => seqOf(m) === signs)).toBe(true);
      }
      // What the collector holds proves the log: the notes as received, byte for byte.
      const held = checkpoints.map((c) => c.slice(c.indexOf('] ') + 2)).join('');
      expect((await verifyCheckpoints(b.audit.log.dir, held, verifierKey(key))).intact).toBe(true);
    } finally {
      await b.close();
      rx.close();
      tmp.cleanup();
    }
  });
});
