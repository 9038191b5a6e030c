/**
 * The code a verify worker thread runs, as source text: it is started with `eval: true` so that it works
 * the same from the esbuild bundle, from tsx (CLI, bench) and under vitest, none of which can hand a
 * TypeScript file to `new Worker`. Plain CommonJS, no imports of ours; kept small on purpose.
 *
 * A job is a byte range of one log file that starts at a line and ends after one. For each line the worker
 * checks what the serial verifier checks (a record with a numeric seq and a string prev, its bytes hash to
 * the hash it claims, each record follows the one before) and answers only with the range's two ends, so
 * the main thread can link the ranges. Anything off makes it answer `ok: false`: the caller then lets the
 * serial verifier find and explain the break, which keeps one account of what a break is.
 */
export const SEGMENT_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { isUtf8 } = require('node:buffer');
const PREFIX = /^\{"hash":"([0-9a-f]{64})",/;
const PREFIX_LENGTH = 75;
const sha256 = typeof crypto.hash === 'function'
  ? (b) => crypto.hash('sha256', b, 'hex')
  : (b) => crypto.createHash('sha256').update(b).digest('hex');

function check(job) {
  const size = job.end - job.start;
  const buf = Buffer.allocUnsafe(size);
  const fd = fs.openSync(job.file, 'r');
  let got = 0;
  try {
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, job.start + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const res = { id: job.id, ok: got === size, count: 0, firstSeq: 0, firstPrev: '', lastSeq: 0, lastHash: '', anchorHash: null };
  let pos = 0;
  while (res.ok && pos < got) {
    let nl = buf.indexOf(10, pos);
    if (nl < 0) nl = got;
    const bytes = buf.subarray(pos, nl);
    const line = bytes.toString('utf8');
    const m = PREFIX.exec(line);
    let v;
    try {
      v = m ? JSON.parse(line) : undefined;
    } catch (e) {
      v = undefined;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v) || typeof v.seq !== 'number' || typeof v.prev !== 'string' || !isUtf8(bytes)) {
      res.ok = false;
      break;
    }
    // The hashed bytes are the line with its hash member cut out: '{' then everything after the prefix.
    buf[pos + PREFIX_LENGTH - 1] = 0x7b;
    if (sha256(buf.subarray(pos + PREFIX_LENGTH - 1, nl)) !== m[1]) {
      res.ok = false;
      break;
    }
    if (res.count === 0) {
      res.firstSeq = v.seq;
      res.firstPrev = v.prev;
    } else if (v.seq !== res.lastSeq + 1 || v.prev !== res.lastHash) {
      res.ok = false;
      break;
    }
    if (v.seq === job.anchorSeq) res.anchorHash = m[1];
    res.lastSeq = v.seq;
    res.lastHash = m[1];
    res.count++;
    pos = nl + 1;
  }
  return res;
}

parentPort.on('message', (job) => {
  try {
    parentPort.postMessage(check(job));
  } catch (e) {
    parentPort.postMessage({ id: job.id, ok: false, error: String(e && e.message) });
  }
});
`;
