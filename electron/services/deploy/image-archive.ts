import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { AppErrorException, appError } from '../../../shared/errors.js';

/** An image archive on the console (`podman save` / `docker save`, or an OCI archive) and the image it holds. */
export interface ImageArchive {
  file: string;
  size: number;
  /** The image id once loaded: the digest of its config (`sha256:…`), as every runtime computes it. */
  imageId: string;
  repoTags: string[];
  /** SHA-256 of the whole file, which a node fetching it inside its site checks before loading. */
  sha256: string;
}

const SMALL = 4 * 1024 * 1024;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

const bad = (file: string, why: string) =>
  new AppErrorException(
    appError(
      'VALIDATION',
      `${file} is not an image archive Edgeward can push: ${why}`,
      'Give a file made by podman save or docker save (docker or OCI archive).',
    ),
  );

/**
 * Reads the archive's index (docker `manifest.json`, or OCI `index.json` and the manifest it
 * names) and hashes the image config, so the console knows the image id every node must end up
 * with, before any byte is sent. Large entries (layers) are skipped, not held.
 */
export async function readImageArchive(file: string): Promise<ImageArchive> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new AppErrorException(
      appError(
        'NOT_FOUND',
        `Cannot read the image archive ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        'Check the path in the spec (push.archive).',
      ),
    );
  }
  // Every node of a rollout asks again, several at once: the archive is read and hashed once while
  // it stays as it was (the nodes check what they end up with against this anyway).
  const key = `${file}|${stat.size}|${stat.mtimeMs}`;
  let pending = reading.get(key);
  if (!pending) {
    reading.clear();
    pending = readWhole(file, stat.size);
    reading.set(key, pending);
    pending.catch(() => reading.delete(key));
  }
  return pending;
}

/** The last archive read (one entry: a rollout pushes one image). */
const reading = new Map<string, Promise<ImageArchive>>();

async function readWhole(file: string, size: number): Promise<ImageArchive> {
  const small = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type === 'file' && (header.size ?? 0) <= SMALL && (name.endsWith('.json') || name.startsWith('blobs/sha256/'))) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => (small.set(name, Buffer.concat(chunks)), next()));
    } else {
      stream.on('end', () => next());
      stream.resume();
    }
  });
  const whole = crypto.createHash('sha256');
  const read = fs.createReadStream(file);
  read.on('data', (c) => whole.update(c as Buffer));
  try {
    await pipeline(read, ex);
  } catch (err) {
    throw bad(file, (err as Error).message);
  }
  const json = (name: string): unknown => {
    const b = small.get(name);
    if (!b) throw bad(file, `it has no ${name}`);
    try {
      return JSON.parse(b.toString('utf8'));
    } catch {
      throw bad(file, `${name} is not JSON`);
    }
  };
  if (small.has('manifest.json')) {
    const [m] = json('manifest.json') as { Config?: string; RepoTags?: string[] }[];
    if (!m?.Config) throw bad(file, 'manifest.json names no image config');
    const config = small.get(m.Config);
    if (!config) throw bad(file, `it has no ${m.Config}`);
    return {
      file,
      size,
      imageId: `sha256:${crypto.createHash('sha256').update(config).digest('hex')}`,
      repoTags: m.RepoTags ?? [],
      sha256: whole.digest('hex'),
    };
  }
  const index = json('index.json') as { manifests?: { digest?: string; annotations?: Record<string, string> }[] };
  const top = index.manifests?.[0];
  if (!top?.digest || !DIGEST.test(top.digest)) throw bad(file, 'index.json names no manifest');
  let manifest = json(`blobs/sha256/${top.digest.slice(7)}`) as { config?: { digest?: string }; manifests?: { digest?: string }[] };
  if (manifest.manifests) {
    // An index (a multi-platform image): the one platform's manifest the archive carries.
    const held = manifest.manifests.find((m) => m.digest && DIGEST.test(m.digest) && small.has(`blobs/sha256/${m.digest.slice(7)}`));
    if (!held) throw bad(file, 'its index names no manifest the archive holds');
    manifest = json(`blobs/sha256/${held.digest!.slice(7)}`) as typeof manifest;
  }
  const id = manifest.config?.digest;
  if (!id || !DIGEST.test(id)) throw bad(file, 'its manifest names no config');
  const tag = top.annotations?.['org.opencontainers.image.ref.name'];
  return { file, size, imageId: id, repoTags: tag ? [tag] : [], sha256: whole.digest('hex') };
}
