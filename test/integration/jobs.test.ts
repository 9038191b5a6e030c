import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSummary } from '../../shared/jobs/job-run.js';
import { cut, restore, setScenario, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import type { AuditRecord } from '../../shared/audit.js';

/**
 * The batch the job runs: its share of 1,000 items (item i belongs to shard i mod SHARDS), each
 * taking ITEM_MS, a progress line every 25 items, and a line of "record content" per item that
 * must never leave the node's container log.
 */
const WORKER = `
const [shard, shards] = [Number(process.env.EDGEWARD_SHARD), Number(process.env.EDGEWARD_SHARDS)];
const mine = []; for (let i = 0; i < 1000; i++) if (i % shards === shard) mine.push(i);
let done = 0;
const step = () => {
  if (done === mine.length) { console.log('EDGEWARD_PROGRESS ' + done + '/' + mine.length); return; }
  // Built at run time, so the job's own text (kept in the state store) does not hold it.
  console.log('record MRN-' + String(mine[done]).padStart(6, '0') + ' DOE' + String.fromCharCode(94) + 'JANE note: chest pain');
  done++;
  if (done % 25 === 0) console.log('EDGEWARD_PROGRESS ' + done + '/' + mine.length);
  setTimeout(step, Number(process.env.ITEM_MS));
};
step();
`;

const job = (name: string, itemMs: number, extra = '', deadlineS = 600) => `kind: job
name: ${name}
image: localhost/edgeward/oip-test:1
gpus: {count: 1}
env: {ITEM_MS: "${itemMs}"}
command: [/usr/bin/node, -e, ${JSON.stringify(WORKER)}]
targets: {tags: [batch]}
job: {shards: 4, parallelism: 1, retries: 2, backoffS: 1, deadlineS: ${deadlineS}${extra}}
`;

describe('batch jobs on the bed', () => {
  let bed: BedState;
  let h: FleetHarness;
  let nodes: BedNode[];
  const containers = (n: BedNode, run: string) =>
    ssh(bed, n, `podman ps -a --filter label=io.edgeward.job-run=${run} --format '{{.Names}}'`).stdout.split('\n').filter(Boolean);
  const records = (action: AuditRecord['action']) =>
    (h.backend.audit.index.query({ action }, 0, 1000).records as AuditRecord[]).filter((r) => r.outcome !== 'intent');

  beforeAll(async () => {
    bed = await ensureBed();
    nodes = bed.nodes.slice(16, 18);
    for (const n of nodes) setScenario(n, { count: 1 });
    h = await fleetBackend({ jobPollMs: 300 });
    await addTrusted(h, bed, nodes, { tags: ['batch'] });
  }, 180_000);
  afterAll(async () => {
    for (const n of nodes) restore(n);
    await h?.close();
  });

  it('runs 1,000 items across 2 nodes to the end, with its summary; no item content is kept anywhere', async () => {
    await h.backend.jobs.apply(job('nlp-batch', 2), 'tester');
    const started = await h.backend.jobs.start('nlp-batch', 'tester');
    const r = await h.backend.jobs.settled(started.id);
    expect(r.state, JSON.stringify(r.shards)).toBe('succeeded');
    expect(runSummary(r)).toMatchObject({
      shards: 4,
      shardsDone: 4,
      shardsFailed: 0,
      itemsDone: 1000,
      itemsTotal: 1000,
      retries: 0,
      exitCodes: [0],
    });
    expect(new Set(r.shards.map((s) => s.node))).toEqual(new Set(nodes.map((n) => n.name)));
    const run = records('job.run').find((x) => x.params?.run === r.id)!;
    expect(run).toMatchObject({ outcome: 'ok', params: { state: 'succeeded', itemsDone: 1000, shardsDone: 4 } });
    for (const n of nodes) expect(containers(n, r.id)).toEqual([]);
    // The records' content stayed in the containers: not in the audit log, the state store or history.
    const files = fs.readdirSync(h.dataDir, { recursive: true }).map((f) => path.join(h.dataDir, String(f)));
    for (const f of files.filter((x) => fs.statSync(x).isFile())) expect(fs.readFileSync(f, 'latin1'), f).not.toMatch(/MRN-\d|DOE\^JANE/);
  }, 240_000);

  it('retries the shard of a node cut mid-job on the other node, and finishes', async () => {
    await h.backend.jobs.apply(job('nlp-cut', 20), 'tester');
    const started = await h.backend.jobs.start('nlp-cut', 'tester');
    const victim = nodes[0]!;
    await expect
      .poll(
        () => h.backend.jobs.current(started.id)!.shards.some((s) => s.node === victim.name && s.state === 'running' && (s.done ?? 0) > 0),
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe(true);
    cut(victim);
    try {
      await expect.poll(() => h.backend.jobs.current(started.id)!.retries, { timeout: 60_000, interval: 200 }).toBeGreaterThan(0);
    } finally {
      restore(victim);
    }
    const r = await h.backend.jobs.settled(started.id);
    expect(r.state, JSON.stringify(r.shards)).toBe('succeeded');
    const moved = r.shards.filter((s) => s.attempt > 0);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((s) => s.node === nodes[1]!.name || s.node === victim.name)).toBe(true);
    expect(runSummary(r).itemsDone).toBe(1000);
    const retry = records('job.retry').find((x) => x.params?.run === r.id)!;
    expect(retry).toMatchObject({
      outcome: 'ok',
      target: { node: victim.name },
      params: { reason: expect.stringContaining(`lost ${victim.name}`) },
    });
    // The container the cut node kept running is removed once the node answers again.
    await expect.poll(() => containers(victim, r.id), { timeout: 30_000 }).toEqual([]);
  }, 240_000);

  it('finishes when the cut node is still away at the end, and a later cancel removes what it kept running', async () => {
    await h.backend.jobs.apply(job('nlp-away', 20), 'tester');
    const started = await h.backend.jobs.start('nlp-away', 'tester');
    const victim = nodes[0]!;
    await expect
      .poll(
        () => h.backend.jobs.current(started.id)!.shards.some((s) => s.node === victim.name && s.state === 'running' && (s.done ?? 0) > 0),
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe(true);
    cut(victim);
    let r;
    try {
      r = await h.backend.jobs.settled(started.id);
    } finally {
      restore(victim);
    }
    expect(r.state, JSON.stringify(r.shards)).toBe('succeeded');
    expect(runSummary(r).itemsDone).toBe(1000);
    // Back on the network, it still has the container of the shard it lost; cancel cleans it up.
    await h.backend.jobs.cancel(r.id);
    await expect.poll(() => containers(victim, r.id), { timeout: 30_000 }).toEqual([]);
    expect(h.backend.jobs.current(r.id)!.state).toBe('succeeded');
  }, 240_000);

  it('cancels a run: no container of it is left on any node, and the cancel is on record', async () => {
    await h.backend.jobs.apply(job('nlp-cancel', 200), 'tester');
    const started = await h.backend.jobs.start('nlp-cancel', 'tester');
    await expect
      .poll(() => h.backend.jobs.current(started.id)!.shards.filter((s) => s.state === 'running').length, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(2);
    // The operator reads a running shard's output live from its node (never stored by Edgeward).
    expect(await h.backend.jobs.logs(started.id, 0, 5)).toMatch(/record MRN-\d{6}/);
    const r = await h.backend.jobs.cancel(started.id);
    expect(r.state).toBe('cancelled');
    for (const n of nodes) expect(containers(n, r.id)).toEqual([]);
    expect(records('job.cancel').find((x) => x.params?.run === r.id)).toMatchObject({ outcome: 'ok', params: { state: 'cancelled' } });
    expect(records('job.run').find((x) => x.params?.run === r.id)).toMatchObject({ outcome: 'partial', params: { state: 'cancelled' } });
  }, 240_000);

  it("keeps to the nodes' maintenance windows: shards only where a window is open, a wait said in the run, a start refused when none opens before the deadline", async () => {
    // A window the day after tomorrow (UTC): closed now, and more than a 600 s deadline away.
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const closed = { timeZone: 'UTC', windows: [{ date: later, from: '02:00', to: '04:00' }] };
    const [open, shut] = nodes as [BedNode, BedNode];
    await h.backend.inventory.edit(shut.name, { site: 'night' });
    await h.backend.services.setSiteWindows('night', closed);
    try {
      // 1. One node inside its window (site bed has none), one outside: every shard runs on the open one.
      await h.backend.jobs.apply(job('nlp-window', 1), 'tester');
      const r = await h.backend.jobs.settled((await h.backend.jobs.start('nlp-window', 'tester')).id);
      expect(r.state, JSON.stringify(r.shards)).toBe('succeeded');
      expect(new Set(r.shards.map((s) => s.node))).toEqual(new Set([open.name]));

      // 2. Both outside, and the window opens after the deadline: refused before anything starts, saying why.
      await h.backend.inventory.edit(open.name, { site: 'night' });
      await expect(h.backend.jobs.start('nlp-window', 'tester')).rejects.toThrow(
        new RegExp(
          `cannot start a shard before its deadline \\(600 s\\): ${open.name} waits for the maintenance window of site night: \\w{3} ${later} 02:00`,
        ),
      );

      // 3. A deadline the window falls inside: the run waits, and says for what; no container starts.
      await h.backend.jobs.apply(job('nlp-wait', 1, '', 604_800), 'tester');
      const waiting = await h.backend.jobs.start('nlp-wait', 'tester');
      await expect
        .poll(() => h.backend.jobs.current(waiting.id)!.waiting, { timeout: 30_000, interval: 200 })
        .toMatch(
          /^every target is outside its maintenance window; node-\d+ waits for the maintenance window of site night: \w{3} \d{4}-\d\d-\d\d 02:00–04:00 UTC$/,
        );
      expect(h.backend.jobs.current(waiting.id)!.shards.every((s) => s.state === 'pending')).toBe(true);
      for (const n of nodes) expect(containers(n, waiting.id)).toEqual([]);
      expect((await h.backend.jobs.cancel(waiting.id)).state).toBe('cancelled');

      // 4. A job that says so runs at any time (its apply, with the setting, is on record).
      await h.backend.jobs.apply(job('nlp-anytime', 1, ', maintenanceWindows: ignore'), 'tester');
      const any = await h.backend.jobs.settled((await h.backend.jobs.start('nlp-anytime', 'tester')).id);
      expect(any.state, JSON.stringify(any.shards)).toBe('succeeded');
      expect(records('job.apply').find((x) => x.params?.job === 'nlp-anytime')).toMatchObject({ params: { maintenanceWindows: 'ignore' } });
    } finally {
      await h.backend.services.setSiteWindows('night', null);
      for (const n of nodes) await h.backend.inventory.edit(n.name, { site: 'bed' });
    }
  }, 300_000);
});
