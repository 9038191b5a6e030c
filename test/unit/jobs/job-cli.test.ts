import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const JOB = 'kind: job\nname: deid\nimage: x/deid:1\ntargets: {tags: [nlp]}\njob: {shards: 3}\n';

describe('batch jobs from the CLI, and after a console dies', () => {
  const tmp = makeTempDir('edgeward-jobcli-');
  afterAll(() => tmp.cleanup());
  const data = path.join(tmp.dir, 'data');

  it('applies a job (audited), names a bad line, lists it, and refuses a run with no node to run on', async () => {
    fs.mkdirSync(tmp.dir, { recursive: true });
    fs.writeFileSync(path.join(tmp.dir, 'job.yaml'), JOB);
    fs.writeFileSync(path.join(tmp.dir, 'bad.yaml'), JOB.replace('shards: 3', 'shards: many'));
    const applied = await runCli(data, ['jobs', 'apply', path.join(tmp.dir, 'job.yaml')]);
    expect(applied.stdout.trim(), applied.stderr).toBe('deid: 3 shard(s) on no node yet');
    expect(applied.status).toBe(0);
    const bad = await runCli(data, ['jobs', 'apply', path.join(tmp.dir, 'bad.yaml')]);
    expect(bad.status).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/line 5: job\.shards/);
    const ls = await runCli(data, ['jobs', 'ls', '--json']);
    expect(JSON.parse(ls.stdout)).toMatchObject({ jobs: [{ name: 'deid', image: 'x/deid:1', shards: 3 }], runs: [] });
    const run = await runCli(data, ['jobs', 'run', 'deid']);
    expect(run.status).toBe(2);
    expect(run.stdout + run.stderr).toContain('Job deid targets no enabled node');
    const b = await createBackend({ dataDir: data, transport: 'cli' });
    try {
      const applies = (b.audit.index.query({ action: 'job.apply' }, 0, 10).records as AuditRecord[]).filter((r) => r.outcome === 'ok');
      expect(applies).toHaveLength(1);
      expect(applies[0]!.params).toMatchObject({ job: 'deid', shards: 3, nodes: [] });
    } finally {
      await b.close();
    }
  });

  it('shows a run whose console was killed -9 as interrupted, and closes its audit intent as unknown with what to do', async () => {
    // A console that began a run (intent recorded, run saved as running) and was killed mid-run.
    const root = path.resolve(import.meta.dirname, '..', '..', '..');
    const script = `
      import { createBackend } from ${JSON.stringify(path.join(root, 'electron/app/backend.ts'))};
      import { JobStore } from ${JSON.stringify(path.join(root, 'electron/services/jobs/job-store.ts'))};
      import { stateDbFile } from ${JSON.stringify(path.join(root, 'electron/services/store/state-db.ts'))};
      import os from 'node:os';
      const b = await createBackend({ dataDir: ${JSON.stringify(data)}, transport: 'cli' });
      await b.audit.log.begin({ action: 'job.run', params: { job: 'deid', run: 'deid-killed-1' } });
      const store = JobStore.open(stateDbFile(${JSON.stringify(data)}));
      store.saveRun({ id: 'deid-killed-1', job: 'deid', state: 'running', by: 'x', trigger: 'manual', startedAt: Date.now(), deadlineAt: Date.now() + 1e6,
        shards: [{ index: 0, state: 'running', attempt: 0, node: 'n1' }], retries: 0, pid: process.pid, host: os.hostname() });
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const after = await createBackend({ dataDir: data, transport: 'cli' });
    try {
      expect(after.jobs.current('deid-killed-1')?.state).toBe('interrupted');
      const unknown = after.unknownOutcomes.find((r) => r.action === 'job.run');
      expect(unknown?.error).toContain('edgeward jobs cancel');
    } finally {
      await after.close();
    }
  }, 60_000);
});
