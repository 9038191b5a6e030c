import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/audit.js';
import { closeAbandonedIntents } from '../../../electron/services/audit/open-intents.js';
import { verifyLog } from '../../../electron/services/audit/verify.js';
import { logLines, openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const holder = path.resolve(import.meta.dirname, '..', '..', 'helpers', 'intent-holder.ts');

/** Starts a process that leaves `count` intents, half of them open; resolves once they are on disk. */
async function startHolder(dir: string, node: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir, node, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return child;
}

const kill9 = async (child: ReturnType<typeof spawn>) => {
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
};

const records = (dir: string): AuditRecord[] =>
  logLines(dir)
    .flatMap((f) => f.lines)
    .map((l) => JSON.parse(l) as AuditRecord);

describe('intents without an outcome', () => {
  const tmp = makeTempDir('edgeward-intents-');
  afterAll(() => tmp.cleanup());

  it('closes the intents of a killed process as "outcome unknown", once, and leaves a live process\'s open', async () => {
    const dir = path.join(tmp.dir, 'a');
    const dead = await startHolder(dir, 'rad-01', 6);
    const alive = await startHolder(dir, 'rad-02', 2);
    await kill9(dead);
    try {
      const log = await openLog(dir);
      const closed = await closeAbandonedIntents(log);
      expect(closed.map((r) => r.target.node)).toEqual(['rad-01', 'rad-01', 'rad-01']);
      for (const r of closed) {
        expect(r).toMatchObject({ action: 'node.edit', outcome: 'unknown', actor: { operator: 'On-call' } });
        expect(r.error).toMatch(/stopped before it recorded the outcome of this node\.edit.*check rad-01 in the fleet list/);
      }
      // Every intent of the dead process has exactly one outcome; the live one's stays open.
      const all = records(dir);
      const outcomes = new Map<number, number>();
      for (const r of all) if (r.intent) outcomes.set(r.intent, (outcomes.get(r.intent) ?? 0) + 1);
      for (const r of all.filter((x) => x.outcome === 'intent')) {
        expect(outcomes.get(r.seq) ?? 0).toBe(
          r.target.node === 'rad-01' ? 1 : r.params.changes && (r.params.changes as { notes: string }).notes === 'edit 1' ? 1 : 0,
        );
      }
      // A second start finds nothing more to close.
      expect(await closeAbandonedIntents(await openLog(dir))).toEqual([]);
      expect(verifyLog(dir).intact).toBe(true);
    } finally {
      await kill9(alive);
    }
    // Now the other process is gone too: its open intent is closed on the next start, from the checkpoint.
    const closed = await closeAbandonedIntents(await openLog(dir));
    expect(closed.map((r) => r.target.node)).toEqual(['rad-02']);
  }, 60_000);

  it('rescans the whole log when the checkpoint is damaged, across rotated files, without closing anything twice', async () => {
    const dir = path.join(tmp.dir, 'b');
    const writer = await openLog(dir, { maxFileBytes: 2048 });
    // Filler across several files, so the scan has to cross rotations.
    for (let i = 0; i < 40; i++)
      await writer.append({ action: 'fleet.exec', params: { command: `echo ${i} é` }, outcome: 'ok', durationMs: 1 });
    await writer.close();
    const dead = await startHolder(dir, 'rad-03', 3);
    await kill9(dead);
    expect(logLines(dir).length).toBeGreaterThan(3);
    const first = await closeAbandonedIntents(await openLog(dir));
    expect(first).toHaveLength(2);
    fs.writeFileSync(path.join(dir, 'recovery', 'open-intents.json'), '{"version":1,"file":');
    expect(await closeAbandonedIntents(await openLog(dir))).toEqual([]);
    // A checkpoint that points past the end of its file (a restored log) is not trusted either.
    fs.writeFileSync(path.join(dir, 'recovery', 'open-intents.json'), JSON.stringify({ version: 1, file: 1, offset: 10 ** 9, open: [] }));
    expect(await closeAbandonedIntents(await openLog(dir))).toEqual([]);
    expect(verifyLog(dir).intact).toBe(true);
  }, 60_000);
});
