import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { loginFile } from '../../electron/services/runtime/runtime-commands.js';
import type { RegistryOptions } from '../../electron/services/deploy/registry.js';
import { TEST_IMAGE } from '../testbed/layout.js';
import { freePort } from './free-port.js';
import { makeCa, serverCert } from './test-ca.js';

export interface SecureRegistry {
  /** host:port, as image references name it. */
  host: string;
  /** The CA that signed the registry's certificate (PEM). */
  ca: string;
  username: string;
  password: string;
  /** A directory with ca.crt, for podman's --cert-dir. */
  certDir: string;
  /** A podman auth file with the right password. */
  authFile: string;
  /** Pushes a local image (in `store`) to NAME:TAG here; returns the full reference. */
  push(store: { root: string; runroot: string }, local: string, name: string): string;
  /** Pushes the bed's test image (from the bed's shared store in `bedDir`) as NAME:TAG. */
  pushBedImage(bedDir: string, name: string): string;
  /** How the console reaches it: its CA and the right login. */
  options(): RegistryOptions;
  stop(): Promise<void>;
}

const must = (cmd: string, args: string[], input?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
};

/**
 * Debian's docker-registry (the CNCF distribution server) as a hospital runs one: TLS with a
 * certificate from a CA made here, and basic auth from an htpasswd file (bcrypt, apache2-utils).
 * Listens on `address` (a bed address, so nodes reach it) and a free port unless one is given.
 */
