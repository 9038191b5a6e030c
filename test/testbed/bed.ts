import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildNodeBin, buildTestImage, writeDockerShim } from './artifacts.js';
import {
  BED_DIR,
  BRIDGE,
  HOST_ADDRESS,
  MAX_NODES,
  NETNS_PREFIX,
  SITE_BRIDGE_PREFIX,
  SUBNET_PREFIX,
  SUDOERS_FILE,
  REGISTRY_ADDRESS,
  TEST_IMAGE,
  TEST_PASSWORD,
  TEST_USER,
  VETH_PREFIX,
  hiddenLayout,
  siteLayout,
  SITE1_EXTRA,
  nodeLayout,
  type BedNode,
} from './layout.js';
import { writeNodeFiles, writeScenario } from './node-files.js';
import { run, tryRun, which } from './sh.js';
import { pidsOf, waitForPidFile, waitForSsh } from './node-wait.js';
export { cut, enableKeyboardInteractive, findNode, regenerateHostKey, restore, setDelay, setLoss } from './faults.js';
import type { ScenarioInput } from './scenario.js';

export interface BedState {
  dir: string;
  createdAt: string;
  nodes: BedNode[];
  /** Client key that logs in as root and as the test user on every node. */
  privateKey: string;
  knownHosts: string;
  user: string;
  image: string;
  hostAddress: string;
}

export interface UpOptions {
  nodes: number;
  dir?: string;
  scenario?: (node: BedNode) => ScenarioInput;
  /** Skip the 100 MB test image when a test needs only SSH and the simulator. */
  image?: boolean;
  /** Add site1-01 (behind node-01) and site2-01 (behind site1-01), unreachable from the host. */
  hidden?: boolean;
  /** Nodes of site 1 behind node-01 with `hidden` (site1-01 and more; default 1 + SITE1_EXTRA, at most 9). */
  siteNodes?: number;
  log?: (line: string) => void;
}

const REQUIRED = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['podman', 'podman'],
  ['runc', 'runc'],
  ['nft', 'nftables'],
  ['sudo', 'sudo'],
] as const;

/** Says exactly what is missing, and how to get it, before touching anything. */
export function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('The test bed needs root (network namespaces, sshd, podman). Run it as root.');
  const missing = REQUIRED.filter(([cmd]) => !which(cmd));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(`Missing: ${missing.map(([c]) => c).join(', ')}. Install with: apt-get install -y ${pkgs}`);
  }
  const conf = fs.existsSync('/etc/containers/containers.conf') ? fs.readFileSync('/etc/containers/containers.conf', 'utf8') : '';
  if (!/runtime\s*=\s*"runc"/.test(conf) || !/default_ulimits\s*=\s*\[\s*\]/.test(conf)) {
    throw new Error(
      '/etc/containers/containers.conf must set [containers] default_ulimits = [] and [engine] runtime = "runc" (crun and the default ulimits fail here). scripts/ensure-test-deps.sh writes it.',
    );
  }
}

export function stateFile(dir = BED_DIR): string {
  return path.join(dir, 'state.json');
}

