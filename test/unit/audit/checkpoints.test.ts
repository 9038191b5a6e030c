import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import {
  createKeyFile,
  readKeyFile,
  signCheckpoint,
  startCheckpointing,
  verifierKey,
  verifyCheckpoints,
} from '../../../electron/services/audit/checkpoints.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const capture = () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const io: CliOutput = { json: false, print: (l) => lines.push(l), error: (l) => errors.push(l) };
  return { io, lines, errors };
};

/** `n` audited settings changes, each two records (intent and outcome). */
async function changes(b: Backend, n: number, who: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await b.router.invoke('settings.set', { operatorName: `${who} ${i}` }, { transport: 'cli', clientId: 't' });
    if (!r.ok) throw new Error(r.error.message);
  }
}

describe('signed checkpoints of the audit log', () => {
  it('verify the log that produced them, and fail a log rewritten with a correct chain, a truncated one, another key or an edited note', async () => {
    const tmp = makeTempDir('edgeward-ckpt-');
    try {
      const keyFile = path.join(tmp.dir, 'ckpt.key');
      const key = createKeyFile(keyFile, 'edgeward-test');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      const a = await createBackend({ dataDir: path.join(tmp.dir, 'a'), transport: 'cli' });
      await changes(a, 5, 'night');
      const first = signCheckpoint(readKeyFile(keyFile), 'edgeward/test/audit', a.audit.head());
      await changes(a, 5, 'night');
      const second = signCheckpoint(key, 'edgeward/test/audit', a.audit.head());
      const notes = `${first}\n${second}\n`;
      const dirA = a.audit.log.dir;
      const r = await verifyCheckpoints(dirA, notes, verifierKey(key));
      expect(r.checkpoints.map((c) => [c.seq, c.ok])).toEqual([
        [10, true],
        [20, true],
      ]);
      expect(r.intact).toBe(true);
      await a.close();

      // Someone rewrites the whole log with other content: its own chain is correct…
      const b = await createBackend({ dataDir: path.join(tmp.dir, 'b'), transport: 'cli' });
      await changes(b, 12, 'intruder');
      await b.close();
      for (const f of fs.readdirSync(dirA)) if (/\.jsonl$/.test(f)) fs.rmSync(path.join(dirA, f));
      for (const f of fs.readdirSync(path.join(tmp.dir, 'b', 'audit')))
        if (/\.jsonl$/.test(f)) fs.copyFileSync(path.join(tmp.dir, 'b', 'audit', f), path.join(dirA, f));
      const rewritten = await verifyCheckpoints(dirA, notes, verifierKey(key));
      expect(rewritten.chain).toMatch(/^intact, head seq 24$/);
      expect(rewritten.intact).toBe(false);
      expect(rewritten.checkpoints[0]!.problem).toMatch(/^record 10 has hash .*: the log was rewritten since$/);

      // … or is cut short: the later checkpoint names a record that is gone.
      const c = await createBackend({ dataDir: path.join(tmp.dir, 'c'), transport: 'cli' });
      await changes(c, 6, 'night');
      const cut = await verifyCheckpoints(c.audit.log.dir, notes, verifierKey(key));
      expect(cut.checkpoints[1]!.problem).toBe('the log has no record 20 any more: it was truncated or rewritten');
      await c.close();

      // Another key, or an edited checkpoint, proves nothing.
      const other = createKeyFile(path.join(tmp.dir, 'other.key'), 'someone-else');
      expect((await verifyCheckpoints(dirA, notes, verifierKey(other))).checkpoints[0]!.problem).toBe(
        'no signature by someone-else on this checkpoint',
      );
      const edited = first.replace('\n10\n', '\n12\n');
      expect((await verifyCheckpoints(dirA, edited, verifierKey(key))).checkpoints[0]!.problem).toMatch(/^the signature does not verify/);
    } finally {
      tmp.cleanup();
    }
  });

  it('are made and checked from the CLI; a key readable by others is refused', async () => {
    const tmp = makeTempDir('edgeward-ckpt-cli-');
    try {
      const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
      const keyFile = path.join(tmp.dir, 'k.key');
      const made = capture();
      expect(await runCommand(b, ['audit', 'checkpoint-key', keyFile], made.io, { name: 'hub-1' })).toBe(0);
      const vkey = made.lines.at(-1)!;
      expect(vkey).toMatch(/^hub-1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      await changes(b, 3, 'op');
      expect(await runCommand(b, ['audit', 'checkpoint'], capture().io, { key: keyFile })).toBe(0);
      const ok = capture();
      const file = path.join(b.audit.log.dir, 'checkpoints.txt');
      expect(await runCommand(b, ['audit', 'verify'], ok.io, { checkpoints: file, key: vkey })).toBe(0);
      expect(ok.lines.at(-1)).toBe('intact: the log is the one that produced every checkpoint');
      fs.chmodSync(keyFile, 0o644);
      const open = capture();
      expect(await runCommand(b, ['audit', 'checkpoint'], open.io, { key: keyFile })).toBe(2);
      expect(open.errors.join('\n')).toMatch(/can be read by others/);
      await b.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('are signed by a running collector every N records, and once more when it stops', async () => {
    const tmp = makeTempDir('edgeward-ckpt-auto-');
    try {
      const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
      const key = createKeyFile(path.join(tmp.dir, 'k.key'), 'hub-2');
      const file = path.join(tmp.dir, 'notes.txt');
      const stop = startCheckpointing(b.audit.log, key, 'edgeward/test/audit', file, { every: 6, everyMs: 3_600_000 });
      await changes(b, 7, 'op');
      stop();
      const r = await verifyCheckpoints(b.audit.log.dir, fs.readFileSync(file, 'utf8'), verifierKey(key));
      expect(r.checkpoints.map((c) => c.seq)).toEqual([6, 12, 14]);
      expect(r.intact).toBe(true);
      await b.close();
    } finally {
      tmp.cleanup();
    }
  });
});
