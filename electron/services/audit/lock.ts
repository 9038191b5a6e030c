import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * An inter-process lock for the audit directory (the app and the CLI may append at the same time):
 * creating a file with O_EXCL is atomic. The holder's pid is inside; a lock whose holder is dead
 * is broken.
 */
export class DirLock {
  private readonly lockFile: string;
  constructor(dir: string) {
    this.lockFile = path.join(dir, '.lock');
  }

  async acquire(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    for (;;) {
      try {
        const fh = await fs.open(this.lockFile, 'wx', 0o600);
        try {
          await fh.write(String(process.pid));
        } finally {
          await fh.close();
        }
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (await this.holderIsGone()) {
        await fs.rm(this.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`audit log is locked by another Edgeward process (${this.lockFile})`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 20);
    }
  }

  async release(): Promise<void> {
    await fs.rm(this.lockFile, { force: true });
  }

  private async holderIsGone(): Promise<boolean> {
    try {
      const pid = Number(await fs.readFile(this.lockFile, 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0) return await this.olderThan(2000);
      process.kill(pid, 0);
      return false;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return true;
      // Released meanwhile: try again at once.
      if (code === 'ENOENT') return false;
      return false;
    }
  }

  private async olderThan(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await fs.stat(this.lockFile)).mtimeMs > ms;
    } catch {
      return true;
    }
  }
}
