import fs from 'node:fs';
import { sha256Hex } from '../audit/canonical.js';
import type { ExecResult } from '../ssh/exec.js';
import type { Runtime } from '../runtime/runtime-commands.js';
import type { ImageArchive } from './image-archive.js';
import { lastLine, sleep, type NodeExec } from './node-exec.js';

export interface PushOptions {
  /** Bytes per chunk: a cut link costs at most one chunk again. */
  chunkBytes?: number;
  /** A cap on the link's use (bytes/s, averaged over chunks), so a daytime transfer leaves room for PACS traffic. */
  limitBytesPerS?: number;
  signal?: AbortSignal;
  onProgress?: (p: { sent: number; have: number; total: number }) => void;
}

export interface PushResult {
  /** Bytes this call sent over the link (the stdin of its commands). */
  sentBytes: number;
  /** Where the transfer started: the bytes the node already held, verified. */
  resumedFrom: number;
}

const MiB = 1024 * 1024;
const DEFAULT_CHUNK = 16 * MiB;

/**
 * The node's copy of an archive: under its user's cache, named by the file's SHA-256 (two archives
 * of one image differ byte for byte), hex only: nothing from a user reaches the shell. `hex` is
 * the image id the node must hold once it is loaded.
 */
export function nodeCopyPaths(archive: ImageArchive) {
  const hex = archive.imageId.slice('sha256:'.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not an image id: ${archive.imageId}`);
  if (!/^[0-9a-f]{64}$/.test(archive.sha256)) throw new Error(`not a SHA-256: ${archive.sha256}`);
  // Per host: a home directory shared by several nodes (NFS) must not mix their copies.
  const dir = '"${HOME:-/tmp}/.cache/edgeward/images/$(hostname)"';
  return { hex, dir, part: `${dir}/${archive.sha256}.tar.part`, done: `${dir}/${archive.sha256}.tar` };
}

function readRange(file: string, start: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = fs.readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

const hashOf = (r: ExecResult) => /^[0-9a-f]{64}/.exec(r.stdout.toString('utf8').trim())?.[0];

/**
 * Sends an image archive to a node over its SSH connection (through its gateways), chunk by
 * chunk, each chunk's SHA-256 checked by the node as it is written. A transfer that was cut
 * resumes from the last chunk the node still holds intact (checked again, not trusted), so a cut
 * at 50 % costs the rest plus at most one chunk, never a restart from zero.
 */
export async function pushArchive(exec: NodeExec, node: string, archive: ImageArchive, o: PushOptions = {}): Promise<PushResult> {
  const chunk = o.chunkBytes ?? DEFAULT_CHUNK;
  if (chunk % MiB !== 0) throw new Error(`chunks are whole MiB, not ${chunk} bytes`);
  const p = nodeCopyPaths(archive);
  const signal = o.signal ? { signal: o.signal } : {};
  const probe = await exec(
    node,
    `mkdir -p ${p.dir} && chmod 700 ${p.dir} && if [ -f ${p.done} ]; then echo done $(stat -c %s ${p.done}); else echo part $(stat -c %s ${p.part} 2>/dev/null || echo 0); fi; head --version 2>/dev/null | head -n 1`,
    signal,
  );
  const [first = '', version = ''] = probe.stdout.toString('utf8').split('\n');
  const [kind, sizeText] = first.trim().split(/\s+/);
  // GNU head -c reads no more than it writes, so one command can take chunk after chunk from one stream.
  const gnuHead = /GNU coreutils/.test(version);
  if (probe.exitCode !== 0 || !kind) throw new Error(`cannot prepare ${node} for the image: ${lastLine(probe)}`);
  const held = Number(sizeText) || 0;
  if (kind === 'done' && held === archive.size) return { sentBytes: 0, resumedFrom: archive.size };
  // Resume at a chunk boundary the node still holds intact: the chunk before it is checked again.
  let offset = Math.min(Math.floor(held / chunk) * chunk, Math.floor(archive.size / chunk) * chunk);
  while (offset > 0) {
    const theirs = await exec(node, `tail -c +${offset - chunk + 1} ${p.part} | head -c ${chunk} | sha256sum`, signal);
    if (hashOf(theirs) === sha256Hex(readRange(archive.file, offset - chunk, chunk))) break;
    offset -= chunk;
  }
  const resumedFrom = offset;
  const cut = await exec(node, `touch ${p.part} && truncate -s ${offset} ${p.part}`, signal);
  if (cut.exitCode !== 0) throw new Error(`cannot resume the image on ${node}: ${lastLine(cut)}`);
  let sent = 0;
  const started = Date.now();
  const pace = async (extra: number) => {
    if (!o.limitBytesPerS) return;
    const due = started + ((sent + extra) / o.limitBytesPerS) * 1000;
    if (due > Date.now()) await sleep(due - Date.now(), o.signal);
  };
  let stalled = 0;
  while (offset < archive.size) {
    if (o.signal?.aborted) throw new Error('cancelled');
    if (stalled >= 3) throw new Error(`${node} did not keep a chunk intact three times in a row: check its disk`);
    // The rest in one command: the node appends chunk after chunk and prints each one's SHA-256
    // as it lands; one chunk per command where head might read past its count (not GNU).
    const lengths: number[] = [];
    for (let at = offset; at < archive.size && (gnuHead || lengths.length === 0); at += chunk)
      lengths.push(Math.min(chunk, archive.size - at));
    const expected: string[] = [];
    const from = offset;
    async function* body(): AsyncGenerator<Buffer> {
      let at = from;
      for (const len of lengths) {
        if (o.signal?.aborted) return;
        const bytes = readRange(archive.file, at, len);
        expected.push(sha256Hex(bytes));
        at += len;
        await pace(len);
        sent += len;
        yield bytes;
      }
    }
    let good = 0;
    let bad = false;
    const n = lengths.length;
    const end = from + lengths.reduce((a, b) => a + b, 0);
    // Each chunk lands at its own offset (dd seek), not appended: a writer of an earlier, cut
    // connection that the node has not reaped yet can only write the same bytes where they belong.
    const t = `${p.part}.$$`;
    const script = `n=${n}; i=1; at=${from / MiB}; while [ $i -le $n ]; do len=${chunk}; [ $i -eq $n ] && len=${lengths[n - 1]}; head -c $len > ${t} && dd if=${t} of=${p.part} bs=${MiB} seek=$at conv=notrunc 2>/dev/null && sha256sum ${t} || break; at=$((at + ${chunk / MiB})); i=$((i + 1)); done; rm -f ${t}`;
    const wrote = await exec(node, script, {
      ...signal,
      stdin: body(),
      timeoutMs: 24 * 3_600_000,
      onLine: (line) => {
        // Each hash as it arrives: one more chunk the node holds, checked. After a bad one, nothing counts.
        if (!bad && good < expected.length && line.startsWith(expected[good]!)) {
          offset += lengths[good]!;
          good++;
          o.onProgress?.({ sent, have: offset, total: archive.size });
        } else bad = true;
      },
    });
    if (offset < end) {
      // A chunk that did not arrive whole: back to the last good boundary, and on from there.
      await exec(node, `truncate -s ${offset} ${p.part}`, signal);
      if (wrote.exitCode !== 0) throw new Error(`writing the image on ${node} failed: ${lastLine(wrote)}`);
    }
    stalled = offset === from ? stalled + 1 : 0;
  }
  // The whole file, as the node holds it, before it counts as there.
  const whole = await exec(node, `sha256sum ${p.part}`, { ...signal, timeoutMs: 600_000 });
  if (hashOf(whole) !== archive.sha256) {
    await exec(node, `rm -f ${p.part}`, signal);
    throw new Error(
      `the image arrived on ${node} changed (SHA-256 ${hashOf(whole)?.slice(0, 16) ?? 'unreadable'}…): removed; the next try sends it again`,
    );
  }
  const fin = await exec(node, `mv -f ${p.part} ${p.done}`, signal);
  if (fin.exitCode !== 0) throw new Error(`cannot complete the image on ${node}: ${lastLine(fin)}`);
  return { sentBytes: sent, resumedFrom };
}

/**
 * Loads the pushed archive into the node's runtime and checks that the node now holds exactly the
 * image id the console computed from the archive; the copy is removed once loaded.
 */
export async function loadPushed(
  exec: NodeExec,
  node: string,
  rt: Runtime,
  archive: ImageArchive,
  signal?: AbortSignal,
  /** A site cache keeps its copy for the site's other nodes. */
  keep = false,
): Promise<void> {
  const p = nodeCopyPaths(archive);
  const loaded = await exec(node, `${rt} load -i ${p.done} 2>&1`, { ...(signal ? { signal } : {}), timeoutMs: 1_800_000 });
  if (loaded.exitCode !== 0) throw new Error(`${rt} load failed on ${node}: ${lastLine(loaded)}`);
  const id = await exec(node, `${rt} image inspect --format '{{.Id}}' ${p.hex} 2>/dev/null`, signal ? { signal } : {});
  const got = id.stdout
    .toString('utf8')
    .trim()
    .replace(/^sha256:/, '');
  if (got !== p.hex)
    throw new Error(
      `${node} loaded the archive but reports ${got ? `sha256:${got.slice(0, 64)}` : 'no such image'}; the archive holds ${archive.imageId}: refused`,
    );
  if (!keep) await exec(node, `rm -f ${p.done}`, signal ? { signal } : {});
}
