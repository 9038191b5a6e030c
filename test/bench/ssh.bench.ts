import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { down, up, type BedState } from '../testbed/bed.js';
import { which } from '../testbed/sh.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { nodeInput } from '../integration/helpers/fleet.js';

export interface SshRow {
  nodes: number;
  edgewardCold: number;
  edgewardWarm: number;
  psshCold?: number;
  psshWarm?: number;
  ansibleCold?: number;
  ansibleWarm?: number;
}

const secs = (t0: number) => (performance.now() - t0) / 1000;

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  const s = secs(t0);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${(r.stderr || r.stdout).slice(0, 500)}`);
  return s;
}

/** Edgeward: a fresh backend on a data dir where the keys are already pinned = cold; run again = warm. */
async function edgeward(bed: BedState, n: number, dataDir: string): Promise<{ cold: number; warm: number }> {
  const backend = await createBackend({ dataDir, transport: 'cli', userKnownHostsFile: bed.knownHosts });
  try {
    const nodes = bed.nodes.slice(0, n).map((x) => x.name);
    const req = { selection: { kind: 'nodes' as const, nodes }, command: 'true', confirmed: true, concurrency: n, timeoutS: 60 };
    let t0 = performance.now();
    const cold = await backend.runner.run(req);
    const coldS = secs(t0);
    if (cold.counts.ok !== n) throw new Error(`edgeward cold: ${JSON.stringify(cold.counts)}`);
    t0 = performance.now();
    const warm = await backend.runner.run(req);
    const warmS = secs(t0);
    if (warm.counts.ok !== n) throw new Error(`edgeward warm: ${JSON.stringify(warm.counts)}`);
    return { cold: coldS, warm: warmS };
  } finally {
    await backend.close();
  }
}

function sshOpts(bed: BedState, control?: string): string[] {
  return [
    '-i',
    bed.privateKey,
    '-o',
    `UserKnownHostsFile=${bed.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    ...(control ? ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=120', '-o', `ControlPath=${control}/%C`] : []),
  ];
}

function pssh(bed: BedState, n: number, work: string, control?: string): number {
  const hosts = path.join(work, `hosts-${n}`);
  fs.writeFileSync(
    hosts,
    bed.nodes
      .slice(0, n)
      .map((x) => `root@${x.address}`)
      .join('\n') + '\n',
  );
  return timed('parallel-ssh', ['-h', hosts, '-p', String(n), '-t', '60', '-x', sshOpts(bed, control).join(' '), 'true']);
}

function ansible(bed: BedState, n: number, work: string, control: string): number {
  const inv = path.join(work, `inventory-${n}.ini`);
  fs.writeFileSync(
    inv,
    `[bed]\n${bed.nodes
      .slice(0, n)
      .map((x) => `${x.name} ansible_host=${x.address}`)
      .join('\n')}\n`,
  );
  const cfg = path.join(work, 'ansible.cfg');
  fs.writeFileSync(
    cfg,
    `[defaults]\nhost_key_checking = True\ngathering = explicit\n[ssh_connection]\nssh_args = ${sshOpts(bed).join(' ')} -o ControlMaster=auto -o ControlPersist=120\ncontrol_path_dir = ${control}\n`,
  );
  return timed('ansible', ['bed', '-i', inv, '-u', 'root', '-m', 'raw', '-a', 'true', '-f', String(n)], { ANSIBLE_CONFIG: cfg });
}

/** The same trivial command on 20 and 50 nodes: Edgeward vs parallel-ssh vs Ansible, cold and warm. */
export async function benchSsh(sizes = [20, 50]): Promise<SshRow[]> {
  const bed = await up({ nodes: Math.max(...sizes), image: false });
  const work = makeTempDir('edgeward-bench-ssh-');
  try {
    // Pin every key once (first contact through known_hosts), so "cold" measures connections only.
    const pinDir = path.join(work.dir, 'data');
    const pinner = await createBackend({ dataDir: pinDir, transport: 'cli', userKnownHostsFile: bed.knownHosts });
    await pinner.inventory.addMany(
      bed.nodes.map((x) => nodeInput(bed, x)),
      'bench',
    );
    await pinner.runner.run({ selection: { kind: 'all' }, command: 'true', confirmed: true, concurrency: 50, timeoutS: 60 });
    await pinner.close();

    const rows: SshRow[] = [];
    for (const n of sizes) {
      const e = await edgeward(bed, n, pinDir);
      const row: SshRow = { nodes: n, edgewardCold: e.cold, edgewardWarm: e.warm };
      if (which('parallel-ssh')) {
        row.psshCold = pssh(bed, n, work.dir);
        const cm = fs.mkdtempSync(path.join('/tmp', 'ewcm-'));
        pssh(bed, n, work.dir, cm); // opens the masters
        row.psshWarm = pssh(bed, n, work.dir, cm);
        spawnSync('sh', ['-c', `for s in ${cm}/*; do ssh -O exit -o ControlPath="$s" x 2>/dev/null; done; rm -rf ${cm}`]);
      }
      if (which('ansible')) {
        const cp = fs.mkdtempSync(path.join('/tmp', 'ewap-'));
        row.ansibleCold = ansible(bed, n, work.dir, cp);
        row.ansibleWarm = ansible(bed, n, work.dir, cp);
        spawnSync('sh', ['-c', `for s in ${cp}/*; do ssh -O exit -o ControlPath="$s" x 2>/dev/null; done; rm -rf ${cp}`]);
      }
      rows.push(row);
    }
    return rows;
  } finally {
    work.cleanup();
    await down();
  }
}
