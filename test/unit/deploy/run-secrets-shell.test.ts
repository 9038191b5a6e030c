import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { runCommand } from '../../../electron/services/runtime/runtime-commands.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { rolloutFixture } from '../../helpers/rollout-fixture.js';
import { fixtureIntent } from '../../helpers/intent.js';
import { openDeployStore, writeRawRollout } from '../../helpers/deploy-store.js';

const SECRET = 'pacs-Tr0ub4dor-and-3';
const tmp = makeTempDir('edgeward-runsecret-');
afterAll(() => tmp.cleanup());

const spec = DeploymentSpec.parse({
  name: 'cxr',
  image: 'localhost/x:1',
  env: { PACS_PASSWORD: { secret: 'pacs-pw' }, MODE: 'triage' },
  ports: [{ container: 8000, host: 18000 }],
  targets: { nodes: ['n1'] },
});

const planFor = (runtime: 'docker' | 'podman') => ({
  runtime,
  spec,
  revision: 1,
  specHash: '',
  image: 'localhost/x:1',
  gpuIndices: [],
  secrets: { PACS_PASSWORD: SECRET },
});

/**
 * The step's shell runs for real (sh, as on a node) with a `docker` on PATH that records its env
 * file and then hangs, like a runtime stuck on a slow disk. The step is then ended the three ways a
 * real one ends early, and nothing holding the secret may be left on disk.
 */
async function runAndEnd(how: 'SIGKILL' | 'SIGHUP' | 'SIGTERM'): Promise<{ seen: string; leftovers: string[] }> {
  const dir = fs.mkdtempSync(path.join(tmp.dir, `${how}-`));
  const bin = path.join(dir, 'bin');
  const scratch = path.join(dir, 'tmp');
  fs.mkdirSync(bin);
  fs.mkdirSync(scratch);
  const seenFile = path.join(dir, 'seen');
  fs.writeFileSync(
    path.join(bin, 'docker'),
    `#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = --env-file ]; then cat "$2" > ${seenFile}; fi; shift; done\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  const cmd = runCommand(planFor('docker'));
  const child = spawn('sh', ['-c', cmd.command], {
    detached: true,
    env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: scratch, HOME: dir },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.end(cmd.stdin);
  for (let i = 0; i < 100 && !(fs.existsSync(seenFile) && fs.readFileSync(seenFile, 'utf8')); i++)
    await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, how);
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  const leftovers: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p !== seenFile && fs.readFileSync(p, 'utf8').includes(SECRET)) leftovers.push(p);
    }
  };
  walk(dir);
  return { seen: fs.existsSync(seenFile) ? fs.readFileSync(seenFile, 'utf8') : '', leftovers };
}

describe('secret env values on the node', () => {
  for (const how of ['SIGKILL', 'SIGHUP', 'SIGTERM'] as const) {
    it(`reach the runtime and leave no file behind when the step is ended by ${how} (cancel, cut link, timeout)`, async () => {
      const r = await runAndEnd(how);
      expect(r.seen).toContain(`PACS_PASSWORD=${SECRET}`);
      expect(r.leftovers).toEqual([]);
    });
  }
  it('never appear on the command line', () => {
    const cmd = runCommand(planFor('podman'));
    expect(cmd.command).not.toContain(SECRET);
    expect(cmd.stdin).toBe(`PACS_PASSWORD=${SECRET}\n`);
  });
});

describe('deployment state read back from disk', () => {
  it('is refused, naming the field, when a value that reaches a node command was changed by hand', () => {
    const store = openDeployStore(tmp.dir);
    // Typed loosely on purpose: the test writes values no schema would accept.
    const rollout = rolloutFixture() as unknown as { nodes: { n1: { runtime: string } }; pinnedImage: string; waves: string[][] };
    store.saveRollout(rolloutFixture(), fixtureIntent());
    expect(store.rollout('cxr')?.nodes.n1?.runtime).toBe('podman');
    const hostile: [string, (r: typeof rollout) => void][] = [
      ['nodes.n1.runtime', (r) => (r.nodes.n1!.runtime = 'docker; reboot #')],
      ['pinnedImage', (r) => (r.pinnedImage = 'x:1 $(reboot)')],
      ['waves.0.0', (r) => (r.waves = [['n1;id']])],
    ];
    for (const [field, edit] of hostile) {
      const bad = structuredClone(rollout);
      edit(bad);
      writeRawRollout(tmp.dir, 'cxr', JSON.stringify(bad));
      expect(() => store.rollout('cxr'), field).toThrow(new RegExp(`not a valid rollout \\(${field.replace(/\./g, '\\.')}`));
    }
    store.saveRevision('cxr', { revision: 1, spec, specHash: '', pinnedImage: 'x@sha256:1 `id`', createdAt: 1 }, fixtureIntent());
    expect(() => store.revisions('cxr')).toThrow(/not a valid revision \(pinnedImage/);
    store.close();
  });
});
