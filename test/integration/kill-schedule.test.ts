import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/app/backend.js';
import { verifyLog } from '../../electron/services/audit/verify.js';
import type { AuditRecord } from '../../shared/audit.js';
import { setScenario, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { replayInventory } from '../helpers/inventory-replay.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

const worker = path.resolve(import.meta.dirname, '..', 'helpers', 'chaos-worker.ts');
const SPEC = `name: chaos
image: localhost/edgeward/oip-test:1
gpus: {count: 1}
env: {MODEL_VERSION: "@REV@"}
ports: [{container: 8000, host: 18810}]
health: {successThreshold: 1, intervalS: 0.5, timeoutS: 30}
targets: {tags: [chaos]}
strategy: {canary: 1, soakS: 0}
`;

describe('kill -9 at random points of a seeded schedule', () => {
  let bed: BedState;
  let nodes: BedNode[];
  let h: FleetHarness;
  const running = (n: BedNode) =>
    ssh(bed, n, "podman ps --filter label=io.edgeward.deployment=chaos --format '{{.Names}}'").stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    bed = await ensureBed();
    nodes = bed.nodes.slice(14, 16);
    h = await fleetBackend();
    for (const n of nodes) {
      setScenario(n, { count: 2 });
      ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=chaos) >/dev/null 2>&1; true');
    }
    await addTrusted(h, bed, nodes, { tags: ['chaos'] });
  }, 180_000);
  afterAll(async () => {
    for (const n of nodes) ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment=chaos) >/dev/null 2>&1; true');
    await h.close();
  });

  it('after 50 rollouts and 50 inventory changes cut short, every intent has an outcome, no rollout runs twice, the inventory is what the audit log says', async () => {
    let seed = 20261201;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let edits = 0;
    let rollouts = 0;
    let kills = 0;
    const refusals: string[] = [];
    const deadline = Date.now() + 6 * 60_000;
    while ((edits < 50 || rollouts < 50) && Date.now() < deadline) {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, h.dataDir, String(kills + 1), SPEC], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = new Promise((r) => child.once('exit', r));
      let ready = false;
      child.stdout.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (line === 'edit') edits++;
          if (line === 'rollout') rollouts++;
          if (line.startsWith('refused')) refusals.push(line);
          if (line) ready = true;
        }
      });
      // Killed somewhere between start-up and a few seconds into its work: mid-edit, mid-pull, mid-gate.
      const after = 300 + Math.floor(next() * 3500);
      await new Promise((r) => setTimeout(r, after));
      if (!ready) await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGKILL');
      await exited;
      kills++;
      // No container of the deployment ever runs twice on one node, whatever the moment of the kill.
      for (const n of nodes) expect(running(n).length, `${n.name} after kill ${kills}`).toBeLessThanOrEqual(1);
    }
    // A rollout may be refused only because the previous one's process was just killed mid-run.
    expect(
      refusals.filter((r) => !/CONFLICT/.test(r)),
      refusals.join('\n'),
    ).toEqual([]);
    expect(edits).toBeGreaterThanOrEqual(50);
    expect(rollouts).toBeGreaterThanOrEqual(50);

    const after = await createBackend({ dataDir: h.dataDir, transport: 'cli', userKnownHostsFile: path.join(h.dataDir, 'none') });
    try {
      const records = after.audit.index.query({}, 0, 1_000_000).records as AuditRecord[];
      const outcomes = new Map<number, number>();
      for (const r of records) if (r.intent !== undefined) outcomes.set(r.intent, (outcomes.get(r.intent) ?? 0) + 1);
      const intents = records.filter((r) => r.outcome === 'intent');
      // Enough work was recorded to mean something: each process loses at most the one action it was
      // killed in, so every other rollout it started, unless refused, has its intent. (A fixed count
      // of 200 flaked at 199.)
      const rolloutIntents = intents.filter((r) => r.action === 'deploy.apply' || r.action === 'deploy.resume').length;
      expect(rolloutIntents).toBeGreaterThanOrEqual(rollouts - kills - refusals.length);
      expect(rolloutIntents).toBeGreaterThan(0);
      // Every intent closed exactly once: by its own outcome, or as unknown at a later start.
      for (const r of intents) expect(outcomes.get(r.seq) ?? 0, `${r.action} #${r.seq}`).toBe(1);
      expect(records.filter((r) => r.outcome === 'unknown').length).toBeGreaterThan(0);
      // Nothing runs the rollout now: a killed run is interrupted (to resume or halt), never left "running".
      expect(['running', 'paused', 'rolling-back']).not.toContain(after.deploy.store.rollout('chaos')?.status);
      const told = replayInventory(records);
      expect(
        after.inventory
          .list()
          .map((n) => n.name)
          .sort(),
      ).toEqual([...told.keys()].sort());
      for (const n of after.inventory.list()) expect(n.notes, n.name).toBe(told.get(n.name)!.notes);
      expect(verifyLog(path.join(h.dataDir, 'audit')).intact).toBe(true);
    } finally {
      await after.close();
    }
  }, 480_000);
});
