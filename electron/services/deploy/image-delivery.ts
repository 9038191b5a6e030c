import type { NodeStep } from '../../../shared/deploy/rollout.js';
import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import type { Inventory } from '../fleet/inventory.js';
import type { PullAccess, Runtime } from '../runtime/runtime-commands.js';
import { readImageArchive } from './image-archive.js';
import type { NodeExec } from './node-exec.js';
import { placeModelStep, pullPinned, pushPinned } from './pull-step.js';
import type { ConsoleImages } from './registry-fetch.js';
import { SiteCache } from './site-cache.js';
import type { ModelSources } from './model-source.js';
import type { ModelRelay } from './model-sync.js';

const MiB = (n: number) => (n / 1048576).toFixed(1);

/**
 * How the pinned image (and the model) reach one node of a rollout: its registry pull, or a push
 * over SSH through its site's cache, from the spec's archive or the console's copy of the
 * registry image, as the plan decided for that node.
 */
export class ImageDelivery {
  private readonly sites: SiteCache;

  constructor(
    private readonly exec: NodeExec,
    private readonly inventory: Inventory,
    private readonly images: ConsoleImages,
    private readonly models: ModelSources,
    private readonly pullAccess: (image: string) => { access: PullAccess; stdin?: string },
  ) {
    this.sites = new SiteCache(exec);
  }

  /** Where a pushed image comes from for this node: its site's cache (the gateway in front of it), if it has one. */
  private siteOf(node: string) {
    const n = this.inventory.get(node);
    const cache = n?.via?.at(-1);
    const isCache = this.inventory.list().some((x) => x.via?.at(-1) === node);
    return { ...(cache ? { cache } : {}), nodeHost: n?.host ?? node, sites: this.sites, isCache };
  }

  async deliver(
    node: string,
    rt: Runtime,
    spec: DeploymentSpec,
    step: NodeStep,
    pinnedImage: string,
    signal: AbortSignal,
    progress: (line: string, fraction: number | null) => void,
  ): Promise<void> {
    // Rollouts saved before per-node delivery: push only when the whole spec said so.
    const how = step.delivery ?? (spec.delivery === 'push' ? 'push' : 'pull');
    if (how === 'pull') await pullPinned(this.exec, node, rt, pinnedImage, this.pullAccess(pinnedImage), signal, progress);
    else {
      const archive = spec.push?.archive;
      const images = this.images;
      const source = archive
        ? () => readImageArchive(archive)
        : () => {
            return images.fetch(pinnedImage, step.arch ?? 'amd64', signal, (p) =>
              progress(`fetching the image from its registry to the console: ${MiB(p.have)} of ${MiB(p.total)} MiB`, null),
            );
          };
      await pushPinned(
        this.exec,
        node,
        rt,
        { archive: source, limitKiBps: spec.push?.limitKiBps },
        pinnedImage,
        signal,
        progress,
        this.siteOf(node),
      );
    }
    const model = spec.model;
    if (!model?.digest) return;
    const site = this.siteOf(node);
    const cache = site.cache;
    const relay = cache
      ? (dir: string): ModelRelay => ({
          cache,
          place: async (incoming, files, manifest) => {
            const linkBytes = await this.sites.ensureModelFiles(cache, manifest, dir, files, signal);
            await this.sites.fetchModelFiles(cache, node, site.nodeHost, incoming, files, signal);
            return linkBytes;
          },
        })
      : undefined;
    await placeModelStep(
      this.exec,
      node,
      model,
      () => this.models.local(model, signal),
      signal,
      (line) => progress(line, null),
      relay,
    );
  }
}