export async function startSecureRegistry(dir: string, address = '127.0.0.1', port?: number): Promise<SecureRegistry> {
  const p = port ?? (await freePort());
  const host = `${address}:${p}`;
  const f = (n: string) => path.join(dir, n);
  fs.mkdirSync(f('data'), { recursive: true });
  const caFiles = makeCa(dir, 'ca', 'Edgeward test registry CA');
  const cert = serverCert(dir, 'reg', caFiles, address, `IP:${address}`);
  const username = 'radadmin';
  const password = 'correct horse: battery';
  fs.writeFileSync(f('htpasswd'), must('htpasswd', ['-Bbn', username, password]));
  fs.writeFileSync(
    f('config.yml'),
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${f('data')}
http:
  addr: ${host}
  tls:
    certificate: ${cert.pem}
    key: ${cert.key}
auth:
  htpasswd:
    realm: edgeward-test
    path: ${f('htpasswd')}
`,
  );
  fs.mkdirSync(f('certs'), { recursive: true });
  fs.copyFileSync(caFiles.pem, path.join(f('certs'), 'ca.crt'));
  fs.writeFileSync(f('auth.json'), loginFile(host, username, password), {
    mode: 0o600,
  });
  const ca = fs.readFileSync(caFiles.pem, 'utf8');
  const child: ChildProcess = spawn('docker-registry', ['serve', f('config.yml')], {
    stdio: ['ignore', 'ignore', fs.openSync(f('log'), 'a')],
  });
  const up = () =>
    spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFiles.pem, `https://${host}/v2/`], { encoding: 'utf8' })
      .stdout === '401';
  for (let i = 0; i < 100 && !up(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!up()) throw new Error(`docker-registry did not start on ${host} (see ${f('log')})`);
  const push: SecureRegistry['push'] = (store, local, name) => {
    const ref = `${host}/${name}`;
    must('podman', [
      '--root',
      store.root,
      '--runroot',
      store.runroot,
      'push',
      '--quiet',
      '--cert-dir',
      f('certs'),
      '--authfile',
      f('auth.json'),
      local,
      ref,
    ]);
    return ref;
  };
  return {
    host,
    ca,
    username,
    password,
    certDir: f('certs'),
    authFile: f('auth.json'),
    push,
    pushBedImage(bedDir, name) {
      return push({ root: path.join(bedDir, 'image-store'), runroot: path.join(bedDir, 'image-run') }, TEST_IMAGE, name);
    },
    options: () => ({ caOf: () => ca, credentialsOf: () => ({ username, password }) }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The digest the registry itself says it serves for a reference (curl on its API: the oracle). */
export function registryDigest(r: SecureRegistry, ref: string): string {
  const [, repo, tag] = /^[^/]+\/(.+):([^:/]+)$/.exec(ref) ?? [];
  const out = must('curl', [
    '-sfI',
    '--cacert',
    path.join(r.certDir, 'ca.crt'),
    '-u',
    `${r.username}:${r.password}`,
    '-H',
    'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    `https://${r.host}/v2/${repo}/manifests/${tag}`,
  ]);
  return /docker-content-digest:\s*(sha256:[0-9a-f]{64})/i.exec(out)?.[1] ?? '';
}

/** Stores a manifest (or index) the test wrote itself; the registry checks that what it names exists. Returns its digest. */
export function putManifest(r: SecureRegistry, repo: string, tag: string, body: string, mediaType: string): string {
  const out = must(
    'curl',
    [
      '-sf',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '-X',
      'PUT',
      '--cacert',
      path.join(r.certDir, 'ca.crt'),
      '-u',
      `${r.username}:${r.password}`,
      '-H',
      `Content-Type: ${mediaType}`,
      '--data-binary',
      '@-',
      `https://${r.host}/v2/${repo}/manifests/${tag}`,
    ],
    body,
  );
  return /docker-content-digest:\s*(sha256:[0-9a-f]{64})/i.exec(out)?.[1] ?? '';
}

/** A manifest as the registry serves it, by tag or digest (curl on its API). */
export function getManifest(r: SecureRegistry, repo: string, reference: string): string {
  return must('curl', [
    '-sf',
    '--cacert',
    path.join(r.certDir, 'ca.crt'),
    '-u',
    `${r.username}:${r.password}`,
    '-H',
    'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    `https://${r.host}/v2/${repo}/manifests/${reference}`,
  ]);
}

/** Uploads one blob (POST for an upload, then PUT with its digest: the registry checks the digest). Returns the digest. */
export function pushBlob(r: SecureRegistry, repo: string, data: Buffer): string {
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
  const auth = ['--cacert', path.join(r.certDir, 'ca.crt'), '-u', `${r.username}:${r.password}`];
  const started = must('curl', ['-sf', '-D', '-', '-o', '/dev/null', '-X', 'POST', ...auth, `https://${r.host}/v2/${repo}/blobs/uploads/`]);
  const location = /^location:\s*(\S+)/im.exec(started)?.[1];
  if (!location) throw new Error(`the registry gave no upload location: ${started}`);
  const url = new URL(location, `https://${r.host}`);
  url.searchParams.set('digest', digest);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeward-blob-')), 'blob');
  fs.writeFileSync(file, data);
  try {
    must('curl', [
      '-sf',
      '-o',
      '/dev/null',
      '-X',
      'PUT',
      ...auth,
      '-H',
      'Content-Type: application/octet-stream',
      '--data-binary',
      `@${file}`,
      url.href,
    ]);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  return digest;
}

/**
 * An OCI artifact as `oras push` makes one: an empty config, one layer per file with its path as
 * the title annotation. Returns the reference and the manifest digest the registry serves.
 */
export function pushArtifact(
  r: SecureRegistry,
  repo: string,
  tag: string,
  files: { title: string; data: Buffer; annotations?: Record<string, string> }[],
): { ref: string; digest: string } {
  const empty = Buffer.from('{}');
  pushBlob(r, repo, empty);
  const layers = files.map((f) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: pushBlob(r, repo, f.data),
    size: f.data.length,
    annotations: { 'org.opencontainers.image.title': f.title, ...f.annotations },
  }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.edgeward.model.v1',
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: `sha256:${crypto.createHash('sha256').update(empty).digest('hex')}`,
      size: 2,
    },
    layers,
  });
  const digest = putManifest(r, repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { ref: `${r.host}/${repo}:${tag}`, digest };
}
