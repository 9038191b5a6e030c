import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from '../../../electron/services/audit/canonical.js';
import { verifyLog, type Anchor } from '../../../electron/services/audit/verify.js';
import { verifyLogParallel } from '../../../electron/services/audit/verify-parallel.js';
import type { VerifyResult } from '../../../shared/audit.js';
import { appendMany, openLog, rewriteFile } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** Re-signs a record after editing it: what a careful forger would do. */
function forge(line: string, edit: (r: Record<string, unknown>) => void): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  delete r.hash;
  edit(r);
  return encodeRecord(r).line.trimEnd();
}

// The parallel verifier cuts the log into pieces of a record or two, so that each change lands at a
// boundary between workers as well as inside one.
const verifiers: [string, (dir: string, anchor?: Anchor) => Promise<VerifyResult>][] = [
  ['serial', async (dir, anchor) => verifyLog(dir, anchor)],
  [
    'worker threads',
    async (dir, anchor) => (await verifyLogParallel(dir, anchor, { segmentBytes: 600, minParallelBytes: 0, workers: 2 })).result,
  ],
];

describe.each(verifiers)('audit verify (%s) detects every kind of tampering at the right place', (_name, verify) => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(async () => {
    tmp = makeTempDir();
    const log = await openLog(tmp.dir);
    await appendMany(log, 10);
    file = path.join(tmp.dir, 'audit-000001.jsonl');
  });
  afterEach(() => tmp.cleanup());

  it('an edited record (content changed, hash kept)', async () => {
    rewriteFile(file, (l) => l.map((x, i) => (i === 4 ? x.replace('"op-4"', '"op-X"') : x)));
    expect(await verify(tmp.dir)).toMatchObject({ intact: false, kind: 'edited', seq: 5, line: 5, file: 'audit-000001.jsonl' });
  });

  it('an edited record that was re-hashed (caught by the next record)', async () => {
    rewriteFile(file, (l) =>
      l.map((x, i) => (i === 4 ? forge(x, (r) => ((r.params as Record<string, unknown>).operatorName = 'mallory')) : x)),
    );
    const r = await verify(tmp.dir);
    expect(r).toMatchObject({ intact: false, kind: 'edited', seq: 5, line: 6 });
    expect(!r.intact && r.message).toMatch(/seq 5 was altered/);
  });

  it('a deleted record', async () => {
    rewriteFile(file, (l) => l.filter((_, i) => i !== 6));
    expect(await verify(tmp.dir)).toMatchObject({ intact: false, kind: 'deleted', seq: 7, line: 7 });
  });

  it('an inserted record (a copy of an earlier one)', async () => {
    rewriteFile(file, (l) => [...l.slice(0, 8), l[2]!, ...l.slice(8)]);
    expect(await verify(tmp.dir)).toMatchObject({ intact: false, kind: 'inserted', seq: 3, line: 9 });
  });

  it('two records swapped', async () => {
    rewriteFile(file, (l) => [...l.slice(0, 3), l[4]!, l[3]!, ...l.slice(5)]);
    expect(await verify(tmp.dir)).toMatchObject({ intact: false, kind: 'reordered', seq: 4, line: 4 });
  });

  it('a line that is not a record', async () => {
    rewriteFile(file, (l) => [...l.slice(0, 2), 'hello', ...l.slice(2)]);
    expect(await verify(tmp.dir)).toMatchObject({ intact: false, kind: 'malformed', line: 3, seq: 3 });
  });

  it('a rotation file removed from the middle, or from the start', async () => {
    const t = makeTempDir();
    const log = await openLog(t.dir, { maxFileBytes: 2048 });
    await appendMany(log, 40);
    const files = fs
      .readdirSync(t.dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    fs.rmSync(path.join(t.dir, files[1]!));
    expect(await verify(t.dir)).toMatchObject({ intact: false, kind: 'file-missing', file: files[2] });
    fs.rmSync(path.join(t.dir, files[0]!));
    expect(await verify(t.dir)).toMatchObject({ intact: false, kind: 'file-missing', seq: 1 });
    t.cleanup();
  });

  it('truncation after an anchored head (the tail cut off and nothing else touched)', async () => {
    const before = await verify(tmp.dir);
    if (!before.intact) throw new Error('setup');
    expect(await verify(tmp.dir, before.head)).toMatchObject({ intact: true, anchor: before.head });
    rewriteFile(file, (l) => l.slice(0, 7));
    expect(await verify(tmp.dir)).toMatchObject({ intact: true, records: 7 });
    expect(await verify(tmp.dir, before.head)).toMatchObject({ intact: false, kind: 'anchor-missing', seq: 10 });
  });

  it('a whole chain re-signed from record 3 on no longer matches its anchor', async () => {
    const anchor = await verify(tmp.dir);
    if (!anchor.intact) throw new Error('setup');
    let prev = '';
    rewriteFile(file, (lines) =>
      lines.map((line, i) => {
        if (i < 2) {
          prev = JSON.parse(line).hash;
          return line;
        }
        const out = forge(line, (r) => {
          r.prev = prev;
          if (i === 2) r.outcome = 'failed';
        });
        prev = JSON.parse(out).hash;
        return out;
      }),
    );
    expect(await verify(tmp.dir)).toMatchObject({ intact: true });
    expect(await verify(tmp.dir, anchor.head)).toMatchObject({ intact: false, kind: 'anchor-missing' });
  });
});
