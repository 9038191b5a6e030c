import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { down, up, type BedState } from '../testbed/bed.js';
import { which } from '../testbed/sh.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { nodeInput } from '../integration/helpers/fleet.js';
import { percentile } from '../../shared/stats.js';

export interface SshRow {
  nodes: number;
  rounds: number;
  edgewardCold: number;
  edgewardWarm: number;
  psshCold?: number;
  psshWarm?: number;
  ansibleCold?: number;
  ansibleWarm?: number;
}

const secs = (t0: number) => (performance.now() - t0) / 1000;
/** Warm runs per round and tool: the first after connecting still shares the machine with the other side's set-up. */
const WARM_RUNS = 3;

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  const s = secs(t0);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${(r.stderr || r.stdout).slice(0, 500)}`);
  return s;
}

/**
 * Edgeward: a fresh backend on a data dir where the keys are already pinned = cold; the same command
 * again on the open connections = warm, `WARM_RUNS` times (as for the other tools).
 */
async function edgeward(bed: BedState, n: number, dataDir: string): Promise<{ cold: number; warm: number[] }> {
  const backend = await createBackend({ dataDir, transport: 'cli', userKnownHostsFile: bed.knownHosts });
  try {
    const nodes = bed.nodes.slice(0, n).map((x) => x.name);
    const req = { selection: { kind: 'nodes' as const, nodes }, command: 'true', confirmed: true, concurrency: n, timeoutS: 60 };
    const once = async (what: string) => {
      const t0 = performance.now();
      const r = await backend.runner.run(req);
      if (r.counts.ok !== n) throw new Error(`edgeward ${what}: ${JSON.stringify(r.counts)}`);
      return secs(t0);
    };
    const cold = await once('cold');
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await once('warm'));
    return { cold, warm };
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

/** The same trivial command on 20, 50 and 100 nodes: Edgeward vs parallel-ssh vs Ansible, cold and warm, medians of `rounds`. */
export async function benchSsh(sizes = [20, 50, 100], rounds = 3): Promise<SshRow[]> {
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
    await pinner.runner.run({ selection: { kind: 'all' }, command: 'true', confirmed: true, concurrency: 100, timeoutS: 60 });
    await pinner.close();

    // Each tool in turn, several rounds (A B C A B C …), so a noisy stretch of the run hits all of them.
    const rows: SshRow[] = [];
    const med = (xs: number[]) => (xs.length ? percentile(xs, 50) : undefined);
    for (const n of sizes) {
      const t: Record<'ec' | 'ew' | 'pc' | 'pw' | 'ac' | 'aw', number[]> = { ec: [], ew: [], pc: [], pw: [], ac: [], aw: [] };
      for (let round = 0; round < rounds; round++) {
        const e = await edgeward(bed, n, pinDir);
        t.ec.push(e.cold);
        t.ew.push(...e.warm);
        if (which('parallel-ssh')) {
          t.pc.push(pssh(bed, n, work.dir));
          const cm = fs.mkdtempSync(path.join('/tmp', 'ewcm-'));
          pssh(bed, n, work.dir, cm); // opens the masters
          for (let i = 0; i < WARM_RUNS; i++) t.pw.push(pssh(bed, n, work.dir, cm));
          spawnSync('sh', ['-c', `for s in ${cm}/*; do ssh -O exit -o ControlPath="$s" x 2>/dev/null; done; rm -rf ${cm}`]);
        }
        if (which('ansible')) {
          const cp = fs.mkdtempSync(path.join('/tmp', 'ewap-'));
          t.ac.push(ansible(bed, n, work.dir, cp));
          for (let i = 0; i < WARM_RUNS; i++) t.aw.push(ansible(bed, n, work.dir, cp));
          spawnSync('sh', ['-c', `for s in ${cp}/*; do ssh -O exit -o ControlPath="$s" x 2>/dev/null; done; rm -rf ${cp}`]);
        }
      }
      rows.push({
        nodes: n,
        rounds,
        edgewardCold: med(t.ec)!,
        edgewardWarm: med(t.ew)!,
        ...(t.pc.length ? { psshCold: med(t.pc), psshWarm: med(t.pw) } : {}),
        ...(t.ac.length ? { ansibleCold: med(t.ac), ansibleWarm: med(t.aw) } : {}),
      });
    }
    return rows;
  } finally {
    work.cleanup();
    await down();
  }
}
