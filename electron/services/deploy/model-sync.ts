import fs from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../ssh/shell-quote.js';
import { manifestLines, parseManifest, type ModelFile, type ModelManifest } from './model-manifest.js';
import { modelDir } from '../runtime/runtime-commands.js';
import { lastLine, type NodeExec } from './node-exec.js';

/** Versions of a model a node keeps (the current one, and the ones a rollback would go back to). */
const KEEP = 3;
const MANIFEST = '.edgeward-manifest';

/** What `sha256sum -c` reads: `SHA256  PATH` per line. */
const checkList = (m: ModelManifest) => m.files.map((f) => `${f.sha256}  ${f.path}\n`).join('');

/** The version the node holds complete, if its manifest there is the revision's (checked by digest). */
export async function heldModel(
  exec: NodeExec,
  node: string,
  hostPath: string,
  digest: string,
  signal: AbortSignal,
): Promise<ModelManifest | undefined> {
  const r = await exec(node, `cat ${shellQuote(`${modelDir(hostPath, digest)}/${MANIFEST}`)} 2>/dev/null`, { signal });
  return r.exitCode === 0 ? parseManifest(r.stdout.toString('utf8'), digest) : undefined;
}

export interface PlacedModel {
  sent: number;
  sentBytes: number;
  reused: number;
  /** Bytes that crossed the site link to the cache for this node (none when another node's transfer brought them). */
  viaCache?: { cache: string; linkBytes: number };
}

/** A node behind a site cache gets the files it lacks from there, inside the site. */
export interface ModelRelay {
  cache: string;
  /** The files into `incoming` on the node (of the version `manifest`); resolves with the bytes sent over the site link for them. */
  place(incoming: string, files: ModelFile[], manifest: ModelManifest): Promise<number>;
}

/**
 * Puts a model version on a node: files the node already holds in another version (same SHA-256)
 * are copied there on the node, only the others cross the link; the version appears under its
 * digest only once complete. Older versions stay (a rollback finds its own), the oldest beyond
 * KEEP go.
 */
export async function placeModel(
  exec: NodeExec,
  node: string,
  source: string,
  hostPath: string,
  manifest: ModelManifest,
  signal: AbortSignal,
  progress: (line: string) => void,
  relay?: ModelRelay,
): Promise<PlacedModel> {
  const dir = modelDir(hostPath, manifest.digest);
  const root = shellQuote(hostPath);
  const q = (p: string) => shellQuote(p);
  const held = await exec(
    node,
    `mkdir -p ${root} && for m in ${root}/sha256-*/${MANIFEST}; do [ -f "$m" ] && sed "s|^\\([0-9a-f]*\\) [0-9]* |\\1  $(dirname "$m")/|" "$m"; done; true`,
    { signal },
  );
  if (held.exitCode !== 0) throw new Error(`cannot prepare ${hostPath} on ${node}: ${lastLine(held)}`);
  const have = new Map<string, string>();
  for (const line of held.stdout.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) have.set(m[1]!, m[2]!);
  }
  if ([...have.values()].some((p) => p.startsWith(`${dir}/`))) return { sent: 0, sentBytes: 0, reused: manifest.files.length };
  const incoming = `${hostPath.replace(/\/+$/, '')}/.incoming-${manifest.digest.slice(7)}`;
  await exec(node, `rm -rf ${q(incoming)} && mkdir -p ${q(incoming)}`, { signal });
  const reuse = manifest.files.filter((f) => have.has(f.sha256));
  if (reuse.length) {
    const copy = reuse
      .map(
        (f) =>
          `mkdir -p ${q(path.posix.dirname(`${incoming}/${f.path}`))} && cp --reflink=auto ${q(have.get(f.sha256)!)} ${q(`${incoming}/${f.path}`)}`,
      )
      .join(' && ');
    const copied = await exec(node, copy, { signal, timeoutMs: 3_600_000 });
    if (copied.exitCode !== 0) throw new Error(`copying the model's unchanged files on ${node} failed: ${lastLine(copied)}`);
  }
  let sentBytes = 0;
  const send = manifest.files.filter((f) => !have.has(f.sha256));
  let linkBytes = 0;
  if (relay && send.length) {
    progress(
      `placing the model ${manifest.digest.slice(0, 19)}…: ${send.length} file(s) through the site cache ${relay.cache}, ${reuse.length} reused`,
    );
    linkBytes = await relay.place(incoming, send, manifest);
    sentBytes = send.reduce((a, f) => a + f.size, 0);
  }
  for (const [i, f] of (relay ? [] : send).entries()) {
    progress(`placing the model ${manifest.digest.slice(0, 19)}…: sending ${f.path} (${i + 1} of ${send.length}), ${reuse.length} reused`);
    const target = `${incoming}/${f.path}`;
    const wrote = await exec(node, `mkdir -p ${q(path.posix.dirname(target))} && cat > ${q(target)}`, {
      signal,
      stdin: fs.createReadStream(path.join(source, f.path)),
      timeoutMs: 24 * 3_600_000,
    });
    if (wrote.exitCode !== 0) throw new Error(`sending ${f.path} to ${node} failed: ${lastLine(wrote)}`);
    sentBytes += f.size;
  }
  const done = await exec(
    node,
    `cat > ${q(`${incoming}/${MANIFEST}`)} && rm -rf ${q(dir)} && mv ${q(incoming)} ${q(dir)} && cd ${root} && ls -dt sha256-* | tail -n +${KEEP + 1} | xargs -r rm -rf`,
    { signal, stdin: manifestLines(manifest.files) },
  );
  if (done.exitCode !== 0) throw new Error(`completing the model on ${node} failed: ${lastLine(done)}`);
  return { sent: send.length, sentBytes, reused: reuse.length, ...(relay ? { viaCache: { cache: relay.cache, linkBytes } } : {}) };
}

/**
 * Before the health gate: every file of the version, as the node reads it now, against the
 * manifest. A corrupted or missing file fails the node, naming the file.
 */
export async function verifyModel(
  exec: NodeExec,
  node: string,
  hostPath: string,
  manifest: ModelManifest,
  signal: AbortSignal,
): Promise<void> {
  const dir = modelDir(hostPath, manifest.digest);
  const checked = await exec(node, `cd ${shellQuote(dir)} && sha256sum -c --quiet - 2>&1`, {
    signal,
    stdin: checkList(manifest),
    timeoutMs: 3_600_000,
  });
  if (checked.exitCode === 0) return;
  const failed = checked.stdout
    .toString('utf8')
    .split('\n')
    .map((l) => /^(.+): FAILED/.exec(l)?.[1] ?? /^sha256sum: (.+): No such file/.exec(l)?.[1])
    .filter(Boolean);
  throw new Error(
    failed.length
      ? `the model on ${node} is not what was sent: ${failed.slice(0, 5).join(', ')} differ from the manifest (a failing disk?); refused before the health gate`
      : `the model on ${node} could not be checked: ${lastLine(checked)}`,
  );
}
