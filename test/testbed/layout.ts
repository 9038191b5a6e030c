import path from 'node:path';

/**
 * Names and addresses of the bed. Everything it creates carries one of these prefixes, so that
 * teardown can find and remove leftovers of a run that died without its state file.
 */
export const BED_DIR = path.resolve(process.env.EDGEWARD_BED ?? '/tmp/edgeward-bed');
export const BRIDGE = 'ewbr0';
export const NETNS_PREFIX = 'ewn-';
export const VETH_PREFIX = 'ewv-';
/** RFC 2544 benchmarking range: never routed, reserved for exactly this kind of test network. */
export const SUBNET_PREFIX = '198.18.0';
export const HOST_ADDRESS = `${SUBNET_PREFIX}.1`;
export const MAX_NODES = 200;
export const TEST_USER = 'edge';
export const SUDOERS_FILE = '/etc/sudoers.d/edgeward-bed';
export const TEST_IMAGE = 'localhost/edgeward/oip-test:1';

export interface BedNode {
  name: string;
  index: number;
  address: string;
  netns: string;
  veth: string;
  dir: string;
}

export function nodeLayout(dir: string, index: number): BedNode {
  const n = String(index).padStart(2, '0');
  return {
    name: `node-${n}`,
    index,
    address: `${SUBNET_PREFIX}.${10 + index}`,
    netns: `${NETNS_PREFIX}${n}`,
    veth: `${VETH_PREFIX}${n}`,
    dir: path.join(dir, 'nodes', `node-${n}`),
  };
}
