import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './free-port.js';
import { makeCa, serverCert } from './test-ca.js';

export interface TestRsyslog {
  port: number;
  /** The CA that signed the collector's certificate (PEM), and one that did not. */
  ca: string;
  otherCa: string;
  /** Every message received, one line each (`%rawmsg%`). */
  received: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Debian's rsyslog with rsyslog-gnutls as a SIEM's collector: a CA and a server certificate for
 * localhost made with openssl in `dir`, imtcp over TLS on a free loopback port, every message to a file.
 */
export async function testRsyslog(dir: string): Promise<TestRsyslog> {
  const port = await freePort();
  const f = (n: string) => path.join(dir, n);
  const ca = makeCa(dir, 'ca', 'Edgeward test CA');
  const server = serverCert(dir, 'server', ca, 'localhost', 'DNS:localhost,IP:127.0.0.1');
  makeCa(dir, 'other-ca', 'Some other CA');
  fs.mkdirSync(f('work'), { recursive: true });
  const received = f('received.log');
  fs.writeFileSync(
    f('rsyslog.conf'),
    `global(workDirectory="${f('work')}" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${ca.pem}"
       DefaultNetstreamDriverCertFile="${server.pem}" DefaultNetstreamDriverKeyFile="${server.key}" maxMessageSize="64k")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="siem") { action(type="omfile" file="${received}" template="raw") }
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="siem")
`,
  );
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('rsyslogd', ['-n', '-f', f('rsyslog.conf'), '-i', f('rsyslog.pid')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true))).on('error', () => r(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('rsyslogd did not start listening');
  };
  const stop = async () => {
    const p = proc;
    if (!p) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    proc = undefined;
  };
  return { port, ca: fs.readFileSync(f('ca.pem'), 'utf8'), otherCa: fs.readFileSync(f('other-ca.pem'), 'utf8'), received, start, stop };
}
