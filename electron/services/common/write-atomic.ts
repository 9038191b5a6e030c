import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file whole or not at all, also when the process is killed mid-write or the machine loses
 * power: a private temp file, fsynced, renamed over the target, then the directory fsynced so the
 * rename itself is durable. Readers see the old content or the new, never half.
 */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
