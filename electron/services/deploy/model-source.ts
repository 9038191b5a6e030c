import fs from 'node:fs';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseImageRef, pinned, type ImageRef } from '../../../shared/deploy/image-ref.js';
import { modelManifest, type ModelManifest } from './model-manifest.js';
import { RegistryError, RepositoryClient, type RegistryOptions } from './registry.js';

/** Artifacts the console keeps (least recently used go first). */
const KEEP = 3;
const TITLE = 'org.opencontainers.image.title';
/** `oras push DIR` packs a directory as one gzipped tar layer marked so. */
const UNPACK = 'io.deis.oras.content.unpack';
const SAFE = /^[A-Za-z0-9._+@-]+(?:\/[A-Za-z0-9._+@-]+)*$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

interface Layer {
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const isArtifact = (source: string) => !source.startsWith('/');

/**
 * Where a model's files come from: a directory on the console, or an OCI artifact in a registry
 * that the console fetches (each file checked against its layer digest) into `DATA/models`. The
 * manifest is taken once per model version and kept for every node that needs it.
 */
export class ModelSources {
  private readonly known = new Map<string, { dir: string; manifest: ModelManifest }>();

  constructor(
    private readonly dir: string,
    private readonly options: () => RegistryOptions,
  ) {}

  /** At plan: the source as the revision keeps it (an artifact pinned to its digest) and the model's digest. */
  async resolve(source: string, signal?: AbortSignal): Promise<{ source: string; digest: string }> {
    if (!isArtifact(source)) return { source, digest: this.remember(source, modelManifest(source)) };
    const ref = parseImageRef(source) as ImageRef;
    const got = await this.fetch(ref, signal);
    return { source: pinned(ref, got.digest), digest: this.remember(got.dir, modelManifest(got.dir)) };
  }

  /** At a node: the files of the revision's model and their manifest, which must still be its digest. */
  async local(
    model: { source: string; digest?: string | undefined },
    signal?: AbortSignal,
  ): Promise<{ dir: string; manifest: ModelManifest }> {
    const have = model.digest ? this.known.get(model.digest) : undefined;
    if (have) return have;
    const dir = isArtifact(model.source) ? (await this.fetch(parseImageRef(model.source) as ImageRef, signal)).dir : model.source;
    const manifest = modelManifest(dir);
    if (model.digest && manifest.digest !== model.digest)
      throw new Error(`${model.source} now holds model ${manifest.digest}, not ${model.digest}: it changed since the apply`);
    this.remember(dir, manifest);
    return { dir, manifest };
  }

  private remember(dir: string, manifest: ModelManifest): string {
    this.known.set(manifest.digest, { dir, manifest });
    return manifest.digest;
  }

  /** The artifact's files under `DATA/models/HEX`, fetched unless a complete copy is there. */
  private async fetch(ref: ImageRef, signal?: AbortSignal): Promise<{ digest: string; dir: string }> {
    const client = new RepositoryClient(ref, this.options());
    const fail = (why: string) =>
      new AppErrorException(
        appError(
          'UNAVAILABLE',
          `Cannot fetch the model ${ref.path}${ref.tag ? `:${ref.tag}` : ''} from ${client.host}: ${why}`,
          'Check the model source in the spec and that this console reaches the registry (Settings → Registries).',
        ),
      );
    try {
      const manifest = await client.manifest(ref.digest ?? ref.tag ?? 'latest', signal);
      const dir = path.join(this.dir, manifest.digest.slice(7));
      if (fs.existsSync(dir)) {
        const now = new Date();
        fs.utimesSync(dir, now, now);
        return { digest: manifest.digest, dir };
      }
      const layers = ((JSON.parse(manifest.body.toString('utf8')) as { layers?: Layer[] }).layers ?? []).filter(
        (l) => l && DIGEST.test(l.digest) && Number.isSafeInteger(l.size),
      );
      if (!layers.length) throw fail('its manifest names no file (layers)');
      const part = `${dir}.part`;
      fs.rmSync(part, { recursive: true, force: true });
      try {
        await this.fetchLayers(client, layers, part, fail, signal);
      } catch (err) {
        fs.rmSync(part, { recursive: true, force: true });
        throw err;
      }
      fs.renameSync(part, dir);
      this.prune();
      return { digest: manifest.digest, dir };
    } catch (err) {
      if (err instanceof RegistryError) throw fail(err.message);
      throw err;
    }
  }

  /** Each layer to its title's path under `part`, checked against its digest as it streams in. */
  private async fetchLayers(
    client: RepositoryClient,
    layers: Layer[],
    part: string,
    fail: (why: string) => Error,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const l of layers) {
      const title = l.annotations?.[TITLE];
      if (l.annotations?.[UNPACK] === 'true')
        throw fail(`${title ?? l.digest} is a packed directory; push the files themselves (oras push FILE…), each under its path`);
      if (!title || !SAFE.test(title) || title.split('/').some((p) => p === '..' || p === '.'))
        throw fail(`a layer (${l.digest.slice(0, 19)}…) has no file name a node could take (${JSON.stringify(title ?? null)})`);
      const file = path.join(part, title);
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      if (fs.existsSync(file)) throw fail(`two of its layers are named ${title}`);
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        await client.blob(l.digest, l.size, (c) => void fs.writeSync(fd, c), signal);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  private prune(): void {
    const dirs = fs
      .readdirSync(this.dir)
      .filter((d) => /^[0-9a-f]{64}$/.test(d))
      .map((d) => ({ d, t: fs.statSync(path.join(this.dir, d)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { d } of dirs.slice(KEEP)) fs.rmSync(path.join(this.dir, d), { recursive: true, force: true });
  }
}
