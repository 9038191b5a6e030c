import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { GENESIS_HASH, type VerifyResult } from '../../../shared/audit.js';
import { listLogFiles } from './files.js';
import { verifyLog, type Anchor } from './verify.js';
import { SEGMENT_WORKER_SOURCE } from './verify-segment-worker.js';

export interface ParallelVerifyOptions {
  /** Bytes per job handed to a worker (cut at line ends). */
  segmentBytes?: number;
  /** Below this many bytes in all, one thread is faster than starting workers. */
  minParallelBytes?: number;
  workers?: number;
}

export interface ParallelVerifyOutcome {
  result: VerifyResult;
  /** Jobs the log was cut into (0 when it was verified serially). */
  segments: number;
  workers: number;
  /** True when the workers saw something off and the serial verifier was asked to find and explain it. */
  fellBack: boolean;
}

interface Segment {
  id: number;
  file: string;
  start: number;
  end: number;
  anchorSeq: number;
}

interface SegmentResult {
  id: number;
  ok: boolean;
  count: number;
  firstSeq: number;
  firstPrev: string;
  lastSeq: number;
  lastHash: string;
  anchorHash: string | null;
}

/** The offset of the first line that starts at or after `at` (the byte after the next newline from `at - 1`). */
function lineStartFrom(fd: number, at: number, size: number): number {
  const window = Buffer.allocUnsafe(64 * 1024);
  for (let pos = at - 1; pos < size; pos += window.length) {
    const n = fs.readSync(fd, window, 0, window.length, pos);
    const nl = window.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return pos + nl + 1;
    if (n === 0) break;
  }
  return size;
}

function cutIntoSegments(files: { file: string }[], segmentBytes: number, anchorSeq: number): Segment[] {
  const segments: Segment[] = [];
  for (const { file } of files) {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      let start = 0;
      while (start < size) {
        const end = start + segmentBytes >= size ? size : lineStartFrom(fd, start + segmentBytes, size);
        segments.push({ id: segments.length, file, start, end, anchorSeq });
        start = end;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return segments;
}

/** Runs every segment through a small pool of worker threads; results come back in segment order. */
async function runPool(segments: Segment[], workerCount: number): Promise<SegmentResult[]> {
  const results: SegmentResult[] = new Array<SegmentResult>(segments.length);
  const workers = Array.from({ length: workerCount }, () => new Worker(SEGMENT_WORKER_SOURCE, { eval: true }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= segments.length) return resolve();
              w.postMessage(segments[next++]);
            };
            w.on('message', (r: SegmentResult) => {
              results[r.id] = r;
              give();
            });
            w.once('error', reject);
            w.once('exit', (code) => (next < segments.length ? reject(new Error(`verify worker exited with code ${code}`)) : undefined));
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Verifies the chain with its hashing spread over worker threads (a million records is ~450 MB of JSON
 * to parse and hash). The workers only confirm an intact chain; when anything is off, or the log is small,
 * the serial `verifyLog` gives the answer, so a break is always found and explained by one piece of code.
 */
export async function verifyLogParallel(dir: string, anchor?: Anchor, options: ParallelVerifyOptions = {}): Promise<ParallelVerifyOutcome> {
  const serial = (fellBack: boolean, segments = 0, workers = 0): ParallelVerifyOutcome => ({
    result: verifyLog(dir, anchor),
    segments,
    workers,
    fellBack,
  });
  const files = listLogFiles(dir);
  const total = files.reduce((sum, f) => sum + fs.statSync(f.file).size, 0);
  if (total < (options.minParallelBytes ?? 8 * 1024 * 1024)) return serial(false);
  // A missing rotation file is a break the serial verifier names.
  if (files.some((f, i) => i > 0 && f.n !== files[i - 1]!.n + 1)) return serial(true);

  const segments = cutIntoSegments(files, Math.max(1, options.segmentBytes ?? 16 * 1024 * 1024), anchor?.seq ?? -1);
  const workerCount = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), segments.length, 8));
  let results: SegmentResult[];
  try {
    results = await runPool(segments, workerCount);
  } catch {
    return serial(true, segments.length, workerCount);
  }

  let expectedSeq = 1;
  let lastHash = GENESIS_HASH;
  let records = 0;
  let anchorSeen = false;
  for (const r of results) {
    if (!r.ok || r.count === 0 || r.firstSeq !== expectedSeq || r.firstPrev !== lastHash) return serial(true, segments.length, workerCount);
    if (anchor && r.anchorHash !== null) {
      if (r.anchorHash !== anchor.hash) return serial(true, segments.length, workerCount);
      anchorSeen = true;
    }
    expectedSeq = r.lastSeq + 1;
    lastHash = r.lastHash;
    records += r.count;
  }
  if (anchor && !anchorSeen) return serial(true, segments.length, workerCount);
  return {
    result: { intact: true, records, files: files.length, head: { seq: expectedSeq - 1, hash: lastHash }, ...(anchor ? { anchor } : {}) },
    segments: segments.length,
    workers: workerCount,
    fellBack: false,
  };
}
