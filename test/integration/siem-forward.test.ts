import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { parseForwardUrl } from '../../electron/services/audit/forwarder.js';
import { seqOf } from '../../electron/services/audit/syslog-format.js';
import { atnaProblems } from '../helpers/atna-schema.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { testRsyslog, type TestRsyslog } from '../helpers/rsyslog.js';

/** Debian's rsyslog with rsyslog-gnutls as the SIEM's collector: TLS with a CA made here, every message to a file. */
describe('the audit log forwarded to rsyslog over TLS', () => {
  const tmp = makeTempDir('edgeward-siem-');
  let syslog: TestRsyslog;
  let port: number;
  let backend: Backend;
  let received: string;
  const startRsyslog = () => syslog.start();
  const stopRsyslog = () => syslog.stop();

  beforeAll(async () => {
    syslog = await testRsyslog(tmp.dir);
    port = syslog.port;
    received = syslog.received;
    await startRsyslog();
    backend = await createBackend({ dataDir: path.join(tmp.dir, 'data'), transport: 'cli' });
  }, 60_000);

  afterAll(async () => {
    await backend?.close();
    await syslog?.stop();
    tmp.cleanup();
  });

  it('refuses plain TCP off this machine, and a collector whose certificate the CA did not sign', async () => {
    expect(() => parseForwardUrl('syslog+tcp://siem.hospital.example:514')).toThrow(
      /plain TCP would send the audit log readable on the network/,
    );
    await backend.forwarding.add(`syslog+tls://localhost:${port}`, { ca: syslog.otherCa });
    await expect(backend.forwarding.deliver(`syslog+tls://localhost:${port}`)).rejects.toThrow(
      /self.signed|unable to (get|verify)|certificate/i,
    );
    expect(backend.forwarding.status()[0]).toMatchObject({
      cursor: 0,
      lastError: expect.stringMatching(/certificate|SELF_SIGNED|UNABLE/i),
    });
    await backend.forwarding.remove(`syslog+tls://localhost:${port}`);
  });

  it('delivers 1,000 actions in order with the collector restarted twice midway: every record there, none lost', async () => {
    const url = `syslog+tls://localhost:${port}`;
    await backend.forwarding.add(url, { ca: syslog.ca });
    let delivering = true;
    const errors: string[] = [];
    const loop = (async () => {
      while (delivering) {
        await backend.forwarding.deliver(url).catch((e: Error) => errors.push(e.message));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let i = 0; i < 1000; i++) {
      const r = await backend.router.invoke('settings.set', { operatorName: `night ${i}` }, { transport: 'cli', clientId: 't' });
      expect(r.ok).toBe(true);
      if (i === 300 || i === 650) {
        await stopRsyslog();
        await new Promise((r) => setTimeout(r, 300));
        await startRsyslog();
      }
    }
    delivering = false;
    await loop;
    await expect
      .poll(async () => (await backend.forwarding.deliver(url).catch(() => -1)) === backend.audit.head().seq, { timeout: 30_000 })
      .toBe(true);
    expect(backend.forwarding.status().find((s) => s.url === url)!.lag).toBe(0);
    await stopRsyslog();

    const lines = fs.readFileSync(received, 'utf8').split('\n').filter(Boolean);
    const head = backend.audit.head().seq;
    const firstSeen: number[] = [];
    const seen = new Set<number>();
    for (const l of lines) {
      expect(l).toMatch(
        /^<1(?:10|08)>1 \d{4}-\d\d-\d\dT\S+Z \S+ edgeward - \S+ \[edgeward@32473 seq="\d+" hash="[0-9a-f]{64}" outcome="\w+"\] \{/,
      );
      const seq = seqOf(l)!;
      const record = JSON.parse(l.slice(l.indexOf('] {') + 2)) as { seq: number; hash: string };
      expect(record.seq).toBe(seq);
      expect(l).toContain(`hash="${record.hash}"`);
      if (!seen.has(seq)) {
        firstSeen.push(seq);
        seen.add(seq);
      }
    }
    // Every record of the log, each first seen in order; a restart may repeat some (the receiver drops them by seq).
    expect(firstSeen).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(lines.length - firstSeen.length).toBeLessThan(1500);
  }, 240_000);

  it('as IHE ATNA: every record reaches rsyslog as an audit message valid against the DICOM schema', async () => {
    await startRsyslog();
    const before = new Set(fs.readFileSync(received, 'utf8').split('\n'));
    // The same collector by its address: a second target, in the other format, from seq 1.
    const url = `syslog+tls://127.0.0.1:${port}`;
    await backend.forwarding.add(url, { ca: syslog.ca, format: 'atna' });
    await backend.router.invoke('settings.set', { operatorName: 'Dana <night> & "day"' }, { transport: 'cli', clientId: 't' });
    const head = backend.audit.head().seq;
    expect(await backend.forwarding.deliver(url)).toBe(head);
    await stopRsyslog();
    const atna = fs
      .readFileSync(received, 'utf8')
      .split('\n')
      .filter((l) => l && !before.has(l) && / DICOM\+RFC3881 /.test(l));
    expect(new Set(atna.map((l) => seqOf(l))).size).toBe(head);
    const docs = atna.map((l) => l.slice(l.indexOf('\ufeff') + 1));
    expect(docs.every((d) => d.startsWith('<?xml'))).toBe(true);
    expect(atnaProblems(docs)).toEqual(docs.map(() => []));
    // What was typed travels as text: inside the base64 detail, not as markup.
    const params = /<ParticipantObjectDetail type="params" value="([^"]+)"/.exec(docs.at(-1)!)![1]!;
    expect(Buffer.from(params, 'base64').toString()).toContain('Dana <night> & \\"day\\"');
  }, 120_000);
});
