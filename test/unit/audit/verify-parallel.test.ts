import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileName } from '../../../electron/services/audit/files.js';
import { hashesAt, verifyLog } from '../../../electron/services/audit/verify.js';
import { verifyLogParallel } from '../../../electron/services/audit/verify-parallel.js';
import { appendMany, openLog } from '../../helpers/audit.js';
import { busyRecord, synthesizeLog } from '../../helpers/audit-synth.js';
import { tempDirsPerTest } from '../../helpers/temp-dirs.js';

/** A valid chain written straight to one file, each record carrying `note(seq)`; returns the file's bytes. */
function writeChain(dir: string, n: number, note: (seq: number) => string): Buffer {
  fs.rmSync(path.join(dir, fileName(1)), { force: true });
  synthesizeLog(dir, n, (seq) => ({ ...busyRecord(seq), params: { note: note(seq) } }));
  return fs.readFileSync(path.join(dir, fileName(1)));
}

describe('audit verify on worker threads', () => {
  const tempDir = tempDirsPerTest('edgeward-verify-par-');

  it('confirms an intact chain across rotation files and many pieces, with the same head as the serial verifier', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { maxFileBytes: 8 * 1024 });
    await appendMany(log, 300);
    await log.close();
    const serial = verifyLog(dir);
    expect(serial).toMatchObject({ intact: true, records: 300 });
    expect(serial.files).toBeGreaterThan(3);

    const out = await verifyLogParallel(dir, undefined, { segmentBytes: 1500, minParallelBytes: 0, workers: 2 });
    expect(out).toMatchObject({ fellBack: false, workers: 2 });
    expect(out.segments).toBeGreaterThan(30);
    expect(out.result).toEqual(serial);

    // With an anchor in the middle of a piece: still the workers' answer, still the serial one.
    const anchor = { seq: 137, hash: hashesAt(dir, new Set([137])).get(137)! };
    const anchored = await verifyLogParallel(dir, anchor, { segmentBytes: 1500, minParallelBytes: 0, workers: 2 });
    expect(anchored.fellBack).toBe(false);
    expect(anchored.result).toEqual(verifyLog(dir, anchor));
    expect(anchored.result).toMatchObject({ intact: true, anchor });
  });

  it('verifies small logs on the calling thread, without starting workers', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    await appendMany(log, 5);
    await log.close();
    expect(await verifyLogParallel(dir)).toMatchObject({ segments: 0, workers: 0, fellBack: false, result: { intact: true, records: 5 } });
  });

  it('reads a character whose bytes straddle the serial reader’s 4 MiB chunks as one character, not a false "edited"', async () => {
    const dir = tempDir();
    const chunk = 4 * 1024 * 1024;
    // Records of "é" (2 bytes each); shift the first one by a byte until the chunk edge splits an "é".
    let bytes: Buffer = Buffer.alloc(0);
    for (let pad = 0; pad < 8; pad++) {
      bytes = writeChain(dir, 2000, (seq) => (seq === 1 ? 'x'.repeat(pad) : '') + 'é'.repeat(1100));
      if (bytes[chunk - 1] === 0xc3 && bytes[chunk] === 0xa9) break;
    }
    expect([bytes[chunk - 1], bytes[chunk]]).toEqual([0xc3, 0xa9]);
    expect(verifyLog(dir)).toMatchObject({ intact: true, records: 2000 });
    const par = await verifyLogParallel(dir, undefined, { segmentBytes: 1024 * 1024, minParallelBytes: 0, workers: 2 });
    expect(par).toMatchObject({ fellBack: false, result: { intact: true, records: 2000 } });
  });

  it('hands an invalid UTF-8 byte to the serial verifier, which names the record', async () => {
    const dir = tempDir();
    const bytes = writeChain(dir, 50, (seq) => `note ${seq} é`);
    // Replace the second byte of the "é" in record 20 with a byte that is not UTF-8 continuation.
    const lines = bytes.toString('utf8').split('\n');
    const offset = Buffer.byteLength(lines.slice(0, 19).join('\n') + '\n') + Buffer.from(lines[19]!).indexOf(Buffer.from('é')) + 1;
    bytes[offset] = 0x41;
    fs.writeFileSync(path.join(dir, fileName(1)), bytes);
    const par = await verifyLogParallel(dir, undefined, { segmentBytes: 2000, minParallelBytes: 0, workers: 2 });
    expect(par.fellBack).toBe(true);
    expect(par.result).toMatchObject({ intact: false, kind: 'edited', seq: 20 });
  });
});
