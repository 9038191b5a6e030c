import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * An inter-process lock for the audit directory (the app and the CLI may append at the same time):
 * mkdir is atomic. The holder's pid is written inside; a lock whose holder is dead is broken.
 */
export class DirLock {
  private readonly lockDir: string;
  constructor(dir: string) {
    this.lockDir = path.join(dir, '.lock');
  }

  async acquire(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    for (;;) {
      try {
        await fs.mkdir(this.lockDir);
        await fs.writeFile(path.join(this.lockDir, 'pid'), String(process.pid));
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (await this.holderIsGone()) {
        await fs.rm(this.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`audit log is locked by another Edgeward process (${this.lockDir})`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 20);
    }
  }

  async release(): Promise<void> {
    await fs.rm(this.lockDir, { recursive: true, force: true });
  }

  private async holderIsGone(): Promise<boolean> {
    try {
      const pid = Number(await fs.readFile(path.join(this.lockDir, 'pid'), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0) return await this.olderThan(2000);
      process.kill(pid, 0);
      return false;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return true;
      // pid file not written yet: the holder is between mkdir and writeFile, unless it died there.
      if (code === 'ENOENT') return this.olderThan(2000);
      return false;
    }
  }

  private async olderThan(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await fs.stat(this.lockDir)).mtimeMs > ms;
    } catch {
      return true;
    }
  }
}
