import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import type { Rollout } from '../../../shared/deploy/rollout.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { rolloutFixture } from '../../helpers/rollout-fixture.js';
import { fixtureIntent } from '../../helpers/intent.js';
import { openDeployStore, readRawRollout } from '../../helpers/deploy-store.js';

const rollout = (owner: Rollout['owner']): Rollout =>
  rolloutFixture({
    status: 'running',
    message: 'wave 1',
    startedAt: Date.now() - 5000,
    updatedAt: Date.now(),
    nodes: { n1: { node: 'n1', wave: 0, state: 'soak', detail: '', progress: null, updatedAt: Date.now(), gpuIndices: [] } },
    ...(owner ? { owner } : {}),
  });

/** A rollout in the store, as a process that ran it left it. */
function seedRollout(dataDir: string, r: Rollout): void {
  const store = openDeployStore(dataDir);
  store.saveRollout(r, fixtureIntent());
  store.close();
}

describe('a rollout another process runs', () => {
  const tmp = makeTempDir('edgeward-lease-');
  afterAll(() => tmp.cleanup());

  it('is left running by a second process (a CLI starting up), which refuses to resume or halt it and says who holds it', async () => {
    const app = spawn('sleep', ['60']); // stands for the app process holding the lease
    try {
      seedRollout(tmp.dir, rollout({ pid: app.pid!, host: os.hostname(), renewedAt: Date.now() }));
      const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
      try {
        expect(cli.deploy.store.rollout('cxr')?.status).toBe('running');
        for (const act of [() => cli.deploy.resume('cxr'), () => cli.deploy.halt('cxr'), () => cli.deploy.rollback('cxr')])
          await expect(act()).rejects.toMatchObject({
            appError: {
              code: 'CONFLICT',
              message: expect.stringContaining(`another Edgeward process: pid ${app.pid} on ${os.hostname()}`),
            },
          });
      } finally {
        await cli.close();
      }
    } finally {
      app.kill('SIGKILL');
      await new Promise((r) => app.once('exit', r));
    }
    // The holder is gone: the next start shows the rollout as interrupted, to resume or halt.
    const after = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      expect(after.deploy.store.rollout('cxr')).toMatchObject({ status: 'interrupted' });
      expect(after.deploy.store.rollout('cxr')?.owner).toBeUndefined();
    } finally {
      await after.close();
    }
  });

  it('whose lease was not renewed for a minute is taken to be stopped, even if its pid is alive', async () => {
    const dir = makeTempDir('edgeward-lease-stale-');
    try {
      seedRollout(dir.dir, rollout({ pid: process.ppid, host: os.hostname(), renewedAt: Date.now() - 120_000 }));
      const b = await createBackend({ dataDir: dir.dir, transport: 'cli' });
      expect(b.deploy.store.rollout('cxr')?.status).toBe('interrupted');
      await b.close();
    } finally {
      dir.cleanup();
    }
  });

  it('a deployment damaged on disk (here in the files of an earlier version, imported on first start) is listed with the reason and left alone', async () => {
    const dir = makeTempDir('edgeward-damaged-');
    try {
      fs.mkdirSync(path.join(dir.dir, 'deployments', 'cxr'), { recursive: true });
      fs.writeFileSync(path.join(dir.dir, 'deployments', 'cxr', 'rollout.json'), '{"status": "running", "nodes": 7}');
      const b = await createBackend({ dataDir: dir.dir, transport: 'cli' });
      try {
        expect(b.deploy.list()).toEqual([
          expect.objectContaining({
            name: 'cxr',
            damaged: expect.stringMatching(/the rollout of cxr in .*state\.db is not a valid rollout/),
          }),
        ]);
        expect(readRawRollout(dir.dir, 'cxr')).toBe('{"status": "running", "nodes": 7}');
        expect(fs.existsSync(path.join(dir.dir, 'deployments.imported', 'cxr', 'rollout.json'))).toBe(true);
      } finally {
        await b.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
