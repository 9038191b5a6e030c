import fs from 'node:fs';
import path from 'node:path';
import type { AuditFilter, AuditRecord } from '../../../shared/audit.js';
import { Column, Dictionary } from './columns.js';
import { fileName, listLogFiles } from './files.js';

export function normalizeUntil(until: string): string {
  // A bare date means the whole of that day.
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}T23:59:59.999Z` : until;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function instant(name: 'since' | 'until', value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new Error(
      `The audit filter's "${name}" is not a date or time: ${JSON.stringify(value)} (use e.g. 2026-03-01 or 2026-03-01T08:00:00Z).`,
    );
  return ms;
}

/**
 * The audit records for the Audit view, exports and the forwarder, read once and then followed: lines
 * appended by this process or another (the CLI) are picked up by reading on from the last offset.
 *
 * A million records must not mean a million lines in memory: each record is kept as a row of numbers
 * (its time, where its line is on disk, and dictionary ids for the fields the view filters on). A
 * filter compares numbers, and free text is tested once per distinct value, not once per record. Only
 * the rows a caller asks for are read back from the files.
 */
export class AuditIndex {
  private position = { n: 0, offset: 0 };
  private readonly seq = new Column(Float64Array);
  private readonly tsMs = new Column(Float64Array);
  private readonly fileN = new Column(Uint32Array);
  private readonly offset = new Column(Float64Array);
  private readonly length = new Column(Uint32Array);
  private readonly fields = {
    actor: { dict: new Dictionary(), col: new Column(Uint32Array) },
    action: { dict: new Dictionary(), col: new Column(Uint32Array) },
    node: { dict: new Dictionary(), col: new Column(Uint32Array) },
    outcome: { dict: new Dictionary(), col: new Column(Uint32Array) },
    // What free text searches (besides the action): as JSON, the way the line spells it.
    target: { dict: new Dictionary(), col: new Column(Uint32Array) },
    params: { dict: new Dictionary(), col: new Column(Uint32Array) },
    error: { dict: new Dictionary(), col: new Column(Uint32Array) },
    reason: { dict: new Dictionary(), col: new Column(Uint32Array) },
  };
  private last: { seq: number; hash: string } | undefined;

  constructor(private readonly dir: string) {}

