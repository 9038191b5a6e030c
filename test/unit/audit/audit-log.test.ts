import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyLog } from '../../../electron/services/audit/verify.js';
import { AppErrorException } from '../../../shared/errors.js';
import { GENESIS_HASH } from '../../../shared/audit.js';
import { appendMany, logLines, openFdsUnder, openLog } from '../../helpers/audit.js';
import { createBackend } from '../../../electron/app/backend.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('audit log', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('chains records: seq from 1, each holding the previous hash, verifiable', async () => {
    const log = await openLog(tmp.dir);
    const a = await log.append({ action: 'settings.update', params: { theme: 'dark' }, outcome: 'ok', durationMs: 3 });
    const b = await log.append({
      action: 'node.add',
      target: { site: 'north', node: 'rad-01' },
      params: { host: '10.0.0.5' },
      outcome: 'ok',
      durationMs: 5,
    });
    expect(a).toMatchObject({
      seq: 1,
      prev: GENESIS_HASH,
      actor: { osUser: 'tester', operator: 'Test Operator' },
      action: 'settings.update',
    });
    expect(b).toMatchObject({ seq: 2, prev: a.hash, target: { site: 'north', node: 'rad-01' } });
    expect(a.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(verifyLog(log.dir)).toEqual({ intact: true, records: 2, files: 1, head: { seq: 2, hash: b.hash } });
    const onDisk = fs.readFileSync(path.join(log.dir, 'audit-000001.jsonl'), 'utf8');
    expect(onDisk.split('\n')).toHaveLength(3);
    expect(fs.statSync(path.join(log.dir, 'audit-000001.jsonl')).mode & 0o077).toBe(0);
  });

  it('group-commits concurrent appends into one contiguous chain', async () => {
    const log = await openLog(tmp.dir);
    await appendMany(log, 500);
    const result = verifyLog(log.dir);
    expect(result).toMatchObject({ intact: true, records: 500 });
    expect(log.head().seq).toBe(500);
  });

  it('rotates by size and continues the chain across files and restarts', async () => {
    let log = await openLog(tmp.dir, { maxFileBytes: 4096 });
    await appendMany(log, 60);
    log = await openLog(tmp.dir, { maxFileBytes: 4096 });
    await appendMany(log, 60, 60);
    const files = logLines(log.dir);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(fs.statSync(f.file).size).toBeLessThanOrEqual(4096);
    expect(verifyLog(log.dir)).toMatchObject({ intact: true, records: 120, files: files.length, head: { seq: 120 } });
  });

  it('serializes two writers on the same directory (the app and the CLI)', async () => {
    const app = await openLog(tmp.dir);
    const cli = await openLog(tmp.dir);
    await Promise.all([appendMany(app, 200), appendMany(cli, 200), appendMany(app, 50)]);
    expect(verifyLog(tmp.dir)).toMatchObject({ intact: true, records: 450 });
  });

  it('records a failed action with its error and rethrows it', async () => {
    const log = await openLog(tmp.dir);
    await expect(
      log.perform({ action: 'fleet.exec', target: { node: 'rad-01' }, params: { command: 'uptime' } }, () => {
        throw new Error('connection refused');
      }),
    ).rejects.toThrow('connection refused');
    const [intent, outcome] = logLines(tmp.dir)[0]!.lines.map((l) => JSON.parse(l));
    expect(intent).toMatchObject({
      seq: 1,
      action: 'fleet.exec',
      outcome: 'intent',
      params: { command: 'uptime' },
      proc: { pid: process.pid },
    });
    expect(outcome).toMatchObject({
      action: 'fleet.exec',
      outcome: 'failed',
      error: 'connection refused',
      params: { command: 'uptime' },
      intent: 1,
    });
  });

  it('refuses an action up front when the log could not be written, and does nothing', async () => {
    const log = await openLog(tmp.dir, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    let ran = false;
    const attempt = log.perform({ action: 'node.remove', target: { node: 'rad-01' } }, () => {
      ran = true;
    });
    await expect(attempt).rejects.toBeInstanceOf(AppErrorException);
    await expect(attempt).rejects.toMatchObject({
      appError: { code: 'UNAVAILABLE', message: expect.stringMatching(/audit log cannot be written.*Nothing was done/) },
    });
    expect(ran).toBe(false);
    expect(logLines(tmp.dir)).toEqual([]);
  });

  it('keeps a torn tail aside on start, cuts it off, and records that it did', async () => {
    const log = await openLog(tmp.dir);
    await appendMany(log, 5);
    const file = path.join(log.dir, 'audit-000001.jsonl');
    fs.appendFileSync(file, '{"hash":"abc","action":"node.ad');
    const reopened = await openLog(tmp.dir);
    const kept = fs.readdirSync(log.dir).find((f) => f.includes('.torn-'));
    expect(kept).toBeDefined();
    expect(fs.readFileSync(path.join(log.dir, kept!), 'utf8')).toBe('{"hash":"abc","action":"node.ad');
    const last = JSON.parse(logLines(tmp.dir)[0]!.lines.at(-1)!);
    expect(last).toMatchObject({
      seq: 6,
      action: 'audit.torn_tail_recovered',
      params: { file: 'audit-000001.jsonl', bytes: 31, keptAs: kept },
    });
    expect(reopened.head().seq).toBe(6);
    expect(verifyLog(tmp.dir)).toMatchObject({ intact: true, records: 6 });
  });

  it('holds no file open after close, across rotations and a backend start and stop', async () => {
    const log = await openLog(tmp.dir, { maxFileBytes: 2048 });
    await appendMany(log, 60);
    expect(openFdsUnder(tmp.dir).length).toBeGreaterThan(0);
    await log.close();
    expect(openFdsUnder(tmp.dir)).toEqual([]);
    const data = path.join(tmp.dir, 'data');
    const backend = await createBackend({ dataDir: data, transport: 'cli' });
    await backend.router.invoke('settings.set', { theme: 'dark' }, { transport: 'cli', clientId: 't' });
    await backend.close();
    expect(openFdsUnder(data)).toEqual([]);
  });
});
