import fs from 'node:fs';
import path from 'node:path';

/** Rotation files: audit-000001.jsonl, audit-000002.jsonl, … The chain runs through them in order. */
const NAME = /^audit-(\d{6})\.jsonl$/;

export const fileName = (n: number) => `audit-${String(n).padStart(6, '0')}.jsonl`;

export function listLogFiles(dir: string): { n: number; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => ({ m: NAME.exec(f), f }))
    .filter((x): x is { m: RegExpExecArray; f: string } => x.m !== null)
    .map((x) => ({ n: Number(x.m[1]), file: path.join(dir, x.f) }))
    .sort((a, b) => a.n - b.n);
}

/** The last complete line of a file (reads only its tail) and whether an incomplete one follows it. */
export function readTail(file: string): { lastLine: string | undefined; completeBytes: number; size: number } {
  const size = fs.statSync(file).size;
  if (size === 0) return { lastLine: undefined, completeBytes: 0, size };
  const fd = fs.openSync(file, 'r');
  try {
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const lastNl = buf.lastIndexOf(0x0a);
      if (lastNl < 0) {
        if (start === 0) return { lastLine: undefined, completeBytes: 0, size };
        chunk *= 4;
        continue;
      }
      const completeBytes = start + lastNl + 1;
      const prevNl = buf.lastIndexOf(0x0a, lastNl - 1);
      if (prevNl < 0 && start > 0) {
        chunk *= 4;
        continue;
      }
      return { lastLine: buf.subarray(prevNl + 1, lastNl).toString('utf8'), completeBytes, size };
    }
  } finally {
    fs.closeSync(fd);
  }
}
