import fs from 'node:fs';
import { processAlive } from './process-alive.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A short cross-process lock for a read-modify-write of a small file that another Edgeward process
 * may change at the same moment (the app and a CLI trusting keys at once). Synchronous, because
 * the change it guards is: O_EXCL creates the lock file atomically, the holder's pid is inside,
 * and a lock whose holder died is broken.
 */
export function withFileLockSync<T>(lockFile: string, what: string, change: () => T, timeoutMs = 5000): T {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(lockFile, 'utf8'));
      } catch {
        continue; // released between the two calls
      }
      if (holder > 0 && !processAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${what} is locked by another Edgeward process (pid ${holder}, ${lockFile})`);
      Atomics.wait(pause, 0, 0, wait);
    }
  }
  try {
    return change();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
