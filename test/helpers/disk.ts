import fs from 'node:fs';
import path from 'node:path';

/** Fills the filesystem under `dir` until it refuses another byte; returns the filler file. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  // Byte-sized leftovers too.
  try {
    for (;;) fs.appendFileSync(filler, 'x');
  } catch {
    /* full */
  }
  return filler;
}
