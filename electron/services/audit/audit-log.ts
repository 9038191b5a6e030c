import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GENESIS_HASH, type AuditAction, type AuditOutcome, type AuditRecord, type AuditTarget } from '../../../shared/audit.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { decodeLine, encodeRecord } from './canonical.js';
import { fileName, listLogFiles, readTail } from './files.js';
import { DirLock } from './lock.js';
import { mintIntent, type Intent, type ProcessRef } from './intent.js';
import { sanitizeParams, sanitizeText } from './redact.js';

export interface AuditActor {
  osUser: string;
  operator: string;
}

export interface AuditEntry {
  action: AuditAction;
  target?: AuditTarget;
  params?: Record<string, unknown>;
  outcome: AuditOutcome;
  error?: string;
  durationMs: number;
  hostKey?: string;
  scriptHash?: string;
  reason?: string;
  /** On an outcome: the intent it closes. */
  intent?: number;
  /** On an intent: who acts. */
  proc?: ProcessRef;
}

export type ActionSpec = Omit<AuditEntry, 'outcome' | 'durationMs' | 'error' | 'intent' | 'proc'>;

export interface ActionOutcome {
  outcome: 'ok' | 'failed' | 'partial';
  error?: string;
  params?: Record<string, unknown>;
  /** The host key of the connection used, when it became known while acting. */
  hostKey?: string;
}

/** An action whose intent is recorded and whose outcome is not yet. */
export interface OpenIntent {
  readonly intent: Intent;
  /** Records the outcome; throws a refusal naming the open intent when the log cannot take it. */
  finish(outcome: ActionOutcome): Promise<AuditRecord>;
}

export interface AuditLogOptions {
  actor: () => AuditActor;
  /** Rotate to a new file past this size. */
  maxFileBytes?: number;
  /** Refuse actions when less than this is free on the log's filesystem. */
  minFreeBytes?: number;
  clock?: () => Date;
}

interface Pending {
  entry: AuditEntry;
  actor: AuditActor;
  ts: string;
  resolve: (r: AuditRecord) => void;
  reject: (e: Error) => void;
}

export interface Head {
  seq: number;
  hash: string;
}

export const osUser = (): string => {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
};

function unavailable(why: string): AppErrorException {
  return new AppErrorException(
    appError(
      'UNAVAILABLE',
      `Refused: the audit log cannot be written (${why}). Nothing was done, because every action must be recorded first.`,
      'Free space or fix permissions on the data directory, then retry.',
    ),
  );
}

