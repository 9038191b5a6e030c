import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { parseForwardUrl } from '../../electron/services/audit/forwarder.js';
import { seqOf } from '../../electron/services/audit/syslog-format.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

const openssl = (...args: string[]) => {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
};

/** Debian's rsyslog with rsyslog-gnutls as the SIEM's collector: TLS with a CA made here, every message to a file. */
describe('the audit log forwarded to rsyslog over TLS', () => {
  const tmp = makeTempDir('edgeward-siem-');
  const dir = tmp.dir;
  let port: number;
  let rsyslog: ChildProcess | undefined;
  let backend: Backend;
  const received = path.join(dir, 'received.log');

  const startRsyslog = async () => {
    rsyslog = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslog.pid')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true))).on('error', () => r(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('rsyslogd did not start listening');
  };
  const stopRsyslog = async () => {
    const p = rsyslog!;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    rsyslog = undefined;
  };

  beforeAll(async () => {
    port = await freePort();
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'ca.key'),
      '-out',
      path.join(dir, 'ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Edgeward test CA',
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'server.key'),
      '-out',
      path.join(dir, 'server.csr'),
      '-subj',
      '/CN=localhost',
    );
    fs.writeFileSync(
      path.join(dir, 'ext.cnf'),
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      path.join(dir, 'server.csr'),
      '-CA',
      path.join(dir, 'ca.pem'),
      '-CAkey',
      path.join(dir, 'ca.key'),
      '-CAcreateserial',
      '-out',
      path.join(dir, 'server.pem'),
      '-days',
      '2',
      '-extfile',
      path.join(dir, 'ext.cnf'),
    );
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'other.key'),
      '-out',
      path.join(dir, 'other-ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Some other CA',
    );
    fs.mkdirSync(path.join(dir, 'work'));
    fs.writeFileSync(
      path.join(dir, 'rsyslog.conf'),
      `global(workDirectory="${dir}/work" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${dir}/ca.pem"
       DefaultNetstreamDriverCertFile="${dir}/server.pem" DefaultNetstreamDriverKeyFile="${dir}/server.key" maxMessageSize="64k")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="siem") { action(type="omfile" file="${received}" template="raw") }
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="siem")
`,
    );
    await startRsyslog();
    backend = await createBackend({ dataDir: path.join(dir, 'data'), transport: 'cli' });
  }, 60_000);

  afterAll(async () => {
    await backend?.close();
    if (rsyslog) await stopRsyslog();
    tmp.cleanup();
  });

  it('refuses plain TCP off this machine, and a collector whose certificate the CA did not sign', async () => {
    expect(() => parseForwardUrl('syslog+tcp://siem.hospital.example:514')).toThrow(
      /plain TCP would send the audit log readable on the network/,
    );
    await backend.forwarding.add(`syslog+tls://localhost:${port}`, { ca: fs.readFileSync(path.join(dir, 'other-ca.pem'), 'utf8') });
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
    await backend.forwarding.add(url, { ca: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8') });
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
});
