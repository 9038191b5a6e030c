import fs from 'node:fs';
import type { AuditFilter, AuditRecord } from '../../../shared/audit.js';
import { listLogFiles } from './files.js';

/** What the view filters on, kept small; the full record is parsed only for rows on screen. */
interface Entry {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  node: string;
  outcome: string;
  line: string;
}

export function normalizeUntil(until: string): string {
  // A bare date means the whole of that day.
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}T23:59:59.999Z` : until;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileFilter(filter: AuditFilter): (e: Entry) => boolean {
  const until = filter.until ? normalizeUntil(filter.until) : undefined;
  const actor = filter.actor?.toLowerCase();
  const text = filter.text ? new RegExp(escapeRegExp(filter.text), 'i') : undefined;
  return (e) =>
    (!filter.since || e.ts >= filter.since) &&
    (!until || e.ts <= until) &&
    (!actor || e.actor.includes(actor)) &&
    (!filter.action || e.action === filter.action) &&
    (!filter.node || e.node === filter.node) &&
    (!filter.outcome || e.outcome === filter.outcome) &&
    (!text || text.test(e.line));
}

function toEntry(line: string): Entry | undefined {
  try {
    const r = JSON.parse(line) as AuditRecord;
    return {
      seq: r.seq,
      ts: r.ts,
      actor: `${r.actor.osUser} ${r.actor.operator}`.toLowerCase(),
      action: r.action,
      node: r.target?.node ?? '',
      outcome: r.outcome,
      line,
    };
  } catch {
    return undefined;
  }
}

/**
 * The audit records in memory for the Audit view and exports, read once and then followed: new
 * lines from this process or another (the CLI) are picked up by reading from the last offset.
 */
export class AuditIndex {
  private entries: Entry[] = [];
  private position = { n: 0, offset: 0 };

  constructor(private readonly dir: string) {}

  /** Reads whatever was appended since the last call. */
  refresh(): void {
    for (const f of listLogFiles(this.dir)) {
      if (f.n < this.position.n) continue;
      if (f.n > this.position.n) this.position = { n: f.n, offset: 0 };
      const size = fs.statSync(f.file).size;
      if (size <= this.position.offset) continue;
      const fd = fs.openSync(f.file, 'r');
      try {
        const buf = Buffer.alloc(size - this.position.offset);
        fs.readSync(fd, buf, 0, buf.length, this.position.offset);
        const lastNl = buf.lastIndexOf(0x0a);
        if (lastNl < 0) continue;
        for (const line of buf.toString('utf8', 0, lastNl).split('\n')) {
          const e = toEntry(line);
          if (e && (this.entries.length === 0 || e.seq > this.entries[this.entries.length - 1]!.seq)) this.entries.push(e);
        }
        this.position.offset += lastNl + 1;
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  /** The newest record read so far (its hash sits at a fixed place in the line). */
  head(): { seq: number; hash: string } | undefined {
    const last = this.entries[this.entries.length - 1];
    return last ? { seq: last.seq, hash: last.line.slice(9, 73) } : undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Raw lines of the records after `seq`, oldest first, at most `limit` (entries are in seq order). */
  after(seq: number, limit: number): { seq: number; line: string }[] {
    this.refresh();
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo, lo + limit).map((e) => ({ seq: e.seq, line: e.line }));
  }

  /** Newest first. */
  query(filter: AuditFilter, offset: number, limit: number): { total: number; records: AuditRecord[] } {
    this.refresh();
    const match = compileFilter(filter);
    const hits: Entry[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (match(e)) hits.push(e);
    }
    return { total: hits.length, records: hits.slice(offset, offset + limit).map((e) => JSON.parse(e.line) as AuditRecord) };
  }

  /** Oldest first, raw lines: for exports. */
  select(filter: AuditFilter): string[] {
    this.refresh();
    const match = compileFilter(filter);
    return this.entries.filter(match).map((e) => e.line);
  }
}
