// Holds the audit directory lock over and over with no pause between holds, as a busy writer does
// (each hold as long as an fsync on a busy disk, 15 ms), until killed. Prints "holding" once it runs.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DirLock } from '../../electron/services/audit/lock.js';

const dir = process.argv[2]!;
const lock = new DirLock(dir);
const fh = await fs.open(path.join(dir, 'hammer.bin'), 'a');
let announced = false;
for (;;) {
  await lock.acquire(60_000);
  await fh.write('x');
  await fh.datasync();
  await new Promise((r) => setTimeout(r, 15));
  if (!announced) {
    process.stdout.write('holding\n');
    announced = true;
  }
  await lock.release();
}
