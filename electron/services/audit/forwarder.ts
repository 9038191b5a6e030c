import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type Database from 'better-sqlite3';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { openStateDb, storeError } from '../store/state-db.js';
import type { AuditIndex } from './audit-index.js';
import type { AuditLog } from './audit-log.js';
import { checkpointSeq, splitNotes } from './checkpoints.js';
import { checkpointMessage, FORWARD_FORMATS, frame, syslogMessage, type ForwardFormat } from './syslog-format.js';

export interface Forwarder {
  url: string;
  format: ForwardFormat;
  ca?: string;
  /** The last record this collector has for sure (delivered on a connection that closed cleanly). */
  cursor: number;
  /** How many of the signed checkpoints (in order) it has for sure. */
  checkpointsSent: number;
  createdAt: number;
  lastOkAt?: number;
  lastError?: string;
  lastErrorAt?: number;
}

export interface ForwardTarget {
  tls: boolean;
  host: string;
  port: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** `syslog+tls://HOST:PORT`, or `syslog+tcp://127.0.0.1:PORT` (plain TCP on loopback only). */
export function parseForwardUrl(url: string): ForwardTarget {
  const m = /^syslog\+(tls|tcp):\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(url.trim());
  const bad = (why: string) =>
    new AppErrorException(
      appError('VALIDATION', `${url}: ${why}`, 'Write syslog+tls://HOST:PORT (or syslog+tcp://127.0.0.1:PORT on this machine).'),
    );
  if (!m) throw bad('not a syslog+tls:// or syslog+tcp:// address with a port');
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad('the port must be 1 to 65535');
  if (m[1] === 'tcp' && !LOOPBACK.test(host))
    throw bad('plain TCP would send the audit log readable on the network; use syslog+tls:// for another host');
  return { tls: m[1] === 'tls', host, port };
}

interface Row {
  url: string;
  format: string;
  ca: string | null;
  cursor: number;
  checkpoints_sent: number;
  created_at: number;
  last_ok_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
}

const toForwarder = (r: Row): Forwarder => ({
  url: r.url,
  format: (FORWARD_FORMATS as readonly string[]).includes(r.format) ? (r.format as ForwardFormat) : 'json',
  ...(r.ca ? { ca: r.ca } : {}),
  cursor: r.cursor,
  checkpointsSent: r.checkpoints_sent,
  createdAt: r.created_at,
  ...(r.last_ok_at !== null ? { lastOkAt: r.last_ok_at } : {}),
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  ...(r.last_error_at !== null ? { lastErrorAt: r.last_error_at } : {}),
});

const BATCH = 500;

/**
 * The audit log forwarded to SIEM collectors over syslog, store-and-forward: the log itself is the
 * queue, and each collector has a durable cursor in the state store. A delivery sends everything
 * after the cursor in order on one connection and moves the cursor only once that connection has
 * closed cleanly; a cut connection sends those records again next time (at least once, never a
 * gap), and each message carries its sequence number so the receiver drops the duplicates.
 */
export class AuditForwarding {
  private readonly db: Database.Database;
  private readonly busy = new Map<string, Promise<number>>();

  constructor(
    private readonly file: string,
    private readonly index: AuditIndex,
    private readonly log: AuditLog,
    private readonly host = os.hostname(),
    sqliteBinding?: string,
    /** The signed checkpoints to send along (an outside witness for the SIEM), if any are made. */
    private readonly checkpoints?: string,
  ) {
    this.db = openStateDb(file, sqliteBinding);
  }

  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  list(): Forwarder[] {
    return this.run(() => (this.db.prepare('SELECT * FROM audit_forwarders ORDER BY url').all() as Row[]).map(toForwarder));
  }

