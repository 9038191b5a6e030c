import path from 'node:path';

/**
 * Names and addresses of the bed. Everything it creates carries one of these prefixes, so that
 * teardown can find and remove leftovers of a run that died without its state file.
 */
export const BED_DIR = path.resolve(process.env.EDGEWARD_BED ?? '/tmp/edgeward-bed');
export const BRIDGE = 'ewbr0';
export const NETNS_PREFIX = 'ewn-';
export const VETH_PREFIX = 'ewv-';
/** Site networks behind gateways: bridges with no address on the host, so only gateways reach them. */
export const SITE_BRIDGE_PREFIX = 'ewsb';
/** RFC 2544 benchmarking range: never routed, reserved for exactly this kind of test network. */
export const SUBNET_PREFIX = '198.18.0';
export const HOST_ADDRESS = `${SUBNET_PREFIX}.1`;
export const MAX_NODES = 200;
export const TEST_USER = 'edge';
/** The test user's password on every node (for the password-auth tests; keys work too). */
export const TEST_PASSWORD = 'edge-bed-Passw0rd';
export const SUDOERS_FILE = '/etc/sudoers.d/edgeward-bed';
/**
 * Every node's sshd also listens here, on its address and on its own loopback: a node reached on a
 * port other than 22, and two machines both at `127.0.0.1:2222` behind different gateways (the way
 * two sites reuse one private range).
 */
export const ALT_SSH_PORT = 2222;
/** The bed's registry (Debian's docker-registry, the CNCF distribution server), on the host side of the bridge. */
export const REGISTRY_ADDRESS = `${HOST_ADDRESS}:5000`;
export const TEST_IMAGE = 'localhost/edgeward/oip-test:1';

export interface BedNode {
  name: string;
  index: number;
  address: string;
  netns: string;
  veth: string;
  dir: string;
  /** Set for nodes on a site network: the node they are reached through. */
  behind?: string;
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

/**
 * More nodes of site 1, beside site1-01 behind node-01 (198.18.1.12–14): a site of four behind one
 * gateway, whose cable is the site link a site cache saves.
 */
export const SITE1_EXTRA = 3;
export function siteLayout(dir: string, k: number): BedNode {
  return {
    name: `site1-0${k}`,
    index: 110 + k,
    address: `${SUBNET_PREFIX.replace(/\.0$/, '')}.1.${10 + k}`,
    netns: `${NETNS_PREFIX}s1${k}`,
    veth: `${VETH_PREFIX}s1${k}`,
    dir: path.join(dir, 'nodes', `site1-0${k}`),
    behind: 'node-01',
  };
}

/**
 * Hidden nodes behind gateways: site1-01 is reachable only from node-01 (198.18.1.0/24), and
 * site2-01 only from site1-01 (198.18.2.0/24) — a chain of two gateways.
 */
export function hiddenLayout(dir: string, level: 1 | 2): BedNode {
  return {
    name: `site${level}-01`,
    index: 100 + level,
    address: `${SUBNET_PREFIX.replace(/\.0$/, '')}.${level}.11`,
    netns: `${NETNS_PREFIX}h${level}`,
    veth: `${VETH_PREFIX}h${level}`,
    dir: path.join(dir, 'nodes', `site${level}-01`),
    behind: level === 1 ? 'node-01' : 'site1-01',
  };
}
