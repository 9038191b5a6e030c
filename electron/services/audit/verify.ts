import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { GENESIS_HASH, type BreakKind, type VerifyResult } from '../../../shared/audit.js';
import { decodeLine } from './canonical.js';
import { listLogFiles } from './files.js';

export interface Anchor {
  seq: number;
  hash: string;
}

export function parseAnchor(text: string): Anchor | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2] as string } : undefined;
}

/** Calls `onLine` for every line of a file, reading it in large chunks (fast on multi-GB logs). */
function forEachLine(file: string, onLine: (line: string, lineNo: number) => boolean): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  // A character whose bytes straddle two chunks must not become two replacement characters (a false "edited").
  const utf8 = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const text = carry + utf8.write(buf.subarray(0, n));
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
        lineNo++;
        if (!onLine(text.slice(start, nl), lineNo)) return;
        start = nl + 1;
      }
      carry = text.slice(start);
    }
    carry += utf8.end();
    if (carry.length > 0) onLine(carry, lineNo + 1);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Walks the whole chain and reports either "intact" with its head, or the first broken link: which
 * record, where, and what kind of change explains it.
 */
export function verifyLog(dir: string, anchor?: Anchor): VerifyResult {
  const files = listLogFiles(dir);
  let expectedSeq = 1;
  let lastHash = GENESIS_HASH;
  let records = 0;
  let anchorSeen = false;
  let broken: { kind: BreakKind; message: string; file: string; line: number; seq: number } | undefined;
  const seen = new Map<number, string>();

  const breakAt = (kind: BreakKind, message: string, file: string, line: number, seq: number) => {
    broken = { kind, message, file: path.basename(file), line, seq };
    return false;
  };

  for (let fi = 0; fi < files.length && !broken; fi++) {
    const f = files[fi]!;
    const expectedN = fi === 0 ? f.n : files[fi - 1]!.n + 1;
    if (f.n !== expectedN) {
      breakAt(
        'file-missing',
        `Rotation file ${path.basename(f.file).replace(/\d{6}/, String(expectedN).padStart(6, '0'))} is missing: records from seq ${expectedSeq} are gone.`,
        f.file,
        0,
        expectedSeq,
      );
      break;
    }
    forEachLine(f.file, (line, lineNo) => {
      const decoded = decodeLine(line);
      const seq = decoded?.value.seq;
      if (!decoded || typeof seq !== 'number' || typeof decoded.value.prev !== 'string') {
        return breakAt('malformed', `Line ${lineNo} is not an audit record.`, f.file, lineNo, expectedSeq);
      }
      if (decoded.actual !== decoded.claimed) {
        return breakAt('edited', `Record seq ${seq} was edited: its content no longer matches its hash.`, f.file, lineNo, seq);
      }
      if (seq !== expectedSeq) {
        if (fi === 0 && records === 0 && expectedSeq === 1 && f.n > 1) {
          return breakAt(
            'file-missing',
            `The log starts at seq ${seq} in ${path.basename(f.file)}: earlier rotation files are missing.`,
            f.file,
            lineNo,
            1,
          );
        }
        if (seq < expectedSeq) {
          const what = seen.get(seq) === decoded.claimed ? 'a copy of an earlier record' : 'a record';
          return breakAt(
            'inserted',
            `Seq ${seq} appears again after seq ${expectedSeq - 1}: ${what} was inserted or moved here.`,
            f.file,
            lineNo,
            seq,
          );
        }
        const laterHasExpected = seqAppearsLater(files, fi, lineNo, expectedSeq);
        if (laterHasExpected) {
          return breakAt(
            'reordered',
            `Seq ${seq} stands where seq ${expectedSeq} belongs: records were reordered.`,
            f.file,
            lineNo,
            expectedSeq,
          );
        }
        const gap = seq - expectedSeq;
        return breakAt(
          'deleted',
          `Record${gap > 1 ? 's' : ''} seq ${expectedSeq}${gap > 1 ? `–${seq - 1}` : ''} ${gap > 1 ? 'were' : 'was'} deleted (seq ${seq} follows seq ${expectedSeq - 1}).`,
          f.file,
          lineNo,
          expectedSeq,
        );
      }
      if (decoded.value.prev !== lastHash) {
        return breakAt(
          'edited',
          `Record seq ${seq - 1} was altered: seq ${seq} recorded a different hash for it.`,
          f.file,
          lineNo,
          seq - 1,
        );
      }
      if (anchor && seq === anchor.seq) {
        if (decoded.claimed !== anchor.hash) {
          return breakAt(
            'anchor-missing',
            `The anchored head seq ${anchor.seq} has a different hash now: the log was rewritten from there or before.`,
            f.file,
            lineNo,
            seq,
          );
        }
        anchorSeen = true;
      }
      seen.set(seq, decoded.claimed);
      if (seen.size > 4096) seen.delete(seq - 4096);
      lastHash = decoded.claimed;
      expectedSeq = seq + 1;
      records++;
      return true;
    });
  }

  if (!broken && anchor && !anchorSeen) {
    const last = files.at(-1);
    broken = {
      kind: 'anchor-missing',
      message: `The log ends at seq ${expectedSeq - 1} but the anchor is seq ${anchor.seq}: records after seq ${expectedSeq - 1} were removed.`,
      file: last ? path.basename(last.file) : '',
      line: 0,
      seq: anchor.seq,
    };
  }
  if (broken) return { intact: false, records, files: files.length, ...broken };
  return {
    intact: true,
    records,
    files: files.length,
    head: { seq: expectedSeq - 1, hash: lastHash },
    ...(anchor ? { anchor } : {}),
  };
}

function seqAppearsLater(files: { n: number; file: string }[], fromFile: number, fromLine: number, seq: number): boolean {
  let found = false;
  for (let fi = fromFile; fi < files.length && !found; fi++) {
    forEachLine(files[fi]!.file, (line, lineNo) => {
      if (fi === fromFile && lineNo <= fromLine) return true;
      const s = decodeLine(line)?.value.seq;
      if (s === seq) found = true;
      return !found;
    });
  }
  return found;
}

/** The recorded hash of each wanted seq, as the log files hold them now (absent when the record is gone). */
export function hashesAt(dir: string, wanted: ReadonlySet<number>): Map<number, string> {
  const found = new Map<number, string>();
  for (const f of listLogFiles(dir)) {
    forEachLine(f.file, (line) => {
      const d = decodeLine(line);
      const seq = d?.value.seq;
      if (d && typeof seq === 'number' && wanted.has(seq)) found.set(seq, d.claimed);
      return found.size < wanted.size;
    });
    if (found.size === wanted.size) break;
  }
  return found;
}
