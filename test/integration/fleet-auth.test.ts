import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode } from '../../electron/services/ssh/exec.js';
import { passphraseKey, passwordKey } from '../../electron/services/ssh/secrets.js';
import { testNode } from '../../electron/services/fleet/node-test.js';
import { AppErrorException } from '../../shared/errors.js';
import { authorizeKey, enableKeyboardInteractive, type BedState } from '../testbed/bed.js';
import { TEST_PASSWORD } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { fleetBackend, hostFingerprint, nodeInput, type FleetHarness } from './helpers/fleet.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppErrorException ? e.appError.code : String(e)),
  );

describe('SSH authentication methods against real OpenSSH', () => {
  let bed: BedState;
  let h: FleetHarness;
  const keys = makeTempDir('edgeward-keys-');
  const keygen = (name: string, type: string, passphrase = '') => {
    const file = path.join(keys.dir, name);
    spawnSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '3072'] : []), '-N', passphrase, '-C', name, '-f', file]);
    authorizeKey(bed, 'root', fs.readFileSync(`${file}.pub`, 'utf8'));
    return file;
  };

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
  }, 180_000);
  afterEach(async () => {
    for (const n of h.backend.inventory.list()) await h.backend.pool.disconnect(n.name);
  });
  afterAll(async () => {
    await h.close();
    keys.cleanup();
  });

  it('first contact: the test asks to confirm the fingerprint; once trusted, commands run', async () => {
    const node = bed.nodes[7]!;
    await h.backend.inventory.add(nodeInput(bed, node));
    const first = await testNode(h.backend.pool, node.name);
    expect(first).toMatchObject({ ok: false, needsTrust: true, status: 'hostkey-unknown', fingerprint: hostFingerprint(node) });
    expect(first.action).toContain(`edgeward trust ${node.name} --fingerprint ${hostFingerprint(node)}`);
    await expect(h.backend.pool.trust(node.name, 'SHA256:' + 'A'.repeat(43))).rejects.toThrow(/not SHA256:A+/);
    expect(await h.backend.pool.trust(node.name, hostFingerprint(node))).toMatchObject({ pinned: true });
    const again = await testNode(h.backend.pool, node.name);
    expect(again).toMatchObject({ ok: true, status: 'connected', fingerprint: hostFingerprint(node) });
    const records = h.backend.audit.index.query({ action: 'hostkey.trust', node: node.name }, 0, 10);
    expect(records.records[0]).toMatchObject({
      outcome: 'ok',
      hostKey: hostFingerprint(node),
      params: { fingerprint: hostFingerprint(node), source: 'confirmed' },
    });
  });

  it.each(['ecdsa', 'rsa', 'ed25519'])('logs in with an %s key', async (type) => {
    const node = bed.nodes[8]!;
    const name = `key-${type}`;
    const keyPath = keygen(`id_${type}`, type);
    await h.backend.inventory.add(nodeInput(bed, node, { name, keyPath }));
    await h.backend.pool.trust(name, hostFingerprint(node));
    const r = await execOnNode(h.backend.pool, name, 'hostname');
    expect(r.stdout.toString()).toBe(`${node.name}\n`);
  });

  it('uses an encrypted key only with its passphrase, and says which is missing or wrong', async () => {
    const node = bed.nodes[8]!;
    const keyPath = keygen('id_encrypted', 'ed25519', 'correct horse battery');
    await h.backend.inventory.add(nodeInput(bed, node, { name: 'enc', keyPath }));
    await h.backend.pool.trust('enc', hostFingerprint(node));
    await expect(execOnNode(h.backend.pool, 'enc', 'true')).rejects.toMatchObject({
      appError: { code: 'AUTH_FAILED', message: expect.stringContaining('is encrypted and no passphrase was given') },
    });
    h.backend.secrets.set(passphraseKey(keyPath), 'wrong horse', false);
    await expect(execOnNode(h.backend.pool, 'enc', 'true')).rejects.toMatchObject({
      appError: { message: expect.stringContaining('wrong passphrase') },
    });
    h.backend.secrets.set(passphraseKey(keyPath), 'correct horse battery', false);
    expect((await execOnNode(h.backend.pool, 'enc', 'echo unlocked')).stdout.toString()).toBe('unlocked\n');
  });

  it('logs in through an ssh-agent started by the test', async () => {
    const node = bed.nodes[9]!;
    const sock = path.join(keys.dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await expect.poll(() => fs.existsSync(sock)).toBe(true);
      const added = spawnSync('ssh-add', [bed.privateKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
      expect(added.status, added.stderr).toBe(0);
      const saved = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = sock;
      try {
        await h.backend.inventory.add(nodeInput(bed, node, { name: 'via-agent', auth: 'agent', keyPath: undefined }));
        await h.backend.pool.trust('via-agent', hostFingerprint(node));
        expect((await execOnNode(h.backend.pool, 'via-agent', 'id -un')).stdout.toString()).toBe('root\n');
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
      }
      delete process.env.SSH_AUTH_SOCK;
      await h.backend.pool.disconnect('via-agent');
      await expect(execOnNode(h.backend.pool, 'via-agent', 'true')).rejects.toMatchObject({
        appError: { message: expect.stringContaining('no ssh-agent is running') },
      });
      if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved;
    } finally {
      agent.kill();
    }
  });

  it('logs in with a password, and refuses a wrong one as an authentication failure', async () => {
    const node = bed.nodes[10]!;
    await h.backend.inventory.add(nodeInput(bed, node, { name: 'pw', user: 'edge', auth: 'password', keyPath: undefined }));
    await h.backend.pool.trust('pw', hostFingerprint(node));
    expect(await code(execOnNode(h.backend.pool, 'pw', 'true'))).toBe('AUTH_FAILED');
    h.backend.secrets.set(passwordKey('pw'), 'not-the-password', false);
    const wrong = await execOnNode(h.backend.pool, 'pw', 'true').catch((e: AppErrorException) => e.appError);
    expect(wrong).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringMatching(/refused the login \(password\)/) });
    expect(h.backend.pool.statusOf('pw')?.status).toBe('auth-failed');
    h.backend.secrets.set(passwordKey('pw'), TEST_PASSWORD, false);
    expect((await execOnNode(h.backend.pool, 'pw', 'id -un')).stdout.toString()).toBe('edge\n');
    // The password never reached the disk: not the inventory, not the audit log.
    const everything = fs
      .readdirSync(h.dataDir, { recursive: true })
      .map(String)
      .filter((f) => fs.statSync(path.join(h.dataDir, f)).isFile());
    for (const f of everything) expect(fs.readFileSync(path.join(h.dataDir, f), 'utf8')).not.toContain(TEST_PASSWORD);
  });

  it('relays keyboard-interactive questions to the window and its answers back (PAM on the node)', async () => {
    const node = bed.nodes[15]!;
    await enableKeyboardInteractive(node);
    await h.backend.inventory.add(nodeInput(bed, node, { name: 'mfa', user: 'edge', auth: 'keyboard-interactive', keyPath: undefined }));
    await h.backend.pool.trust('mfa', hostFingerprint(node));
    const ctx = { transport: 'loopback' as const, clientId: 'test' };
    // Nobody at the console: refused at once, not after a long wait.
    expect(await execOnNode(h.backend.pool, 'mfa', 'true').catch((e: AppErrorException) => e.appError)).toMatchObject({
      code: 'AUTH_FAILED',
      message: expect.stringContaining('no Edgeward window is open'),
    });
    let answer = 'wrong-answer';
    const seen: string[] = [];
    const sub = h.backend.router.subscribe(
      'fleet.prompt',
      {},
      (frame) => {
        const f = frame as { id: string; node: string; prompts: { prompt: string; echo: boolean }[] };
        seen.push(`${f.node}:${f.prompts.map((p) => `${p.prompt}/${p.echo}`).join(',')}`);
        void h.backend.router.invoke('fleet.prompt.answer', { id: f.id, answers: [answer] }, ctx);
      },
      ctx,
    );
    if (!sub.ok) throw new Error(sub.error.message);
    await h.backend.pool.disconnect('mfa');
    expect(await code(execOnNode(h.backend.pool, 'mfa', 'true'))).toBe('AUTH_FAILED');
    answer = TEST_PASSWORD;
    await h.backend.pool.disconnect('mfa');
    expect((await execOnNode(h.backend.pool, 'mfa', 'id -un')).stdout.toString()).toBe('edge\n');
    expect(seen.at(-1)).toBe('mfa:Password: /false');
    sub.value();
  });

  it('takes a first-contact key from OpenSSH known_hosts, and audits that it did', async () => {
    const h2 = await fleetBackend({ userKnownHostsFile: bed.knownHosts });
    try {
      const node = bed.nodes[11]!;
      await h2.backend.inventory.add(nodeInput(bed, node));
      expect((await execOnNode(h2.backend.pool, node.name, 'true')).exitCode).toBe(0);
      const rec = h2.backend.audit.index.query({ action: 'hostkey.trust' }, 0, 5).records[0];
      expect(rec).toMatchObject({ target: { node: node.name }, params: { source: 'known_hosts', fingerprint: hostFingerprint(node) } });
    } finally {
      await h2.close();
    }
  });
});
