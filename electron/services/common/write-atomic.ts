import fs from 'node:fs';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';

/** A full disk or a read-only one, said in words, naming the file that could not be written. */
export function diskError(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new AppErrorException(
      appError('UNAVAILABLE', `The disk holding ${file} is full: it was left as it was`, 'Free space on that disk, then try again.'),
    );
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return new AppErrorException(
      appError(
        'UNAVAILABLE',
        `${file} cannot be written (${code}): it was left as it was`,
        'Check the permissions and the mount of the data directory.',
      ),
    );
  return err;
}

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
export function writeAtomic(file: string, text: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fd = fs.openSync(tmp, 'w', 0o600);
  } catch (err) {
    throw diskError(file, err);
  }
  try {
    try {
      writeFully(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw diskError(file, err);
  }
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
