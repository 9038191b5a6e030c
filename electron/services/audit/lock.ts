import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../common/process-alive.js';

const TICKET = '.lock-wait.';

/**
 * An inter-process lock for the audit directory (the app and the CLI may append at the same time):
 * creating a file with O_EXCL is atomic. The holder's pid is inside; a lock whose holder is dead
 * is broken.
 *
 * Waiters take a ticket first and only the oldest ticket may try the lock, so waiters are served in
 * arrival order: without that a busy writer that re-takes the lock right after releasing it starves
 * a polling waiter (seen in CI as a CLI refused "locked by another process" for 10 s). Only the
 * first in line breaks a dead holder's lock, so two waiters can never both remove it.
 */
export class DirLock {
  private readonly dir: string;
  private readonly lockFile: string;
  constructor(
    dir: string,
    /** What the lock guards, for the message when it cannot be had. */
    private readonly what = 'audit log',
  ) {
    this.dir = dir;
    this.lockFile = path.join(dir, '.lock');
  }

  async acquire(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Nobody waiting: take it directly (a ticket costs two more file operations per batch).
    if ((await this.tickets()).length === 0 && (await this.tryCreate())) return;
    // Zero-padded time, then pid and a random part: names sort in arrival order, ties settled alike everywhere.
    const ticket = `${TICKET}${String(Date.now()).padStart(15, '0')}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(path.join(this.dir, ticket), '', { flag: 'wx', mode: 0o600 });
    let wait = 1;
    try {
      for (;;) {
        if ((await this.firstInLine()) === ticket) {
          if (await this.tryCreate()) return;
          if (await this.holderIsGone()) {
            await fs.rm(this.lockFile, { force: true });
            continue;
          }
        }
        if (Date.now() > deadline) throw new Error(`${this.what} is locked by another Edgeward process (${this.lockFile})`);
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 10);
      }
    } finally {
      await fs.rm(path.join(this.dir, ticket), { force: true });
    }
  }

  async release(): Promise<void> {
    await fs.rm(this.lockFile, { force: true });
  }

  private async tryCreate(): Promise<boolean> {
    try {
      const fh = await fs.open(this.lockFile, 'wx', 0o600);
      try {
        await fh.write(String(process.pid));
      } finally {
        await fh.close();
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    }
  }

  /** The oldest ticket whose owner lives; tickets of dead processes are cleared on the way. */
  private async firstInLine(): Promise<string | undefined> {
    for (const t of await this.tickets()) {
      const pid = Number(t.slice(TICKET.length).split('.')[1]);
      if (pid === process.pid || processAlive(pid)) return t;
      await fs.rm(path.join(this.dir, t), { force: true });
    }
    return undefined;
  }

  private async tickets(): Promise<string[]> {
    return (await fs.readdir(this.dir)).filter((f) => f.startsWith(TICKET)).sort();
  }

  private async holderIsGone(): Promise<boolean> {
    let content: string;
    try {
      content = await fs.readFile(this.lockFile, 'utf8');
    } catch {
      // Released meanwhile: try again at once.
      return false;
    }
    const pid = Number(content);
    // Empty: the holder is between creating the file and writing its pid, unless that was long ago.
    if (!Number.isInteger(pid) || pid <= 0) return await this.olderThan(2000);
    return !processAlive(pid);
  }

  private async olderThan(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await fs.stat(this.lockFile)).mtimeMs > ms;
    } catch {
      return true;
    }
  }
}
