import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const openssl = (...args: string[]) => {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
};

/** A self-signed CA made with openssl in `dir` (`NAME.pem`, `NAME.key`), for one test run. */
export function makeCa(dir: string, name: string, cn: string): { pem: string; key: string } {
  const pem = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', pem, '-days', '2', '-subj', `/CN=${cn}`);
  return { pem, key };
}

/**
 * A server certificate signed by `ca` for the names in `san` (`DNS:localhost,IP:127.0.0.1`), as
 * `NAME.pem` and `NAME.key` in `dir`.
 */
export function serverCert(
  dir: string,
  name: string,
  ca: { pem: string; key: string },
  cn: string,
  san: string,
): { pem: string; key: string } {
  const f = (ext: string) => path.join(dir, `${name}.${ext}`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key'), '-out', f('csr'), '-subj', `/CN=${cn}`);
  fs.writeFileSync(f('ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    f('csr'),
    '-CA',
    ca.pem,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    f('pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  );
  return { pem: f('pem'), key: f('key') };
}
