import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnNode } from '../../electron/services/ssh/exec.js';
import { cut, regenerateHostKey, restore, type BedState } from '../testbed/bed.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, hostFingerprint, type FleetHarness } from './helpers/fleet.js';
import { cliArgv } from '../helpers/cli.js';

describe('connections: gateways, host key changes, cut links, hostile output', () => {
  let bed: BedState;
  let h: FleetHarness;
  const byName = (name: string) => bed.nodes.find((n) => n.name === name)!;
  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
  }, 180_000);
  afterAll(async () => {
    await h.close();
  });

  it('reaches a node only reachable through a gateway, and one behind two, sharing one gateway connection', async () => {
    const gwLog = path.join(byName('node-01').dir, 'sshd.log');
    const logins = () => (fs.readFileSync(gwLog, 'utf8').match(/Accepted publickey for root/g) ?? []).length;
    await addTrusted(h, bed, [byName('site1-01'), byName('site2-01')]);
    const before = logins();
    const [a, b] = await Promise.all([
      execOnNode(h.backend.pool, 'site1-01', 'hostname'),
      execOnNode(h.backend.pool, 'site2-01', 'hostname'),
    ]);
    expect(a.stdout.toString()).toBe('site1-01\n');
    expect(b.stdout.toString()).toBe('site2-01\n');
    expect(h.backend.inventory.get('site2-01')?.via).toEqual(['node-01', 'site1-01']);
    // Both went through node-01 over at most one new login there.
    expect(logins() - before).toBeLessThanOrEqual(1);
    const direct = spawnSync('ssh', ['-o', 'ConnectTimeout=2', '-o', 'BatchMode=yes', `root@${byName('site1-01').address}`, 'true'], {
      encoding: 'utf8',
    });
    expect(direct.status).toBe(255);
  });

  it('refuses a node whose host key was regenerated, says what it can mean, and audits the refusal', async () => {
    const node = bed.nodes[18]!;
    await addTrusted(h, bed, [node]);
    expect((await execOnNode(h.backend.pool, node.name, 'true')).exitCode).toBe(0);
    const oldFp = hostFingerprint(node);
    await regenerateHostKey(node);
    await h.backend.pool.disconnect(node.name);
    const err = await execOnNode(h.backend.pool, node.name, 'true').catch((e) => e.appError);
    expect(err).toMatchObject({
      code: 'HOSTKEY_CHANGED',
      message: expect.stringContaining(`expected ${oldFp}, the server presented ${hostFingerprint(node)}`),
    });
    expect(err.action).toMatch(/intercepting/);
    expect(h.backend.pool.statusOf(node.name)?.status).toBe('hostkey-changed');
    const rec = h.backend.audit.index.query({ action: 'hostkey.mismatch', node: node.name }, 0, 1).records[0];
    expect(rec).toMatchObject({ outcome: 'failed', params: { expected: oldFp, presented: hostFingerprint(node) } });
    // Re-trusting is explicit and audited as such.
    expect(await h.backend.pool.trust(node.name, hostFingerprint(node))).toMatchObject({ pinned: true, previous: oldFp });
    expect(h.backend.audit.index.query({ action: 'hostkey.retrust', node: node.name, outcome: 'ok' }, 0, 1).total).toBe(1);
    expect((await execOnNode(h.backend.pool, node.name, 'true')).exitCode).toBe(0);
  });

  it('makes `edgeward exec` exit 1 with what to do when the host key is not trusted', async () => {
    const dataDir = path.join(h.dataDir, 'cli');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, cliArgv(dataDir, ...args), {
        encoding: 'utf8',
        env: { ...process.env, HOME: dataDir },
      });
    const node = bed.nodes[12]!;
    expect(cli('nodes', 'add', 'n12', '--host', node.address, '--user', 'root', '--key', bed.privateKey).status).toBe(0);
    const run = cli('exec', 'n12', '--', 'hostname');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/n12 ⚠ hostkey .*not trusted yet: it presented host key SHA256:/);
    expect(run.stdout).toContain(`→ Compare the fingerprint`);
    expect(run.stdout).toContain(`edgeward trust n12 --fingerprint ${hostFingerprint(node)}`);
    expect(cli('trust', 'n12', '--fingerprint', hostFingerprint(node)).status).toBe(0);
    const ok = cli('exec', 'n12', '--json', '--', 'hostname');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ total: 1, counts: { ok: 1 }, results: [{ node: 'n12', stdout: `${node.name}\n` }] });
  });

  it('reports a link cut mid-command clearly, and the pool recovers when the link returns', async () => {
    const node = bed.nodes[13]!;
    await addTrusted(h, bed, [node]);
    const running = execOnNode(h.backend.pool, node.name, 'sleep 4; echo done');
    await new Promise((r) => setTimeout(r, 700));
    cut(node);
    const r = await running;
    expect(r.exitCode).toBeNull();
    expect(r.lostConnection).toMatch(/keepalive|closed/i);
    expect(h.backend.pool.statusOf(node.name)?.status).toBe('unreachable');
    restore(node);
    await expect
      .poll(async () => (await execOnNode(h.backend.pool, node.name, 'echo back').catch(() => undefined))?.stdout.toString(), {
        timeout: 15_000,
        interval: 500,
      })
      .toBe('back\n');
    expect(h.backend.pool.statusOf(node.name)?.status).toBe('connected');
  });

  it('survives hostile output: a 50 MB line, terminal escapes, invalid UTF-8', async () => {
    const node = bed.nodes[14]!;
    await addTrusted(h, bed, [node]);
    const huge = await execOnNode(h.backend.pool, node.name, "head -c 50000000 /dev/zero | tr '\\0' x", { timeoutMs: 60_000 });
    expect(huge.exitCode).toBe(0);
    expect(huge.stdout.length).toBe(1024 * 1024);
    expect(huge.droppedBytes.stdout).toBe(50_000_000 - 1024 * 1024);
    const summary = await h.backend.runner.run({
      selection: { kind: 'nodes', nodes: [node.name] },
      command: "printf '\\033[2J\\033]0;pwned\\007\\033[31mred\\033[0m \\377\\376 ok\\n'; printf 'y%.0s' $(seq 1 9000)",
      confirmed: true,
      concurrency: 1,
      timeoutS: 30,
    });
    const out = summary.results[0]!.stdout;
    expect(out).not.toMatch(/\u001b/);
    expect(out).toContain('red \ufffd\ufffd ok');
    expect(out).not.toContain('pwned');
    expect(out).toMatch(/y{4000}… \[5,000 more characters\]/);
  }, 90_000);
});
