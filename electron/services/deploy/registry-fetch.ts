import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pack as tarPack } from 'tar-stream';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseImageRef } from '../../../shared/deploy/image-ref.js';
import { readImageArchive, type ImageArchive } from './image-archive.js';
import { MANIFEST_TYPES, RegistryError, RepositoryClient, type Manifest, type RegistryOptions } from './registry.js';

/** Archives the console keeps (least recently used go first). */
const KEEP = 3;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string };
}

const isDescriptor = (d: unknown): d is Descriptor =>
  !!d &&
  typeof (d as Descriptor).digest === 'string' &&
  DIGEST.test((d as Descriptor).digest) &&
  Number.isSafeInteger((d as Descriptor).size) &&
  (d as Descriptor).size >= 0;

const isIndex = (m: Manifest) => m.mediaType === MANIFEST_TYPES.ociIndex || m.mediaType === MANIFEST_TYPES.dockerList;

export interface FetchProgress {
  have: number;
  total: number;
}

/**
 * The console's own copy of a registry image, for nodes that cannot reach the registry
 * (`delivery: push` without an archive, or `auto`): the pinned manifest for the node's platform,
 * its config and layers, each checked against its digest as it streams in, written as an OCI
 * archive (`podman load` keeps the manifest digest, so the node then holds `repo@digest` exactly
 * as if it had pulled). One fetch per image and platform, shared by every node waiting for it.
 */
export class ConsoleImages {
  private readonly fetching = new Map<string, { done: Promise<ImageArchive>; listeners: Set<(p: FetchProgress) => void> }>();

  constructor(
    private readonly dir: string,
    private readonly options: () => RegistryOptions,
  ) {}

  fetch(pinnedImage: string, arch: string, signal?: AbortSignal, onProgress?: (p: FetchProgress) => void): Promise<ImageArchive> {
    const ref = parseImageRef(pinnedImage);
    if ('error' in ref || !ref.digest || !DIGEST.test(ref.digest))
      throw new Error(`${pinnedImage} is not pinned to a sha256 digest: the console fetches only what it pinned`);
    if (!/^[a-z0-9]{1,32}$/.test(arch)) throw new Error(`unknown node architecture ${JSON.stringify(arch)}`);
    const file = path.join(this.dir, `${ref.digest.slice(7)}-${arch}.oci.tar`);
    let entry = this.fetching.get(file);
    if (!entry) {
      const listeners = new Set<(p: FetchProgress) => void>();
      const name = `${ref.domain ?? 'docker.io'}/${ref.path}:${ref.tag ?? `edgeward-${ref.digest.slice(7, 19)}`}`;
      const done = this.fetchOnce(new RepositoryClient(ref, this.options()), ref.digest, name, arch, file, signal, (p) =>
        listeners.forEach((l) => l(p)),
      ).finally(() => this.fetching.delete(file));
      entry = { done, listeners };
      this.fetching.set(file, entry);
    }
    if (onProgress) entry.listeners.add(onProgress);
    return entry.done;
  }

  private async fetchOnce(
    client: RepositoryClient,
    digest: string,
    name: string,
    arch: string,
    file: string,
    signal: AbortSignal | undefined,
    progress: (p: FetchProgress) => void,
  ): Promise<ImageArchive> {
    if (fs.existsSync(file)) {
      const now = new Date();
      fs.utimesSync(file, now, now);
      return readImageArchive(file);
    }
    const fail = (why: string) =>
      new AppErrorException(
        appError(
          'UNAVAILABLE',
          `The console cannot fetch ${name.replace(/:[^:/]*$/, '')}@${digest.slice(0, 19)}… from ${client.host} to push it: ${why}`,
          'Check that this console reaches the registry with its CA and login (Settings → Registries), or give push.archive.',
        ),
      );
    try {
      const top = await client.manifest(digest, signal);
      let image = top;
      if (isIndex(top)) {
        const list = (JSON.parse(top.body.toString('utf8')) as { manifests?: unknown[] }).manifests ?? [];
        const mine = list.filter(isDescriptor).find((d) => d.platform?.os === 'linux' && d.platform.architecture === arch);
        if (!mine) {
          const has = list
            .filter(isDescriptor)
            .map((d) => `${d.platform?.os}/${d.platform?.architecture}`)
            .join(', ');
          throw fail(`it has no image for linux/${arch} (it has ${has || 'none'})`);
        }
        image = await client.manifest(mine.digest, signal);
      }
      const parsed = JSON.parse(image.body.toString('utf8')) as { config?: unknown; layers?: unknown[] };
      if (!isDescriptor(parsed.config) || !Array.isArray(parsed.layers) || !parsed.layers.every(isDescriptor))
        throw fail(`its manifest ${image.digest.slice(0, 19)}… is not an image manifest`);
      const blobs = [parsed.config, ...(parsed.layers as Descriptor[])].filter(
        (d, i, all) => all.findIndex((x) => x.digest === d.digest) === i,
      );
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      await this.writeArchive(client, top, image, blobs, name, `${file}.part`, signal, progress);
      fs.renameSync(`${file}.part`, file);
      this.prune();
      return await readImageArchive(file);
    } catch (err) {
      fs.rmSync(`${file}.part`, { force: true });
      if (err instanceof RegistryError) throw fail(err.message);
      throw err;
    }
  }

  /** The OCI layout as one tar, streamed: `oci-layout`, `index.json` naming the top manifest, then every blob. */
  private async writeArchive(
    client: RepositoryClient,
    top: Manifest,
    image: Manifest,
    blobs: Descriptor[],
    name: string,
    part: string,
    signal: AbortSignal | undefined,
    progress: (p: FetchProgress) => void,
  ): Promise<void> {
    const pack = tarPack();
    const out = fs.createWriteStream(part, { mode: 0o600 });
    const written = new Promise<void>((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
      pack.on('error', reject);
    });
    pack.pipe(out);
    const small = (entryName: string, body: Buffer | string) =>
      new Promise<void>((resolve, reject) => pack.entry({ name: entryName, mtime: new Date(0) }, body, (e) => (e ? reject(e) : resolve())));
    try {
      await small('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
      const index = {
        schemaVersion: 2,
        manifests: [
          {
            mediaType: top.mediaType,
            digest: top.digest,
            size: top.body.length,
            annotations: { 'org.opencontainers.image.ref.name': name },
          },
        ],
      };
      await small('index.json', JSON.stringify(index));
      for (const m of top === image ? [top] : [top, image]) await small(`blobs/sha256/${m.digest.slice(7)}`, m.body);
      const total = blobs.reduce((a, b) => a + b.size, 0);
      let have = 0;
      for (const b of blobs) {
        const entry = pack.entry({ name: `blobs/sha256/${b.digest.slice(7)}`, size: b.size, mtime: new Date(0) });
        const closed = new Promise<void>((resolve, reject) => entry.on('finish', resolve).on('error', reject));
        await client.blob(
          b.digest,
          b.size,
          async (chunk) => {
            have += chunk.length;
            progress({ have, total });
            if (!entry.write(chunk)) await once(entry, 'drain');
          },
          signal,
        );
        entry.end(undefined);
        await closed;
      }
      pack.finalize();
      await written;
      const fd = fs.openSync(part, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } catch (err) {
      pack.destroy();
      out.destroy();
      await written.catch(() => undefined);
      throw err;
    }
  }

  /** Least recently used archives beyond KEEP go. */
  private prune(): void {
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.oci.tar'))
      .map((f) => ({ f, t: fs.statSync(path.join(this.dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP)) fs.rmSync(path.join(this.dir, f), { force: true });
  }
}
