import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/app/backend.js';
import { verifyLog } from '../../electron/services/audit/verify.js';
import { run } from '../testbed/sh.js';
import { openLog } from '../helpers/audit.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fillDisk } from '../helpers/disk.js';

describe('audit log on a full disk (a tiny tmpfs)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('edgeward-full-');
    // Room for the state store's journal too: it shares this volume here.
    run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', tmp.dir]);
  });
  afterEach(() => {
    run('umount', [tmp.dir]);
    tmp.cleanup();
  });

  it('refuses the action, says why, and changes nothing; works again once there is room', async () => {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    const ctx = { transport: 'cli' as const, clientId: 't' };
    expect((await backend.router.invoke('settings.set', { theme: 'dark' }, ctx)).ok).toBe(true);
    const filler = fillDisk(tmp.dir);

    const refused = await backend.router.invoke('settings.set', { theme: 'light' }, ctx);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('UNAVAILABLE');
      expect(refused.error.message).toMatch(/audit log cannot be written .*free at .*Nothing was done/);
      expect(refused.error.action).toMatch(/Free space/);
    }
    expect(backend.settings.get().theme).toBe('dark');

    fs.rmSync(filler);
    const again = await backend.router.invoke('settings.set', { theme: 'light' }, ctx);
    expect(again.ok).toBe(true);
    // Two actions, each an intent and its outcome.
    expect(verifyLog(path.join(tmp.dir, 'audit'))).toMatchObject({ intact: true, records: 4 });
    await backend.close();
  });

  it('rejects a record the disk cannot take and leaves no partial line behind', async () => {
    const log = await openLog(path.join(tmp.dir, 'audit'), { minFreeBytes: 0 });
    await log.append({ action: 'settings.update', params: { theme: 'dark' }, outcome: 'ok', durationMs: 1 });
    fillDisk(tmp.dir);
    // Larger than a page, so the slack at the end of the log's last page cannot take it.
    const big = {
      notes: 'n'.repeat(1900),
      host: 'h'.repeat(1900),
      name: 'a'.repeat(1900),
      source: 's'.repeat(1900),
      user: 'u'.repeat(1900),
    };
    await expect(log.append({ action: 'node.add', params: big, outcome: 'ok', durationMs: 1 })).rejects.toMatchObject({
      appError: { code: 'UNAVAILABLE', message: expect.stringContaining('the disk is full') },
    });
    const text = fs.readFileSync(path.join(tmp.dir, 'audit', 'audit-000001.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(verifyLog(path.join(tmp.dir, 'audit'))).toMatchObject({ intact: true, records: 1 });
    await log.close();
  });

  it('an outcome the full disk cannot take is said, naming its open intent, and written first once there is room', async () => {
    const dir = path.join(tmp.dir, 'audit');
    const log = await openLog(dir, { minFreeBytes: 0 });
    // Larger than a page, so the slack at the end of the log's last page cannot take the outcome.
    const big = { notes: 'n'.repeat(1900), host: 'h'.repeat(1900), name: 'a'.repeat(1900), source: 's'.repeat(1900) };
    const open = await log.begin({ action: 'node.add', target: { node: 'rad-07' }, params: big });
    const filler = fillDisk(tmp.dir);
    await expect(open.finish({ outcome: 'ok' })).rejects.toMatchObject({
      appError: {
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/node\.add was carried out, but its outcome could not be recorded: .*intent \(#1\) stays open/),
      },
    });
    fs.rmSync(filler);
    await log.perform({ action: 'settings.update', params: { theme: 'dark' } }, () => undefined);
    const records = fs
      .readFileSync(path.join(dir, 'audit-000001.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; action: string; intent?: number });
    expect(records.map((r) => `${r.action} ${r.outcome} ${r.intent ?? ''}`.trim())).toEqual([
      'node.add intent',
      'node.add ok 1',
      'settings.update intent',
      'settings.update ok 3',
    ]);
    expect(verifyLog(dir)).toMatchObject({ intact: true, records: 4 });
    await log.close();
  });
});
