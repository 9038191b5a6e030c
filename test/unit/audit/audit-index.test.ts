import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditIndex, normalizeUntil } from '../../../electron/services/audit/audit-index.js';
import { fileName, listLogFiles } from '../../../electron/services/audit/files.js';
import type { AuditFilter, AuditRecord } from '../../../shared/audit.js';
import { openLog } from '../../helpers/audit.js';
import { busyRecord, synthesizeLog } from '../../helpers/audit-synth.js';
import { tempDirsPerTest } from '../../helpers/temp-dirs.js';

/** Records with every field the view filters on varying, some with errors, reasons and non-ASCII. */
const varied = (seq: number) => ({
  ...busyRecord(seq),
  ...(seq % 11 === 0 ? { error: `Host key of rad-${seq % 200} changed (Ä${seq})` } : {}),
  ...(seq % 17 === 0 ? { reason: `Wartung ${seq % 3} – Ticket` } : {}),
  params: { command: seq % 3 ? 'uptime' : `nvidia-smi -i ${seq % 8}`, note: seq % 29 === 0 ? 'Ünïcode "quoted"' : 'plain' },
});

/** The view's filter, as documented, applied to parsed records: the oracle. */
function oracle(records: AuditRecord[], f: AuditFilter): AuditRecord[] {
  const text = f.text?.toLowerCase();
  return records
    .filter(
      (r) =>
        (!f.since || Date.parse(r.ts) >= Date.parse(f.since)) &&
        (!f.until || Date.parse(r.ts) <= Date.parse(normalizeUntil(f.until))) &&
        (!f.actor || `${r.actor.osUser} ${r.actor.operator}`.toLowerCase().includes(f.actor.toLowerCase())) &&
        (!f.action || r.action === f.action) &&
        (!f.node || r.target.node === f.node) &&
        (!f.outcome || r.outcome === f.outcome) &&
        (!text ||
          [r.action, JSON.stringify(r.target), JSON.stringify(r.params), r.error ?? '', r.reason ?? ''].some((v) =>
            v.toLowerCase().includes(text),
          )),
    )
    .reverse();
}

const readAll = (dir: string) =>
  listLogFiles(dir).flatMap((f) =>
    fs
      .readFileSync(f.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditRecord),
  );

describe('audit index (the Audit view, exports, the forwarder)', () => {
  const tempDir = tempDirsPerTest('edgeward-audit-index-');

  it('answers every filter the way the records themselves do, across rotation files, newest first, page by page', () => {
    const dir = tempDir();
    synthesizeLog(dir, 3000, varied, 64 * 1024);
    expect(listLogFiles(dir).length).toBeGreaterThan(5);
    const records = readAll(dir);
    const index = new AuditIndex(dir);
    const filters: AuditFilter[] = [
      {},
      { node: 'rad-042' },
      { node: 'no-such-node' },
      { action: 'fleet.exec', outcome: 'failed' },
      { actor: 'OPERATOR 7' },
      { since: '2026-01-01T00:20:00Z', until: '2026-01-01T00:40:00.000Z' },
      { until: '2026-01-01' },
      { text: 'site-3' },
      { text: 'nvidia-smi -i 3' },
      { text: 'ünïcode "QUOTED"' },
      { text: 'host key of' },
      { text: 'wartung 2' },
      { text: '(' },
      { text: 'rad-0', outcome: 'failed', actor: 'admin3' },
    ];
    for (const filter of filters) {
      const want = oracle(records, filter);
      const first = index.query(filter, 0, 50);
      expect(first.total, JSON.stringify(filter)).toBe(want.length);
      expect(first.records).toEqual(want.slice(0, 50));
      expect(index.query(filter, 40, 25).records).toEqual(want.slice(40, 65));
    }
    // Exports get the lines byte for byte, oldest first.
    const raw = listLogFiles(dir).flatMap((f) => fs.readFileSync(f.file, 'utf8').split('\n').filter(Boolean));
    expect(index.select({ node: 'rad-007' })).toEqual(raw.filter((_, i) => records[i]!.target.node === 'rad-007'));
    expect(index.head()).toEqual({ seq: 3000, hash: records.at(-1)!.hash });
    expect(index.after(2990, 4).map((x) => x.seq)).toEqual([2991, 2992, 2993, 2994]);
  });

  it('follows records another writer appends, and leaves a half-written line for the next read', async () => {
    const dir = tempDir();
    const index = new AuditIndex(dir);
    const log = await openLog(dir);
    await log.append({ action: 'settings.update', params: { theme: 'dark' }, outcome: 'ok', durationMs: 1 });
    expect(index.query({}, 0, 10).total).toBe(1);
    await log.append({
      action: 'fleet.exec',
      target: { node: 'rad-001' },
      params: { command: 'uptime' },
      outcome: 'failed',
      durationMs: 2,
    });
    expect(index.query({ outcome: 'failed' }, 0, 10).records.map((r) => r.seq)).toEqual([2]);
    await log.close();

    const file = path.join(dir, fileName(1));
    const whole = readAll(dir);
    const half = '{"hash":"' + '0'.repeat(64) + '","action":"fleet.ex';
    fs.appendFileSync(file, half);
    expect(index.query({}, 0, 10).total).toBe(2);
    expect(index.query({}, 0, 10).records).toEqual([...whole].reverse());
  });

  it('names the record and says what to do when a file was changed after it was indexed', () => {
    const dir = tempDir();
    synthesizeLog(dir, 20, varied);
    const index = new AuditIndex(dir);
    expect(index.query({}, 0, 5).total).toBe(20);
    const file = path.join(dir, fileName(1));
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    fs.writeFileSync(file, [...lines.slice(0, 5), ...lines.slice(6)].join('\n'));
    expect(() => index.query({}, 0, 20)).toThrow(/Audit record seq \d+ no longer reads back from audit-000001\.jsonl.*audit verify/);
  });

  it('says which date it could not read in a filter', () => {
    const dir = tempDir();
    synthesizeLog(dir, 3, varied);
    expect(() => new AuditIndex(dir).query({ since: 'last tuesday' }, 0, 5)).toThrow(/"since" is not a date or time: "last tuesday"/);
  });
});
