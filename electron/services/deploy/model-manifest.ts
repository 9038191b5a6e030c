import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';

export interface ModelFile {
  /** Relative to the model's directory, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface ModelManifest {
  files: ModelFile[];
  /** SHA-256 of the manifest itself (paths, sizes, hashes, sorted): the model's identity in the revision. */
  digest: string;
}

/** Names a node's shell and `sha256sum -c` take safely: no spaces, quotes, newlines or `..`. */
const SAFE = /^[A-Za-z0-9._+@-]+(?:\/[A-Za-z0-9._+@-]+)*$/;

const bad = (dir: string, why: string) =>
  new AppErrorException(
    appError('VALIDATION', `The model ${dir} cannot be placed: ${why}`, 'Fix the model directory (model.source) and apply again.'),
  );

/** The manifest as a node keeps it beside the version: `SHA256 SIZE PATH` per line, sorted by path. */
export const manifestLines = (files: ModelFile[]) => files.map((f) => `${f.sha256} ${f.size} ${f.path}\n`).join('');
export const manifestDigest = (lines: string) => `sha256:${crypto.createHash('sha256').update(lines).digest('hex')}`;

/** A manifest a node holds, believed only when its lines hash to the digest the revision names. */
export function parseManifest(text: string, digest: string): ModelManifest | undefined {
  if (manifestDigest(text) !== digest) return undefined;
  const files = text
    .split('\n')
    .filter(Boolean)
    .map((l) => /^([0-9a-f]{64}) (\d+) (\S+)$/.exec(l))
    .map((m) => (m && SAFE.test(m[3]!) ? { sha256: m[1]!, size: Number(m[2]), path: m[3]! } : undefined));
  return files.every(Boolean) ? { files: files as ModelFile[], digest } : undefined;
}

/** Size and SHA-256 of a file, read in blocks (model weights run to gigabytes). */
function hashFile(file: string): { size: number; sha256: string } {
  const hash = crypto.createHash('sha256');
  const block = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (let n; (n = fs.readSync(fd, block, 0, block.length, null)) > 0; size += n) hash.update(block.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Every file of a model directory on the console with its size and SHA-256, sorted by path, and
 * the manifest's own digest. Symbolic links and special files are refused (a link could point
 * anywhere on the console), as are names a node's tools could misread.
 */
export function modelManifest(dir: string): ModelManifest {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw bad(dir, 'it is not a directory on this machine');
  const files: ModelFile[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name === '.edgeward-manifest') continue;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) {
        if (!SAFE.test(name) || name.split('/').some((p) => p === '..' || p === '.'))
          throw bad(dir, `the file name ${JSON.stringify(name)} has characters a node's tools could misread`);
        files.push({ path: name, ...hashFile(path.join(dir, name)) });
      } else throw bad(dir, `${name} is a link or special file, not a regular file`);
    }
  };
  walk('');
  if (!files.length) throw bad(dir, 'it holds no file');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, digest: manifestDigest(manifestLines(files)) };
}
