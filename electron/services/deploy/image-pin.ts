import { AppErrorException, appError } from '../../../shared/errors.js';
import { parseImageRef, pinned, type ImageRef } from '../../../shared/deploy/image-ref.js';
import type { NodeFacts } from '../../../shared/deploy/placement.js';
import { shellCommand } from '../ssh/shell-quote.js';
import { isLocalOnly, RegistryError, resolveDigest, type RegistryOptions } from './registry.js';
import type { Runtime } from '../runtime/runtime-commands.js';
import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { readImageArchive } from './image-archive.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function refOf(image: string): ImageRef {
  const ref = parseImageRef(image);
  if ('error' in ref) throw new AppErrorException(appError('VALIDATION', `image ${image}: ${ref.error}`, 'Fix the image in the spec.'));
  return ref;
}

const repoName = (ref: ImageRef) => `${ref.domain ? `${ref.domain}/` : ''}${ref.path}`;

/**
 * What every node of a rollout runs, decided before any node acts and never by a node's say-so:
 * a registry reference is pinned to the digest the registry serves; an image that exists only in
 * nodes' local storage (`localhost/…`) has no registry to ask, so every node must report the same
 * digest of the spec's own repository, or nothing runs.
 */
export async function pinImage(
  image: string,
  accepted: readonly { node: string; facts: NodeFacts }[],
  options: RegistryOptions,
): Promise<{ pinnedImage: string; refused: { node: string; reason: string }[] }> {
  const ref = refOf(image);
  if (!isLocalOnly(ref)) {
    try {
      return { pinnedImage: pinned(ref, await resolveDigest(ref, options)), refused: [] };
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      throw new AppErrorException(
        appError(
          'UNAVAILABLE',
          `Cannot resolve ${image} to a digest: ${err.message}. Nothing was deployed.`,
          'Check that the console reaches the registry (and that the tag exists), or give the image by digest (name@sha256:…).',
        ),
      );
    }
  }
  if (ref.digest) return { pinnedImage: image, refused: [] };
  const refused: { node: string; reason: string }[] = [];
  const byDigest = new Map<string, string[]>();
  const repo = repoName(ref);
  for (const a of accepted) {
    const id = a.facts.image?.id;
    if (!id) continue;
    const digest = id.startsWith(`${repo}@`) ? id.slice(repo.length + 1) : id;
    if (!DIGEST.test(digest)) {
      refused.push({ node: a.node, reason: `reports ${image} as ${id.slice(0, 200)}, which is not an image of ${repo}` });
      continue;
    }
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), a.node]);
  }
  if (byDigest.size > 1) {
    const which = [...byDigest].map(([d, nodes]) => `${d} on ${nodes.join(', ')}`).join('; ');
    throw new AppErrorException(
      appError(
        'CONFLICT',
        `The nodes hold different images under ${image}: ${which}. A local image cannot be checked against a registry, so nothing was deployed.`,
        'Load the same image on every node (or push it to a registry and deploy from there), then apply again.',
      ),
    );
  }
  const [digest] = byDigest.keys();
  if (!digest) return { pinnedImage: image, refused };
  const reportedAsRepoDigest = accepted.some((a) => a.facts.image?.id.startsWith(`${repo}@`));
  return { pinnedImage: reportedAsRepoDigest ? `${repo}@${digest}` : digest, refused };
}

/**
 * The pin before any node acts: the archive's own image id when the fleet gets it only from
 * `push.archive`, else the registry's digest (which pushed nodes then get from the console's copy).
 */
export async function pinForDelivery(
  spec: DeploymentSpec,
  accepted: readonly { node: string; facts: NodeFacts; delivery: 'pull' | 'push' }[],
  options: RegistryOptions,
): Promise<{ pinnedImage: string; refused: { node: string; reason: string }[] }> {
  if (spec.push?.archive) return { pinnedImage: (await readImageArchive(spec.push.archive)).imageId, refused: [] };
  const pushed = accepted.filter((a) => a.delivery === 'push').map((a) => a.node);
  if (pushed.length && isLocalOnly(refOf(spec.image)))
    throw new AppErrorException(
      appError(
        'VALIDATION',
        `${pushed.join(', ')} would get ${spec.image} pushed, but it is a local image the console cannot fetch from a registry. Nothing was deployed.`,
        'Give the image as an archive (push.archive, made by podman save), or a registry reference.',
      ),
    );
  return pinImage(spec.image, accepted, options);
}

/** Lists the repository digests a node holds for the pinned image (one per line). */
export function repoDigestsCommand(rt: Runtime, pinnedImage: string): string {
  return `${shellCommand([rt, 'image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', pinnedImage])} 2>/dev/null | head -n 32`;
}

/**
 * After the pull: the node must hold the pinned digest. A node that reports another one (a
 * compromised node, or a runtime that resolved something else) is refused with both named.
 */
export function checkNodeDigest(node: string, pinnedImage: string, output: string): void {
  const ref = parseImageRef(pinnedImage);
  if ('error' in ref || !ref.digest) return; // a local image id: nothing registry-side to compare
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const digests = lines.map((l) => l.slice(l.lastIndexOf('@') + 1));
  if (digests.includes(ref.digest)) return;
  throw new Error(
    `${node} reports ${digests.length ? digests.map((d) => d.slice(0, 80)).join(', ') : 'no digest'} for ${pinnedImage.replace(/@.*/, '')}; the registry serves ${ref.digest}: refused`,
  );
}
