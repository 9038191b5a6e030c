import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLog } from '../../../electron/services/audit/verify.js';
import { logLines, openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('audit log under kill -9', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('verifies up to the last complete record after the writer is killed mid-burst, and resumes the chain', async () => {
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve(import.meta.dirname, '..', '..', 'helpers', 'audit-writer.ts'), tmp.dir],
      { stdio: 'ignore' },
    );
    const file = path.join(tmp.dir, 'audit-000001.jsonl');
    await expect.poll(() => (fs.existsSync(file) ? fs.statSync(file).size : 0), { timeout: 20_000, interval: 20 }).toBeGreaterThan(400_000);
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));

    const before = verifyLog(tmp.dir);
    expect(before.intact).toBe(true);
    expect(before.records).toBeGreaterThan(500);
    const tornBefore = fs.readFileSync(file).at(-1) !== 0x0a;

    const log = await openLog(tmp.dir);
    await log.append({ action: 'settings.update', params: { theme: 'dark' }, outcome: 'ok', durationMs: 1 });
    const after = verifyLog(tmp.dir);
    expect(after).toMatchObject({ intact: true, records: before.records + (tornBefore ? 2 : 1) });
    const actions = logLines(tmp.dir)
      .flatMap((f) => f.lines)
      .slice(-2)
      .map((l) => JSON.parse(l).action);
    expect(actions.at(-1)).toBe('settings.update');
    if (tornBefore) expect(actions[0]).toBe('audit.torn_tail_recovered');
  }, 30_000);
});