  async add(url: string, o: { format?: string; ca?: string } = {}): Promise<Forwarder> {
    const target = parseForwardUrl(url);
    const format = o.format ?? 'json';
    if (!(FORWARD_FORMATS as readonly string[]).includes(format))
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `There is no forwarding format ${format}`,
          'Use --format json (RFC 5424 with the record as JSON) or --format atna (IHE ATNA audit messages, DICOM PS3.15 A.5).',
        ),
      );
    if (target.tls && o.ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(o.ca))
      throw new AppErrorException(
        appError(
          'VALIDATION',
          'The CA file holds no PEM certificate',
          "Give the CA certificate that signed the collector's certificate (PEM).",
        ),
      );
    if (this.list().some((f) => f.url === url))
      throw new AppErrorException(appError('CONFLICT', `${url} is already a forwarding target`, 'Remove it first to change it.'));
    await this.log.perform({ action: 'audit.forward_add', params: { url, format, ca: o.ca ? 'given' : 'system', from: 1 } }, () =>
      this.run(() =>
        this.db
          .prepare('INSERT INTO audit_forwarders (url, format, ca, cursor, created_at) VALUES (?, ?, ?, 0, ?)')
          .run(url, format, o.ca ?? null, Date.now()),
      ),
    );
    return this.list().find((f) => f.url === url)!;
  }

  async remove(url: string): Promise<void> {
    const f = this.list().find((x) => x.url === url);
    if (!f) throw new AppErrorException(appError('NOT_FOUND', `${url} is not a forwarding target`, 'See audit forward ls.'));
    await this.log.perform({ action: 'audit.forward_remove', params: { url, cursor: f.cursor } }, () =>
      this.run(() => this.db.prepare('DELETE FROM audit_forwarders WHERE url = ?').run(url)),
    );
  }

  /** Each collector's cursor and how many records (and checkpoints) it lacks. */
  status(): (Forwarder & { head: number; lag: number; checkpointsPending: number })[] {
    const head = this.log.head().seq;
    const notes = this.checkpointNotes();
    return this.list().map((f) => ({
      ...f,
      head,
      lag: Math.max(0, head - f.cursor),
      checkpointsPending: this.checkpointsDue(notes, f.checkpointsSent, head).length,
    }));
  }

  /** Every signed checkpoint so far, in the order they were made (an append-only file). */
  private checkpointNotes(): string[] {
    if (!this.checkpoints) return [];
    try {
      return splitNotes(fs.readFileSync(this.checkpoints, 'utf8'));
    } catch {
      return [];
    }
  }

  /** The checkpoints after the first `sent`, up to the first that signs a record not yet delivered. */
  private checkpointsDue(notes: string[], sent: number, delivered: number): string[] {
    const after = notes.slice(sent);
    const n = after.findIndex((note) => !(checkpointSeq(note) <= delivered));
    return n < 0 ? after : after.slice(0, n);
  }

  /** Delivers what one collector lacks; resolves with its cursor. One delivery per collector at a time. */
  deliver(url: string): Promise<number> {
    const running = this.busy.get(url);
    if (running) return running;
    const p = this.deliverNow(url).finally(() => this.busy.delete(url));
    this.busy.set(url, p);
    return p;
  }

  async deliverAll(): Promise<{ url: string; cursor?: number; error?: string }[]> {
    return Promise.all(
      this.list().map((f) =>
        this.deliver(f.url).then(
          (cursor) => ({ url: f.url, cursor }),
          (err: unknown) => ({ url: f.url, error: (err as Error).message }),
        ),
      ),
    );
  }

  private async deliverNow(url: string): Promise<number> {
    const f = this.list().find((x) => x.url === url);
    if (!f) throw new Error(`${url} is not a forwarding target`);
    let pending = this.index.after(f.cursor, BATCH);
    const notes = this.checkpointNotes();
    if (!pending.length && !this.checkpointsDue(notes, f.checkpointsSent, f.cursor).length) return f.cursor;
    const target = parseForwardUrl(url);
    let socket: net.Socket | undefined;
    let last = f.cursor;
    try {
      socket = await connect(target, f.ca);
      while (pending.length) {
        const chunk = Buffer.concat(pending.map((p) => frame(syslogMessage(p.line, this.host, f.format))));
        await write(socket, chunk);
        last = pending.at(-1)!.seq;
        pending = this.index.after(last, BATCH);
      }
      // Each checkpoint follows the records it signs, so the collector can check it against them.
      const due = this.checkpointsDue(notes, f.checkpointsSent, last);
      if (due.length) await write(socket, Buffer.concat(due.map((note) => frame(checkpointMessage(note, this.host)))));
      await closeCleanly(socket);
      // Another process may deliver to the same collector at once: the cursor only ever moves forward.
      this.run(() =>
        this.db
          .prepare(
            'UPDATE audit_forwarders SET cursor = max(cursor, ?), checkpoints_sent = max(checkpoints_sent, ?), last_ok_at = ?, last_error = NULL WHERE url = ?',
          )
          .run(last, f.checkpointsSent + due.length, Date.now(), url),
      );
      return last;
    } catch (err) {
      socket?.destroy();
      const message = (err as NodeJS.ErrnoException).code
        ? `${(err as NodeJS.ErrnoException).code}: ${(err as Error).message}`
        : (err as Error).message;
      this.run(() =>
        this.db
          .prepare('UPDATE audit_forwarders SET last_error = ?, last_error_at = ? WHERE url = ?')
          .run(message.slice(0, 500), Date.now(), url),
      );
      throw new Error(`${url}: ${message}; the records wait in the audit log and go with the next delivery`);
    }
  }

  /** Delivers continuously (long-running processes): every `everyMs`, to each collector that lacks records. */
  startContinuous(everyMs = 2000): () => void {
    const timer = setInterval(() => {
      if (this.status().some((s) => s.lag > 0 || s.checkpointsPending > 0)) void this.deliverAll();
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.busy.values()]);
    if (this.db.open) this.db.close();
  }
}

function connect(t: ForwardTarget, ca: string | undefined): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection to ${t.host}:${t.port} within 10 s`));
    }, 10_000);
    const done = (err?: Error) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(s);
    };
    const s: net.Socket = t.tls
      ? tls.connect(
          {
            host: t.host,
            port: t.port,
            ...(ca ? { ca } : {}),
            ...(net.isIP(t.host) ? {} : { servername: t.host }),
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2',
          },
          () => done(),
        )
      : net.connect({ host: t.host, port: t.port }, () => done());
    s.once('error', (err) => done(err));
  });
}

const write = (s: net.Socket, chunk: Buffer) =>
  new Promise<void>((resolve, reject) => s.write(chunk, (err) => (err ? reject(err) : resolve())));

/** Ends our side and waits for the collector to close its own: only then has it read everything. */
function closeCleanly(s: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the collector did not close the connection within 10 s')), 10_000);
    s.once('error', (err) => (clearTimeout(timer), reject(err)));
    s.once('close', (hadError) => (clearTimeout(timer), hadError ? reject(new Error('the connection failed while closing')) : resolve()));
    s.end();
    s.resume();
  });
}
