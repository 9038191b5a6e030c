import fs from 'node:fs';
import path from 'node:path';

/** Writes every byte or throws: write(2) may write less than asked (a full disk shows that way first). */
export function writeFully(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    const n = fs.writeSync(fd, data, off, data.length - off);
    if (n <= 0) throw Object.assign(new Error(`short write: ${off} of ${data.length} bytes written`), { code: 'ENOSPC' });
    off += n;
  }
}

/**
 * Writes a file whole or not at all, also when the process is killed mid-write, the disk fills up
 * or the machine loses power: a private temp file, written fully and fsynced, renamed over the
 * target, then the directory fsynced so the rename itself is durable. Readers see the old content
 * or the new, never half; on any error the temp file is removed and the target left as it was.
 */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    try {
      writeFully(fd, Buffer.from(text, 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