  /** Reads whatever was appended since the last call. */
  refresh(): void {
    for (const f of listLogFiles(this.dir)) {
      if (f.n < this.position.n) continue;
      if (f.n > this.position.n) this.position = { n: f.n, offset: 0 };
      const size = fs.statSync(f.file).size;
      if (size <= this.position.offset) continue;
      const buf = Buffer.alloc(size - this.position.offset);
      const fd = fs.openSync(f.file, 'r');
      try {
        fs.readSync(fd, buf, 0, buf.length, this.position.offset);
      } finally {
        fs.closeSync(fd);
      }
      let start = 0;
      // Only complete lines: one being written now is read on the next refresh.
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        this.add(buf.toString('utf8', start, nl), f.n, this.position.offset + start, nl - start);
        start = nl + 1;
      }
      this.position.offset += start;
    }
  }

  private add(line: string, n: number, offset: number, length: number): void {
    let r: AuditRecord;
    try {
      r = JSON.parse(line) as AuditRecord;
    } catch {
      return;
    }
    if (typeof r?.seq !== 'number' || (this.last && r.seq <= this.last.seq)) return;
    this.seq.push(r.seq);
    this.tsMs.push(Date.parse(r.ts));
    this.fileN.push(n);
    this.offset.push(offset);
    this.length.push(length);
    const f = this.fields;
    const put = (field: keyof typeof f, value: string) => f[field].col.push(f[field].dict.id(value));
    put('actor', `${r.actor?.osUser} ${r.actor?.operator}`.toLowerCase());
    put('action', String(r.action));
    put('node', r.target?.node ?? '');
    put('outcome', String(r.outcome));
    put('target', JSON.stringify(r.target ?? {}));
    put('params', JSON.stringify(r.params ?? {}));
    put('error', r.error ?? '');
    put('reason', r.reason ?? '');
    this.last = { seq: r.seq, hash: String(r.hash) };
  }

  /** The newest record read so far. */
  head(): { seq: number; hash: string } | undefined {
    return this.last ? { ...this.last } : undefined;
  }

  get size(): number {
    return this.seq.length;
  }

  /** Bytes the index holds in its columns (dictionaries aside), for the benchmark. */
  get columnBytes(): number {
    const cols = [this.seq, this.tsMs, this.fileN, this.offset, this.length, ...Object.values(this.fields).map((f) => f.col)];
    return cols.reduce((sum, c) => sum + c.bytes, 0);
  }

  /** Raw lines of the records after `seq`, oldest first, at most `limit` (rows are in seq order). */
  after(seq: number, limit: number): { seq: number; line: string }[] {
    this.refresh();
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seq.get(mid) <= seq) lo = mid + 1;
      else hi = mid;
    }
    const rows = Array.from({ length: Math.max(0, Math.min(limit, this.size - lo)) }, (_, k) => lo + k);
    const lines = this.readLines(rows);
    return rows.map((row, k) => ({ seq: this.seq.get(row), line: lines[k]! }));
  }

  /** Newest first. */
  query(filter: AuditFilter, offset: number, limit: number): { total: number; records: AuditRecord[] } {
    this.refresh();
    const match = this.compile(filter);
    const page: number[] = [];
    let total = 0;
    for (let row = this.size - 1; row >= 0; row--) {
      if (!match(row)) continue;
      if (total >= offset && total < offset + limit) page.push(row);
      total++;
    }
    return { total, records: this.recordsOf(page) };
  }

  /** Oldest first, raw lines: for exports. */
  select(filter: AuditFilter): string[] {
    this.refresh();
    const match = this.compile(filter);
    const rows: number[] = [];
    for (let row = 0; row < this.size; row++) if (match(row)) rows.push(row);
    return this.readLines(rows);
  }

  private compile(filter: AuditFilter): (row: number) => boolean {
    const f = this.fields;
    const since = filter.since ? instant('since', filter.since) : -Infinity;
    const until = filter.until ? instant('until', normalizeUntil(filter.until)) : Infinity;
    const actor = filter.actor?.toLowerCase();
    const actors = actor ? f.actor.dict.matching((a) => a.includes(actor)) : undefined;
    // An action, node or outcome no record has matches nothing (id -1).
    const idOf = (field: 'action' | 'node' | 'outcome', value: string | undefined) =>
      value === undefined || value === '' ? undefined : (f[field].dict.values.indexOf(value) as number);
    const action = idOf('action', filter.action);
    const node = idOf('node', filter.node);
    const outcome = idOf('outcome', filter.outcome);
    let text: ((row: number) => boolean) | undefined;
    if (filter.text) {
      const re = new RegExp(escapeRegExp(filter.text), 'i');
      const fields = (['action', 'target', 'params', 'error', 'reason'] as const).map((k) => ({
        hits: f[k].dict.matching((v) => re.test(v)),
        col: f[k].col,
      }));
      text = (row) => fields.some(({ hits, col }) => hits[col.get(row)] === 1);
    }
    return (row) => {
      const ts = this.tsMs.get(row);
      return (
        ts >= since &&
        ts <= until &&
        (!actors || actors[f.actor.col.get(row)] === 1) &&
        (action === undefined || f.action.col.get(row) === action) &&
        (node === undefined || f.node.col.get(row) === node) &&
        (outcome === undefined || f.outcome.col.get(row) === outcome) &&
        (!text || text(row))
      );
    };
  }

  /** Rows read back and parsed; a line that no longer reads back as its record means the file changed under us. */
  private recordsOf(rows: number[]): AuditRecord[] {
    const lines = this.readLines(rows);
    return rows.map((row, k) => {
      let r: AuditRecord | undefined;
      try {
        r = JSON.parse(lines[k]!) as AuditRecord;
      } catch {
        r = undefined;
      }
      if (r?.seq !== this.seq.get(row)) {
        throw new Error(
          `Audit record seq ${this.seq.get(row)} no longer reads back from ${fileName(this.fileN.get(row))}: the file was changed after it was written. Run "edgeward audit verify" to see what changed.`,
        );
      }
      return r;
    });
  }

  /** The lines of the given rows, read back from their files (one open per file). */
  private readLines(rows: number[]): string[] {
    const out = new Array<string>(rows.length);
    const byFile = new Map<number, number[]>();
    rows.forEach((row, k) => {
      const n = this.fileN.get(row);
      const list = byFile.get(n) ?? [];
      list.push(k);
      byFile.set(n, list);
    });
    for (const [n, ks] of byFile) {
      const fd = fs.openSync(path.join(this.dir, fileName(n)), 'r');
      try {
        for (const k of ks) {
          const row = rows[k]!;
          const buf = Buffer.alloc(this.length.get(row));
          fs.readSync(fd, buf, 0, buf.length, this.offset.get(row));
          out[k] = buf.toString('utf8');
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return out;
  }
}
