import { shellQuote } from '../ssh/shell-quote.js';
import { pullCommand, type PullAccess, type Runtime } from '../runtime/runtime-commands.js';
import { checkNodeDigest, repoDigestsCommand } from './image-pin.js';
import { lastLine, type NodeExec } from './node-exec.js';
import type { ImageArchive } from './image-archive.js';
import { loadPushed, pushArchive } from './image-push.js';
import type { SiteCache } from './site-cache.js';
import type { ModelManifest } from './model-manifest.js';
import { heldModel, placeModel, verifyModel, type ModelRelay } from './model-sync.js';
import type { DeploymentSpec } from '../../../shared/deploy/spec.js';

/** Whether the node's runtime holds the image already (then nothing is pulled or sent). */
async function holdsImage(exec: NodeExec, node: string, rt: Runtime, image: string, signal: AbortSignal): Promise<boolean> {
  const have = await exec(node, `${rt} image inspect ${shellQuote(image)} >/dev/null 2>&1 && echo yes || echo no`, { signal });
  return have.stdout.toString().trim() === 'yes';
}

/**
 * A node's pull of the pinned image, unless it holds it already: progress from the runtime's own
 * lines (layers seen and done), the registry's CA and login when it needs them (the login on
 * stdin), cancelled with the rollout's signal; then the node must hold exactly the pinned digest.
 */
export async function pullPinned(
  exec: NodeExec,
  node: string,
  rt: Runtime,
  image: string,
  reach: { access: PullAccess; stdin?: string },
  signal: AbortSignal,
  progress: (line: string, fraction: number | null) => void,
): Promise<void> {
  if (!(await holdsImage(exec, node, rt, image, signal))) {
    let layers = 0;
    let done = 0;
    const pulled = await exec(node, `${pullCommand(rt, image, reach.access)} 2>&1`, {
      signal,
      timeoutMs: 3_600_000,
      ...(reach.stdin !== undefined ? { stdin: reach.stdin } : {}),
      onLine: (l) => {
        // docker: "<layer>: Pulling fs layer" … "Pull complete"; podman: "Copying blob …" … "done".
        if (/Pulling fs layer|Copying blob/.test(l)) layers++;
        if (/Pull complete|Already exists|done$|skipped/.test(l)) done++;
        progress(l, layers ? Math.min(1, done / layers) : null);
      },
    });
    if (pulled.exitCode !== 0) throw new Error(`pull failed: ${lastLine(pulled)}`);
  }
  await checkHeldDigest(exec, node, rt, image, signal);
}

/** A registry-pinned image: the node must now hold exactly that digest, however it got there. */
async function checkHeldDigest(exec: NodeExec, node: string, rt: Runtime, image: string, signal: AbortSignal): Promise<void> {
  if (!image.includes('@')) return;
  const held = await exec(node, repoDigestsCommand(rt, image), { signal, timeoutMs: 30_000 });
  checkNodeDigest(node, image, held.stdout.toString('utf8'));
}

/** What a push sends: the spec's archive, or the console's copy of the registry image (fetched when first needed). */
export interface PushSource {
  archive: () => Promise<ImageArchive>;
  limitKiBps?: number | undefined;
}

const MiB = (n: number) => (n / 1048576).toFixed(1);

/**
 * A push: unless the node holds the image already, the console sends the archive over the node's
 * SSH connection (resuming a cut transfer), loads it, and checks the image id (and, for a
 * registry image, the digest the node now reports).
 */
export async function pushPinned(
  exec: NodeExec,
  node: string,
  rt: Runtime,
  push: PushSource,
  image: string,
  signal: AbortSignal,
  progress: (line: string, fraction: number | null) => void,
  /** A node behind a gateway gets it through the site's cache (the gateway); a cache keeps its copy. */
  site: { cache?: string; nodeHost: string; sites: SiteCache; isCache: boolean },
): Promise<void> {
  if (await holdsImage(exec, node, rt, image, signal)) return checkHeldDigest(exec, node, rt, image, signal);
  const archive = await push.archive();
  if (!image.includes('@') && archive.imageId !== image)
    throw new Error(`${archive.file} now holds ${archive.imageId}, not ${image}: it changed since the apply`);
  const started = Date.now();
  const options = {
    signal,
    ...(push.limitKiBps ? { limitBytesPerS: push.limitKiBps * 1024 } : {}),
    onProgress: (p: { sent: number; have: number; total: number }) => {
      const rate = p.sent / Math.max(0.001, (Date.now() - started) / 1000);
      const eta = Math.round((p.total - p.have) / Math.max(1, rate));
      const to = site.cache ? ` to the site cache ${site.cache}` : '';
      progress(`sending the image${to}: ${MiB(p.have)} of ${MiB(p.total)} MiB, ${MiB(rate)} MiB/s, ${eta} s left`, p.have / p.total);
    },
  };
  if (site.cache) {
    await site.sites.ensure(site.cache, archive, options);
    progress(`fetching the image from the site cache ${site.cache}, inside the site`, null);
    await site.sites.fanOut(site.cache, node, site.nodeHost, archive, signal);
  } else {
    const sent = await pushArchive(exec, node, archive, options);
    progress(
      `loading the image (${MiB(sent.sentBytes)} MiB sent${sent.resumedFrom ? `, resumed at ${MiB(sent.resumedFrom)} MiB` : ''})`,
      1,
    );
  }
  await loadPushed(exec, node, rt, archive, signal, site.isCache);
  await checkHeldDigest(exec, node, rt, image, signal);
}

/**
 * The revision's model on the node, then checked file by file before the health gate: placed from
 * the console's directory unless the node holds that version complete (a rollback finds its own).
 */
export async function placeModelStep(
  exec: NodeExec,
  node: string,
  model: NonNullable<DeploymentSpec['model']>,
  /** The model's files on the console and their manifest (taken once per version, fetched if an artifact). */
  source: () => Promise<{ dir: string; manifest: ModelManifest }>,
  signal: AbortSignal,
  progress: (line: string) => void,
  relay?: (dir: string) => ModelRelay,
): Promise<void> {
  const digest = model.digest!;
  let manifest = await heldModel(exec, node, model.hostPath, digest, signal);
  if (!manifest) {
    const { dir, manifest: local } = await source();
    const placed = await placeModel(exec, node, dir, model.hostPath, local, signal, progress, relay?.(dir));
    const via = placed.viaCache
      ? ` through the site cache ${placed.viaCache.cache} (${MiB(placed.viaCache.linkBytes)} MiB over the site link)`
      : '';
    progress(
      `model ${digest.slice(0, 19)}… placed: ${placed.sent} file(s) sent (${MiB(placed.sentBytes)} MiB)${via}, ${placed.reused} reused`,
    );
    manifest = local;
  }
  progress(`checking the model ${digest.slice(0, 19)}… before the health gate`);
  await verifyModel(exec, node, model.hostPath, manifest, signal);
}