export function loadState(dir = BED_DIR): BedState {
  const file = stateFile(dir);
  if (!fs.existsSync(file)) throw new Error(`No test bed is running in ${dir}: start one with "npm run bed:up".`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BedState;
}

export async function up(options: UpOptions): Promise<BedState> {
  const dir = path.resolve(options.dir ?? BED_DIR);
  const log = options.log ?? (() => undefined);
  if (!(options.nodes >= 1 && options.nodes <= MAX_NODES)) throw new Error(`nodes must be 1..${MAX_NODES}, got ${options.nodes}`);
  preflight();
  await down(dir);
  const t0 = Date.now();
  for (const sub of ['bin', 'keys', 'nodes', 'image-store', 'home/root']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.mkdirSync('/run/sshd', { recursive: true });
  fs.mkdirSync('/var/lib/containers', { recursive: true });

  // Client key and the accounts it opens.
  const key = path.join(dir, 'keys', 'id_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edgeward-bed', '-f', key]);
  const pub = fs.readFileSync(`${key}.pub`, 'utf8');
  fs.writeFileSync(path.join(dir, 'keys', 'authorized_keys_root'), pub);
  fs.writeFileSync(path.join(dir, 'keys', `authorized_keys_${TEST_USER}`), pub);
  if (!tryRun('id', [TEST_USER]).ok) run('useradd', ['-m', '-s', '/bin/sh', '-p', '*', TEST_USER]);
  run('chpasswd', [], { input: `${TEST_USER}:${TEST_PASSWORD}\n` });
  fs.writeFileSync(
    SUDOERS_FILE,
    `# edgeward test bed: the test user may run podman (the nodes' docker) and nothing else\n${TEST_USER} ALL=(root) NOPASSWD: /usr/bin/podman\n`,
    { mode: 0o440 },
  );

  await buildNodeBin(dir);
  if (options.image !== false) {
    await buildTestImage(dir);
    log(`test image ${TEST_IMAGE} built (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const nodes = Array.from({ length: options.nodes }, (_, i) => nodeLayout(dir, i + 1));
  // One ip process for the whole network: bridge, namespaces, veth pairs.
  const batch = [`link add ${BRIDGE} type bridge`, `addr add ${HOST_ADDRESS}/24 dev ${BRIDGE}`, `link set ${BRIDGE} up`];
  for (const n of nodes) {
    batch.push(
      `netns add ${n.netns}`,
      `link add ${n.veth} type veth peer name eth0 netns ${n.netns}`,
      `link set ${n.veth} master ${BRIDGE} up`,
    );
  }
  run('ip', ['-batch', '-'], { input: batch.join('\n') });
  for (const n of nodes) {
    run('ip', ['-n', n.netns, '-batch', '-'], {
      input: [`addr add ${n.address}/24 dev eth0`, 'link set eth0 up', 'link set lo up'].join('\n'),
    });
    writeNodeFiles(dir, n, options.scenario?.(n) ?? {});
  }
  if (options.hidden) nodes.push(...addHiddenNodes(dir, nodes[0]!, options));

  for (const n of nodes) {
    const out = fs.openSync(path.join(n.dir, 'init.log'), 'a');
    const child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${n.netns}`,
        'unshare',
        '--pid',
        '--fork',
        '--mount-proc',
        '--uts',
        '--mount',
        '--propagation',
        'private',
        '/bin/sh',
        path.join(n.dir, 'init.sh'),
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    fs.closeSync(out);
  }
  await Promise.all(nodes.map((n) => (n.behind ? waitForPidFile(n, 30_000) : waitForSsh(n, 30_000))));

  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(
    knownHosts,
    nodes.map((n) => `${n.address} ${fs.readFileSync(path.join(n.dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim()}\n`).join(''),
  );
  const state: BedState = {
    dir,
    createdAt: new Date().toISOString(),
    nodes,
    privateKey: key,
    knownHosts,
    user: TEST_USER,
    image: TEST_IMAGE,
    hostAddress: HOST_ADDRESS,
  };
  fs.writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  log(`${nodes.length} nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return state;
}

/**
 * Two site networks behind gateways: bridges with no host address (the host cannot reach them),
 * node-01 and site1-01 with a leg in them.
 */
function addHiddenNodes(dir: string, gateway: BedNode, options: UpOptions): BedNode[] {
  const h1 = hiddenLayout(dir, 1);
  const h2 = hiddenLayout(dir, 2);
  const base = SUBNET_PREFIX.replace(/\.0$/, '');
  run('ip', ['-batch', '-'], {
    input: [
      `link add ${SITE_BRIDGE_PREFIX}1 type bridge`,
      `link set ${SITE_BRIDGE_PREFIX}1 up`,
      `link add ${SITE_BRIDGE_PREFIX}2 type bridge`,
      `link set ${SITE_BRIDGE_PREFIX}2 up`,
      `netns add ${h1.netns}`,
      `netns add ${h2.netns}`,
      `link add ${h1.veth} type veth peer name eth0 netns ${h1.netns}`,
      `link set ${h1.veth} master ${SITE_BRIDGE_PREFIX}1 up`,
      `link add ${h2.veth} type veth peer name eth0 netns ${h2.netns}`,
      `link set ${h2.veth} master ${SITE_BRIDGE_PREFIX}2 up`,
      `link add ${VETH_PREFIX}g1 type veth peer name eth1 netns ${gateway.netns}`,
      `link set ${VETH_PREFIX}g1 master ${SITE_BRIDGE_PREFIX}1 up`,
      `link add ${VETH_PREFIX}g2 type veth peer name eth1 netns ${h1.netns}`,
      `link set ${VETH_PREFIX}g2 master ${SITE_BRIDGE_PREFIX}2 up`,
    ].join('\n'),
  });
  run('ip', ['-n', gateway.netns, '-batch', '-'], { input: [`addr add ${base}.1.1/24 dev eth1`, 'link set eth1 up'].join('\n') });
  run('ip', ['-n', h1.netns, '-batch', '-'], {
    input: [
      `addr add ${h1.address}/24 dev eth0`,
      'link set eth0 up',
      `addr add ${base}.2.1/24 dev eth1`,
      'link set eth1 up',
      'link set lo up',
    ].join('\n'),
  });
  run('ip', ['-n', h2.netns, '-batch', '-'], {
    input: [`addr add ${h2.address}/24 dev eth0`, 'link set eth0 up', 'link set lo up'].join('\n'),
  });
  // The rest of site 1: more nodes on its network, behind node-01 as site1-01 is.
  const siteNodes = options.siteNodes ?? 1 + SITE1_EXTRA;
  if (!(siteNodes >= 1 && siteNodes <= 9)) throw new Error(`siteNodes must be 1..9, got ${siteNodes}`);
  const more = Array.from({ length: siteNodes - 1 }, (_, i) => siteLayout(dir, i + 2));
  run('ip', ['-batch', '-'], {
    input: more
      .flatMap((n) => [
        `netns add ${n.netns}`,
        `link add ${n.veth} type veth peer name eth0 netns ${n.netns}`,
        `link set ${n.veth} master ${SITE_BRIDGE_PREFIX}1 up`,
      ])
      .join('\n'),
  });
  for (const n of more)
    run('ip', ['-n', n.netns, '-batch', '-'], {
      input: [`addr add ${n.address}/24 dev eth0`, 'link set eth0 up', 'link set lo up'].join('\n'),
    });
  for (const n of [h1, h2, ...more]) writeNodeFiles(dir, n, options.scenario?.(n) ?? {});
  return [h1, h2, ...more];
}

export interface DownReport {
  namespaces: number;
  killed: number;
  leftovers: string[];
}

/**
 * Removes everything the bed made, found by name rather than from the state file, so that it also
 * cleans up after a run that crashed half-way. Safe to call when nothing is there.
 */
export async function down(dir = BED_DIR): Promise<DownReport> {
  const namespaces = tryRun('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NETNS_PREFIX));
  let killed = 0;
  // Killing each namespace's processes kills the node's PID 1, which takes every container with it.
  for (const ns of namespaces) {
    for (const pid of pidsOf(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 10_000;
  while (namespaces.some((ns) => pidsOf(ns).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const ns of namespaces) tryRun('ip', ['netns', 'del', ns]);
  const links = tryRun('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '');
  for (const link of links) if (link.startsWith(VETH_PREFIX)) tryRun('ip', ['link', 'del', link]);
  for (const link of links) if (link.startsWith(SITE_BRIDGE_PREFIX) || link === BRIDGE) tryRun('ip', ['link', 'del', link]);

  // Host-side helpers of the bed (its registry): everything whose command line names the bed's folder.
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`${dir}/`)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
  removeContainerCgroups(dir);
  for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const target = line.split(' ')[1];
    if (target?.startsWith(`${dir}/`)) tryRun('umount', ['-l', target]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(SUDOERS_FILE, { force: true });
  if (tryRun('id', [TEST_USER]).ok) tryRun('userdel', ['-r', TEST_USER]);

  const leftovers: string[] = [];
  const stillNs = tryRun('ip', ['netns', 'list'])
    .stdout.split('\n')
    .filter((l) => l.startsWith(NETNS_PREFIX));
  if (stillNs.length) leftovers.push(`network namespaces: ${stillNs.join(', ')}`);
  if (fs.existsSync(dir)) leftovers.push(`directory ${dir}`);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(`${dir}/`)) leftovers.push(`process ${entry}: ${cmd.replace(/\0/g, ' ').slice(0, 120)}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return { namespaces: namespaces.length, killed, leftovers };
}

/** Podman's cgroupfs manager leaves empty per-container cgroups behind when its processes are killed. */
function removeContainerCgroups(dir: string): void {
  const ids = new Set<string>();
  const nodesDir = path.join(dir, 'nodes');
  if (fs.existsSync(nodesDir)) {
    for (const node of fs.readdirSync(nodesDir)) {
      const containers = path.join(nodesDir, node, 'containers', 'storage', 'overlay-containers');
      if (fs.existsSync(containers)) for (const id of fs.readdirSync(containers)) if (/^[0-9a-f]{64}$/.test(id)) ids.add(id);
    }
  }
  if (ids.size === 0 || !fs.existsSync('/sys/fs/cgroup')) return;
  const parents = fs
    .readdirSync('/sys/fs/cgroup')
    .flatMap((h) => [path.join('/sys/fs/cgroup', h, 'libpod_parent'), path.join('/sys/fs/cgroup', 'libpod_parent')]);
  for (const parent of new Set(parents)) {
    if (!fs.existsSync(parent)) continue;
    for (const entry of fs.readdirSync(parent)) {
      if ([...ids].some((id) => entry.includes(id))) {
        try {
          fs.rmdirSync(path.join(parent, entry));
        } catch {
          /* not empty yet or already gone */
        }
      }
    }
  }
}

/** Lets one more public key log in as `user` on every node. */
export function authorizeKey(state: BedState, user: string, publicKeyLine: string): void {
  fs.appendFileSync(path.join(state.dir, 'keys', `authorized_keys_${user}`), `${publicKeyLine.trim()}\n`);
}

export function setScenario(node: BedNode, scenario: ScenarioInput): void {
  writeScenario(node, scenario);
}

/** Runs a command on a node with the real OpenSSH client, host key checked against the bed's known_hosts. */
export function sshArgs(state: BedState, node: BedNode, user = 'root'): string[] {
  return [
    '-i',
    state.privateKey,
    '-o',
    `UserKnownHostsFile=${state.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'KexAlgorithms=curve25519-sha256',
    `${user}@${node.address}`,
  ];
}

/**
 * Makes a node a docker node (the default: a docker CLI over podman), a podman-only node, or a node
 * with no container runtime (every runtime command answers as a shell does for a missing command).
 */
export function setRuntime(node: BedNode, runtime: 'docker' | 'podman' | 'none'): void {
  const bin = path.join(node.dir, 'bin');
  fs.rmSync(path.join(bin, 'podman'), { force: true });
  if (runtime === 'docker') writeDockerShim(node.dir);
  else fs.rmSync(path.join(bin, 'docker'), { force: true });
  if (runtime === 'none') {
    for (const name of ['docker', 'podman']) {
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "sh: 1: ${name}: not found" >&2\nexit 127\n`, { mode: 0o755 });
    }
  }
}

/**
 * Sets the node's clock OFFSET_MS away from the host's (0 puts it back). Nodes share the host's
 * kernel clock, so the node gets a \`date\` on its PATH that adds the offset, for the forms agents use.
 */
export function setClockOffset(node: BedNode, offsetMs: number): void {
  const file = path.join(node.dir, 'bin', 'date');
  if (offsetMs === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  const ms = Math.round(offsetMs);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `#!/bin/sh
# The bed's clock for ${node.name}: the host's, ${ms} ms off.
if [ "$*" = "+%s%3N" ]; then echo $(( $(/bin/date +%s%3N) + ${ms} )); exit 0; fi
exec /bin/date -d "@$(( $(/bin/date +%s) + ${Math.round(ms / 1000)} ))" "$@"
`,
    { mode: 0o755 },
  );
}

/**
 * The bed's registry: Debian's docker-registry on the host's bed address (plain HTTP; nodes have it
 * as an insecure registry), with the test image pushed to it. Started on first use, then reused.
 */
export async function startRegistry(state: BedState): Promise<{ address: string; image: string }> {
  const dir = path.join(state.dir, 'registry');
  const image = `${REGISTRY_ADDRESS}/edgeward/oip-test:1`;
  const up = async () => (await fetch(`http://${REGISTRY_ADDRESS}/v2/`).catch(() => undefined))?.status === 200;
  if (await up()) return { address: REGISTRY_ADDRESS, image };
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\nhttp:\n  addr: ${REGISTRY_ADDRESS}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], {
    detached: true,
    stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'log'), 'a')],
  });
  child.unref();
  for (let i = 0; i < 100 && !(await up()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await up())) throw new Error(`the bed registry did not start (see ${path.join(dir, 'log')})`);
  run('podman', [
    '--root',
    path.join(state.dir, 'image-store'),
    '--runroot',
    path.join(state.dir, 'image-run'),
    'push',
    '--tls-verify=false',
    '--quiet',
    TEST_IMAGE,
    image,
  ]);
  return { address: REGISTRY_ADDRESS, image };
}
