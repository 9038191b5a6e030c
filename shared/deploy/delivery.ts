import type { NodeFacts } from './placement.js';
import type { DeploymentSpec, Delivery } from './spec.js';

/** How one node gets the spec's image, before `auto` is decided by the placement probe. */
export function deliveryOf(spec: Pick<DeploymentSpec, 'delivery' | 'siteDelivery'>, site: string): Delivery {
  return spec.siteDelivery?.[site] ?? spec.delivery ?? 'pull';
}

/** `auto` pushes unless the node showed it reaches the registry; a local-only image has no registry to reach. */
export function chooseDelivery(
  mode: 'pull' | 'push' | 'auto',
  probeUrl: string | undefined,
  facts: NodeFacts,
  site: string,
): { delivery: 'pull' | 'push'; deliveryWhy: string } {
  if (mode === 'pull') return { delivery: 'pull', deliveryWhy: 'pulls from its registry' };
  if (mode === 'push') return { delivery: 'push', deliveryWhy: `pushed over SSH (delivery for site ${site}: push)` };
  if (!probeUrl) return { delivery: 'pull', deliveryWhy: 'uses its local image (auto: the image has no registry)' };
  const where = /^https?:\/\/([^/]+)/.exec(probeUrl)?.[1] ?? probeUrl;
  if (facts.registry === 'reachable') return { delivery: 'pull', deliveryWhy: `pulls from ${where} (auto: the node reaches it)` };
  const why = facts.registry === 'unknown' ? 'the node has no curl to try it' : 'the node does not reach it';
  return { delivery: 'push', deliveryWhy: `pushed over SSH (auto: ${why} at ${where})` };
}