/**
 * The append-only, hash-chained audit log. Appends are group-committed: everything queued while a
 * flush runs is written and fsynced together, and each caller's promise resolves only once its
 * record is on disk. The app and the CLI may write at the same time; a directory lock serializes
 * them and each writer re-reads the tail before it chains on to it.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private headState: Head = { seq: 0, hash: GENESIS_HASH };
  private active = { n: 1, size: 0 };
  private readonly listeners = new Set<(records: AuditRecord[]) => void>();
  private broken: string | undefined;
  /** Outcomes of finished actions that the log could not take at the time, oldest first. */
  private readonly owed: { entry: AuditEntry; actor: AuditActor }[] = [];
  /** The open active file, kept between batches (opening it per batch halves the append rate). */
  private handle: { n: number; fh: fsp.FileHandle } | undefined;
  private readonly lock: DirLock;
  private readonly maxFileBytes: number;
  private readonly minFreeBytes: number;
  private readonly clock: () => Date;
  /** This process, as named on the intents it writes. */
  readonly proc: ProcessRef = { host: os.hostname(), pid: process.pid };

  private constructor(
    readonly dir: string,
    private readonly options: AuditLogOptions,
  ) {
    this.lock = new DirLock(dir);
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.minFreeBytes = options.minFreeBytes ?? 256 * 1024;
    this.clock = options.clock ?? (() => new Date());
  }

  static async open(dir: string, options: AuditLogOptions): Promise<AuditLog> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const log = new AuditLog(dir, options);
    await log.lock.acquire();
    let recovered: { file: string; bytes: number; keptAs: string } | undefined;
    try {
      recovered = log.recoverTornTail();
      log.readHead();
    } finally {
      await log.lock.release();
    }
    if (recovered) {
      await log.append({ action: 'audit.torn_tail_recovered', params: recovered, outcome: 'ok', durationMs: 0 });
    }
    return log;
  }

  head(): Head {
    return { ...this.headState };
  }

  onAppend(listener: (records: AuditRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Throws the user-facing refusal when the next record could not be written. */
  async ensureWritable(): Promise<void> {
    if (this.broken) {
      // A previous write failed: probe whether the cause went away before refusing.
      if (!(await this.hasRoom())) throw unavailable(this.broken);
      this.broken = undefined;
    }
    if (!(await this.hasRoom())) throw unavailable(`less than ${Math.round(this.minFreeBytes / 1024)} KiB free at ${this.dir}`);
    await this.writeOwedOutcomes();
  }

  /** Outcomes that could not be written when their action ended go first, once the log takes records again. */
  private async writeOwedOutcomes(): Promise<void> {
    while (this.owed.length > 0) {
      const next = this.owed[0]!;
      await this.append(next.entry, next.actor);
      this.owed.shift();
    }
  }

  /**
   * The first half of the pipeline: refused up front when the log cannot be written, else the
   * intent is made durable and its proof handed out. The caller acts, then finishes it.
   */
  async begin(spec: ActionSpec): Promise<OpenIntent> {
    await this.ensureWritable();
    // The actor as it was when the action began (an operator renaming themselves is recorded under the old name).
    const actor = this.options.actor();
    const record = await this.append({ ...spec, outcome: 'intent', durationMs: 0, proc: this.proc }, actor);
    const t0 = performance.now();
    const intent = mintIntent(record.seq, spec.action);
    let finished: Promise<AuditRecord> | undefined;
    return {
      intent,
      finish: (o) =>
        (finished ??= this.appendOutcome(
          {
            ...spec,
            params: { ...spec.params, ...o.params },
            outcome: o.outcome,
            error: o.error,
            hostKey: o.hostKey ?? spec.hostKey,
            durationMs: Math.round(performance.now() - t0),
            intent: record.seq,
          },
          actor,
        )),
    };
  }

  /**
   * Runs an action through the pipeline: intent (durable) → act → outcome (durable) before the
   * result is returned. A failure is recorded with its error and rethrown.
   */
  async perform<T>(
    spec: ActionSpec,
    action: (intent: Intent) => Promise<T> | T,
    outcomeOf: (result: T) => ActionOutcome = () => ({ outcome: 'ok' }),
  ): Promise<T> {
    const open = await this.begin(spec);
    let result: T;
    try {
      result = await action(open.intent);
    } catch (err) {
      const error = err instanceof AppErrorException ? err.appError.message : err instanceof Error ? err.message : String(err);
      // The action's own error is what the user needs; an unrecordable outcome is added to it.
      await open.finish({ outcome: 'failed', error }).catch((e: unknown) => {
        if (err instanceof Error) err.message += ` (${(e as Error).message})`;
      });
      throw err;
    }
    await open.finish(outcomeOf(result));
    return result;
  }

  /** An outcome is retried briefly (a lock held by a slow writer); then the open intent is named. */
  private async appendOutcome(entry: AuditEntry, actor: AuditActor): Promise<AuditRecord> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await this.append(entry, actor);
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    // The refusal's own words ("nothing was done") would be false here: name the cause only.
    const why = this.broken ?? (last instanceof Error ? last.message : String(last));
    this.owed.push({ entry, actor });
    throw new AppErrorException(
      appError(
        'UNAVAILABLE',
        `${entry.action} ${entry.outcome === 'failed' ? 'failed' : 'was carried out'}, but its outcome could not be recorded: ${why}. Its intent (#${entry.intent}) stays open until the outcome is written, with the next action once the log takes records again (or as "outcome unknown" at the next start if Edgeward stops first).`,
        'Free space or fix permissions on the data directory; check the result of this action yourself.',
      ),
    );
  }

  /** Resolves once the record is durable on disk. */
  append(entry: AuditEntry, actor: AuditActor = this.options.actor()): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, actor, ts: this.clock().toISOString(), resolve, reject });
      this.kick();
    });
  }

  /** Starts the flusher unless it runs; re-checks on exit for records queued while it was finishing. */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  async close(): Promise<void> {
    // A last try for owed outcomes; those still unwritable are closed as unknown by the next start.
    if (this.owed.length > 0 && (await this.hasRoom())) await this.writeOwedOutcomes().catch(() => undefined);
    while (this.flushing) await this.flushing;
    await this.handle?.fh.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async hasRoom(): Promise<boolean> {
    try {
      const s = await fsp.statfs(this.dir);
      return s.bavail * s.bsize >= this.minFreeBytes;
    } catch {
      return false;
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const { records, error } = await this.writeBatch(batch);
      records.forEach((r, i) => batch[i]!.resolve(r));
      if (records.length > 0) for (const l of this.listeners) l(records);
      if (error) {
        this.broken = error instanceof Error ? error.message : String(error);
        const refusal = unavailable((error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : this.broken);
        for (const p of batch.slice(records.length)) p.reject(refusal);
      }
    }
  }

  /**
   * Chains and writes a batch, rotating files at the size limit (a batch may span files). Returns
   * the records that are durable; on an error, those after them are not on disk at all.
   */
  private async writeBatch(batch: Pending[]): Promise<{ records: AuditRecord[]; error?: unknown }> {
    const durable: AuditRecord[] = [];
    try {
      await this.lock.acquire();
    } catch (error) {
      return { records: durable, error };
    }
    try {
      this.syncWithDisk();
      let { seq, hash } = this.headState;
      // Chunks of consecutive records that go into the same file.
      const chunks: { n: number; lines: string[]; records: AuditRecord[]; heads: Head[] }[] = [];
      let n = this.active.n;
      let size = this.active.size;
      for (const p of batch) {
        const e = p.entry;
        const encoded = encodeRecord({
          seq: seq + 1,
          ts: p.ts,
          actor: p.actor,
          action: e.action,
          target: e.target ?? {},
          params: sanitizeParams(e.action, e.params),
          outcome: e.outcome,
          error: sanitizeText(e.error),
          durationMs: Math.max(0, Math.round(e.durationMs)),
          hostKey: e.hostKey,
          scriptHash: e.scriptHash,
          reason: sanitizeText(e.reason),
          intent: e.intent,
          proc: e.proc,
          prev: hash,
        });
        seq += 1;
        hash = encoded.hash;
        const bytes = Buffer.byteLength(encoded.line);
        if (size > 0 && size + bytes > this.maxFileBytes) {
          n += 1;
          size = 0;
        }
        let chunk = chunks[chunks.length - 1];
        if (!chunk || chunk.n !== n) chunks.push((chunk = { n, lines: [], records: [], heads: [] }));
        chunk.lines.push(encoded.line);
        chunk.records.push(JSON.parse(encoded.line) as AuditRecord);
        chunk.heads.push({ seq, hash });
        size += bytes;
      }
      for (const chunk of chunks) {
        const startSize = chunk.n === this.active.n ? this.active.size : 0;
        const bytes = Buffer.from(chunk.lines.join(''), 'utf8');
        const fh = await this.fileHandle(chunk.n);
        try {
          let written = 0;
          while (written < bytes.length) written += (await fh.write(bytes, written)).bytesWritten;
          await fh.datasync();
        } catch (error) {
          // Leave no partial record behind: cut the file back to where this chunk began.
          await fh.truncate(startSize).catch(() => undefined);
          return { records: durable, error };
        }
        this.active = { n: chunk.n, size: startSize + bytes.length };
        this.headState = chunk.heads[chunk.heads.length - 1]!;
        durable.push(...chunk.records);
      }
      return { records: durable };
    } catch (error) {
      return { records: durable, error };
    } finally {
      await this.lock.release().catch(() => undefined);
    }
  }

  private async fileHandle(n: number): Promise<fsp.FileHandle> {
    if (this.handle?.n === n) return this.handle.fh;
    await this.handle?.fh.close().catch(() => undefined);
    this.handle = undefined;
    // O_APPEND: every write lands at the end, also after another process appended under the lock.
    const fh = await fsp.open(path.join(this.dir, fileName(n)), 'a', 0o600);
    this.handle = { n, fh };
    return fh;
  }

  /** Another process may have appended or rotated since our last write: chain on to what is there. */
  private syncWithDisk(): void {
    const files = listLogFiles(this.dir);
    const last = files[files.length - 1];
    if (!last) {
      this.active = { n: 1, size: 0 };
      this.headState = { seq: 0, hash: GENESIS_HASH };
      return;
    }
    const size = fs.statSync(last.file).size;
    if (last.n === this.active.n && size === this.active.size) return;
    this.readHead();
  }

  private readHead(): void {
    const files = listLogFiles(this.dir);
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      const tail = readTail(f.file);
      if (i === files.length - 1) this.active = { n: f.n, size: tail.size };
      if (!tail.lastLine) continue;
      const decoded = decodeLine(tail.lastLine);
      const seq = decoded?.value.seq;
      if (!decoded || typeof seq !== 'number') {
        throw new AppErrorException(
          appError(
            'INTERNAL',
            `The last record of ${path.basename(f.file)} is unreadable`,
            'Run "edgeward audit verify" to locate the damage.',
          ),
        );
      }
      this.headState = { seq, hash: decoded.claimed };
      return;
    }
    this.headState = { seq: 0, hash: GENESIS_HASH };
  }

  /** A crash mid-write leaves an incomplete last line: keep it aside, cut it off, report it. */
  private recoverTornTail(): { file: string; bytes: number; keptAs: string } | undefined {
    const last = listLogFiles(this.dir).at(-1);
    if (!last) return undefined;
    const tail = readTail(last.file);
    if (tail.completeBytes === tail.size) return undefined;
    const torn = Buffer.alloc(tail.size - tail.completeBytes);
    const fd = fs.openSync(last.file, 'r+');
    try {
      fs.readSync(fd, torn, 0, torn.length, tail.completeBytes);
      const keptAs = `${last.file}.torn-${this.clock().toISOString().replace(/[:.]/g, '-')}`;
      fs.writeFileSync(keptAs, torn, { mode: 0o600 });
      fs.ftruncateSync(fd, tail.completeBytes);
      fs.fsyncSync(fd);
      return { file: path.basename(last.file), bytes: torn.length, keptAs: path.basename(keptAs) };
    } finally {
      fs.closeSync(fd);
    }
  }
}
