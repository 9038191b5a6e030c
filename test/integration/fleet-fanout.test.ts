import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cut, down, setDelay, up, type BedState } from '../testbed/bed.js';
import { fleetBackend, nodeInput, type FleetHarness } from './helpers/fleet.js';
import { ssh } from './helpers/bed.js';
import type { FleetRunSummary } from '../../shared/fleet-commands.js';

describe('fleet command across 50 nodes, one down and one slow', () => {
  let bed: BedState;
  let h: FleetHarness;
  beforeAll(async () => {
    bed = await up({ nodes: 50, image: false });
    // First contact through the bed's known_hosts: 50 keys vouched for, each pin audited.
    h = await fleetBackend({
      userKnownHostsFile: bed.knownHosts,
      ssh: { readyTimeoutMs: 8000, keepaliveIntervalMs: 1000, keepaliveCountMax: 3 },
    });
    await h.backend.inventory.addMany(
      bed.nodes.map((n) => nodeInput(bed, n, { tags: n.index % 2 ? ['odd'] : ['even'] })),
      'bed',
    );
    cut(bed.nodes[6]!);
    await setDelay(bed, bed.nodes[12]!, 150);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await down();
  });

  it('runs everywhere in parallel, reports the down node as unreachable and waits for the slow one', async () => {
    const frames: string[] = [];
    const summary = await h.backend.runner.run(
      { selection: { kind: 'all' }, command: 'hostname', confirmed: true, concurrency: 50, timeoutS: 20 },
      (f) => {
        if ('done' in f) frames.push(f.done.node);
      },
    );
    expect(summary.total).toBe(50);
    expect(summary.counts).toMatchObject({ ok: 49, unreachable: 1, failed: 0 });
    const down = summary.results.find((r) => r.node === bed.nodes[6]!.name)!;
    expect(down).toMatchObject({ outcome: 'unreachable', message: expect.stringContaining('is unreachable') });
    const slow = summary.results.find((r) => r.node === bed.nodes[12]!.name)!;
    expect(slow).toMatchObject({ outcome: 'ok', stdout: `${bed.nodes[12]!.name}\n` });
    const others = summary.results.filter((r) => r.outcome === 'ok' && r.node !== slow.node).map((r) => r.durationMs);
    expect(slow.durationMs).toBeGreaterThan(Math.min(...others) + 1000);
    // Results come in as nodes finish; the summary lists them in selection order.
    expect(frames).toHaveLength(50);
    expect(summary.results.map((r) => r.node)).toEqual(bed.nodes.map((n) => n.name));
    // The unreachable node did not hold the others back: the run took about one handshake timeout.
    expect(summary.durationMs).toBeLessThan(8000 + 5000);
    // Every node's run is in the audit log with the host key it used.
    const audited = h.backend.audit.index.query({ action: 'fleet.exec' }, 0, 200);
    // An intent before each node's command and an outcome after it.
    expect(audited.records.filter((r) => r.outcome === 'intent')).toHaveLength(50);
    expect(audited.total).toBe(100);
    expect(audited.records.filter((r) => r.outcome === 'ok').every((r) => r.hostKey?.startsWith('SHA256:'))).toBe(true);
    expect(audited.records.every((r) => r.params?.run === summary.runId)).toBe(true);
  }, 60_000);

  it("records a list of nodes as its length in each node's record, the run's id tying the records together", async () => {
    const names = bed.nodes.slice(13, 43).map((n) => n.name); // past the down (6) and the slow (12) node
    const summary = await h.backend.runner.run({
      selection: { kind: 'nodes', nodes: names },
      command: 'true',
      confirmed: true,
      concurrency: 30,
      timeoutS: 20,
    });
    expect(summary.counts.ok).toBe(30);
    const records = h.backend.audit.index.query({ text: summary.runId }, 0, 100).records;
    expect(records).toHaveLength(60);
    expect(new Set(records.map((r) => r.target?.node))).toEqual(new Set(names));
    for (const r of records) expect(r.params?.selection).toEqual({ kind: 'nodes', count: 30 });
  }, 60_000);

  it('selects by tag and cancels a long run, stopping the command on every node', async () => {
    const { runId, nodes } = await h.backend.runner.start({
      selection: { kind: 'tag', tag: 'even' },
      command: 'sleep 30',
      confirmed: true,
      concurrency: 50,
      timeoutS: 60,
    });
    expect(nodes).toHaveLength(25);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.backend.runner.cancel(runId)).toBe(true);
    const summary = await new Promise<FleetRunSummary>((resolve) =>
      h.backend.runner.follow(runId, (f) => 'summary' in f && resolve(f.summary)),
    );
    expect(summary.counts.cancelled).toBeGreaterThanOrEqual(24);
    expect(summary.durationMs).toBeLessThan(15_000);
    // Nothing keeps running on the nodes.
    for (const node of [bed.nodes[1]!, bed.nodes[49]!]) {
      await expect.poll(() => ssh(bed, node, "pgrep -f '[s]leep 30' || true").stdout, { timeout: 5000 }).toBe('');
    }
  }, 60_000);
});
