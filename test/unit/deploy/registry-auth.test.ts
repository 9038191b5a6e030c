import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageRef, type ImageRef } from '../../../shared/deploy/image-ref.js';
import { resolveDigest } from '../../../electron/services/deploy/registry.js';
import { loginFile, pullCommand } from '../../../electron/services/runtime/runtime-commands.js';
import { registryDigest, startSecureRegistry, type SecureRegistry } from '../../helpers/registry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const refOf = (s: string) => parseImageRef(s) as ImageRef;
/** Temporary directories of a pull (CA, docker login) still there: in memory (/dev/shm) or /tmp. */
const leftLogins = () =>
  ['/dev/shm', '/tmp'].flatMap((root) =>
    fs.existsSync(root)
      ? fs
          .readdirSync(root)
          .filter((f) => f.startsWith('tmp.') && ['ca.crt', 'config.json'].some((x) => fs.existsSync(path.join(root, f, x))))
      : [],
  );

/** The console resolving a tag against a registry with TLS from its own CA and basic auth (the real distribution server). */
describe('registry digests over TLS with a login', () => {
  const tmp = makeTempDir('edgeward-reg-');
  let reg: SecureRegistry;
  let image: string;

  beforeAll(async () => {
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'));
    const store = { root: path.join(tmp.dir, 'store'), runroot: path.join(tmp.dir, 'run') };
    fs.mkdirSync(path.join(tmp.dir, 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(tmp.dir, 'rootfs', 'model.txt'), 'cxr v1\n');
    spawnSync('tar', ['-C', path.join(tmp.dir, 'rootfs'), '-cf', path.join(tmp.dir, 'rootfs.tar'), '.']);
    const imported = spawnSync(
      'podman',
      ['--root', store.root, '--runroot', store.runroot, 'import', '-q', path.join(tmp.dir, 'rootfs.tar'), 'localhost/tiny:1'],
      {
        encoding: 'utf8',
      },
    );
    expect(imported.status, imported.stderr).toBe(0);
    image = reg.push(store, 'localhost/tiny:1', 'radiology/tiny:1');
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    tmp.cleanup();
  });

  it('resolves the digest the registry serves, with the CA and the login', async () => {
    const digest = await resolveDigest(refOf(image), {
      caOf: (h) => (h === reg.host ? reg.ca : undefined),
      credentialsOf: (h) => (h === reg.host ? { username: reg.username, password: reg.password } : undefined),
    });
    expect(digest).toBe(registryDigest(reg, image));
  });

  it('names the registry and the user when the password is wrong, and says when no login is set', async () => {
    const caOf = () => reg.ca;
    await expect(
      resolveDigest(refOf(image), { caOf, credentialsOf: () => ({ username: reg.username, password: 'wrong' }) }),
    ).rejects.toThrow(`${reg.host} refused the password of radadmin`);
    await expect(resolveDigest(refOf(image), { caOf })).rejects.toThrow(
      `${reg.host} needs a login to read radiology/tiny (no user is set for it)`,
    );
  });

  it('refuses a certificate its CA did not sign', async () => {
    await expect(
      resolveDigest(refOf(image), { credentialsOf: () => ({ username: reg.username, password: reg.password }) }),
    ).rejects.toThrow(new RegExp(`${reg.host.replace(/\./g, '\\.')} did not answer \\((SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO)`));
  });

  it("a node's pull gets the CA and the login on stdin (never on its command line), and pulls for real", () => {
    const login = loginFile(reg.host, reg.username, reg.password);
    const cmd = pullCommand('podman', image, { ca: reg.ca, login: true });
    expect(cmd).not.toContain(reg.password);
    expect(cmd).not.toContain(Buffer.from(`${reg.username}:${reg.password}`).toString('base64'));
    expect(spawnSync('sh', ['-n', '-c', cmd]).status).toBe(0);
    // podman with a storage of its own (CONTAINERS_STORAGE_CONF), running the very command a node runs.
    const storage = path.join(tmp.dir, 'node-storage.conf');
    fs.writeFileSync(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${tmp.dir}/node-store"\nrunroot = "${tmp.dir}/node-run"\n`);
    const env = { ...process.env, CONTAINERS_STORAGE_CONF: storage };
    const pulled = spawnSync('sh', ['-c', `${cmd} 2>&1`], { input: login, encoding: 'utf8', env });
    expect(pulled.status, pulled.stdout).toBe(0);
    const held = spawnSync('podman', ['image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', image], {
      encoding: 'utf8',
      env,
    });
    expect(held.stdout).toContain(registryDigest(reg, image));
    // A wrong password: the registry's refusal, as the node's pull says it.
    const refused = spawnSync('sh', ['-c', `${pullCommand('podman', image.replace(/:1$/, ':2'), { ca: reg.ca, login: true })} 2>&1`], {
      input: loginFile(reg.host, reg.username, 'wrong'),
      encoding: 'utf8',
      env,
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toMatch(/unauthorized|authentication required/);
    // Nothing of the login stays behind on the node.
    expect(leftLogins()).toEqual([]);
  }, 60_000);
});
