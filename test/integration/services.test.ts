import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rollout } from '../../shared/deploy/rollout.js';
import { cut, restore, setScenario, type BedState } from '../testbed/bed.js';
import { startFrontDoor, type FrontDoorLb } from '../testbed/front-door.js';
import type { BedNode } from '../testbed/layout.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

/**
 * A clinical decision support service on two bed nodes (real OpenSSH and podman, the OIP test
 * server as the model), redundancy minimum 1, behind a front door that fails over like a load balancer.
 */
describe('services: redundancy and maintenance windows in every rollout', () => {
  let bed: BedState;
  let h: FleetHarness;
  let a: BedNode;
  let b: BedNode;
  let door: FrontDoorLb;
  const PORT = 18700;
  const ctx = { transport: 'cli' as const, clientId: 't' };
  const spec = (version: number, extra: { targets?: string; waves?: string } = {}) => `name: sepsis
image: localhost/edgeward/oip-test:1
profile: cds
env:
  MODEL_NAME: sepsis
  MODEL_VERSION: "${version}"
  LATENCY_MS: "3"
ports:
  - container: 8000
    host: ${PORT}
health:
  successThreshold: 2
  intervalS: 0.5
  timeoutS: 30
targets:
${extra.targets ?? '  tags: [cds-pair]'}
strategy:
  canary: 0
  waves:
    size: 2
  groupBy: none
  maxUnavailable: 2
  soakS: 2
`;
  const service = (extra = '') => `name: sepsis-cds
deployment: sepsis
profile: cds
members: [${a.name}, ${b.name}]
redundancy:
  minHealthy: 1
  waitS: 2
frontDoor:
  url: ${door.url('/v2/health/ready')}
${extra}`;
  const invoke = async <T>(channel: string, req: unknown): Promise<T> => {
    const r = await h.backend.router.invoke(channel as never, req as never, ctx);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  const revisionOn = (n: BedNode) =>
    ssh(bed, n, "podman ps --filter label=io.edgeward.deployment=sepsis --format '{{.Names}}'").stdout.trim().split('\n').filter(Boolean);
  const inFlight = (r: Rollout) =>
    Object.values(r.nodes)
      .filter((s) => ['pulling', 'starting', 'health', 'soak', 'rolling-back'].includes(s.state))
      .map((s) => s.node);

  beforeAll(async () => {
    bed = await ensureBed();
    [a, b] = [bed.nodes[6]!, bed.nodes[13]!];
    h = await fleetBackend();
    for (const n of [a, b]) {
      setScenario(n, { count: 1 });
      ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment) >/dev/null 2>&1; true');
    }
    await addTrusted(h, bed, [a, b], { site: 'icu', tags: ['cds-pair'] });
    door = await startFrontDoor([`${a.address}:${PORT}`, `${b.address}:${PORT}`]);
  }, 180_000);
  afterAll(async () => {
    for (const n of [a, b]) restore(n);
    await h.backend.deploy.stopAll();
    for (const n of [a, b]) ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment) >/dev/null 2>&1; true');
    await door?.close();
    await h.close();
  });

  it('checks a service as typed, with the line and field of each problem, and records apply and remove', async () => {
    const bad = await invoke<{ problems: { line: number; path: string; message: string }[] }>('service.validate', {
      text: `name: sepsis-cds\ndeployment: sepsis\nmembers: [${a.name}, ghost-node]\nredundancy:\n  minHealthy: 2\n`,
    });
    expect(bad.problems).toEqual([expect.objectContaining({ path: 'redundancy.minHealthy', line: 5 })]);
    const unknown = await invoke<{ problems: { line: number; path: string; message: string }[] }>('service.validate', {
      text: `name: sepsis-cds\ndeployment: sepsis\nmembers: [${a.name}, ghost-node]\nredundancy:\n  minHealthy: 1\n`,
    });
    expect(unknown.problems).toEqual([
      expect.objectContaining({ path: 'members.1', line: 3, message: expect.stringMatching(/ghost-node is not in the inventory/) }),
    ]);
    await invoke('service.apply', { text: service() });
    const listed = await invoke<{ services: { name: string; members: string[] }[] }>('service.list', {});
    expect(listed.services).toEqual([expect.objectContaining({ name: 'sepsis-cds', members: [a.name, b.name] })]);
    const rec = h.backend.audit.index.query({ action: 'service.apply' }, 0, 5).records;
    expect(rec[0]).toMatchObject({ outcome: 'ok', target: { service: 'sepsis-cds', deployment: 'sepsis' } });
  });

  it('with both members up, updates them one at a time and the front door answers throughout', async () => {
    // Revision 1: nothing serves yet, so both may start at once.
    const first = await h.backend.deploy.apply(spec(1));
    expect((await first.done).status).toBe('succeeded');
    const shown = await invoke<{ health: { level: string; summary: string } }>('service.show', { name: 'sepsis-cds' });
    expect(shown.health).toEqual({ level: 'healthy', summary: '2 of 2 ready, minimum 1' });

    const frames: Rollout[] = [];
    const stop = h.backend.deploy.watch('sepsis', (r) => frames.push(r));
    let failures = 0;
    let probes = 0;
    let probing = true;
    const prober = (async () => {
      while (probing) {
        probes++;
        const res = await fetch(door.url('/v2/health/ready'), { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
        if (res?.status !== 200) failures++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const second = await h.backend.deploy.apply(spec(2));
    const final = await second.done;
    probing = false;
    await prober;
    stop();
    expect(final.status, final.message).toBe('succeeded');
    // One wave of two, but never both members out together: the redundancy minimum held.
    expect(second.rollout.waves).toEqual([[a.name, b.name].sort()]);
    expect(Math.max(...frames.map((f) => inFlight(f).length))).toBe(1);
    expect(frames.some((f) => Object.values(f.nodes).some((s) => /held until a member this rollout has out is back/.test(s.detail)))).toBe(
      true,
    );
    expect(probes).toBeGreaterThan(20);
    expect(failures).toBe(0);
    for (const n of [a, b]) expect(revisionOn(n)).toEqual(['ew-sepsis-r2']);
  }, 120_000);

  it('refuses, naming each member and its state, when the other member is cut; the live one keeps its revision', async () => {
    cut(b);
    try {
      await expect(h.backend.deploy.apply(spec(3))).rejects.toThrow(
        new RegExp(
          `${a.name}: sepsis-cds \\(group all\\): taking ${a.name} down would leave 0 of minimum 1 healthy: ${b.name} unreachable`,
        ),
      );
      expect(revisionOn(a)).toEqual(['ew-sepsis-r2']);
    } finally {
      restore(b);
    }
  }, 120_000);

  it('counts a member outside the rollout: with it down, the member in the targets is refused', async () => {
    // Just after its link came back (the test before), the first SSH to it can fail on a loaded
    // machine: the member must really be down before the plan is asked (podman stop is idempotent).
    await expect.poll(() => ssh(bed, b, 'podman stop -t 0 ew-sepsis-r2 >/dev/null').status, { timeout: 30_000 }).toBe(0);
    try {
      const plan = await invoke<{ accepted: { node: string }[]; refused: { node: string; reason: string }[] }>('deploy.plan', {
        text: spec(3, { targets: `  nodes: [${a.name}]` }),
      });
      expect(plan.accepted).toEqual([]);
      expect(plan.refused).toEqual([{ node: a.name, reason: expect.stringContaining(`${b.name} not answering on port ${PORT}`) }]);
      const shown = await invoke<{ health: { level: string } }>('service.show', { name: 'sepsis-cds' });
      expect(shown.health.level).toBe('at-risk');
    } finally {
      ssh(bed, b, 'podman start ew-sepsis-r2 >/dev/null');
      // Ready again (the model loads) before the next test counts on it.
      await expect
        .poll(() => ssh(bed, b, `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${PORT}/v2/health/ready`).stdout, {
          timeout: 30_000,
        })
        .toBe('200');
    }
  }, 120_000);

  it('refuses a drain that would leave the group below its minimum, naming the drained member', async () => {
    await invoke('fleet.node.drain', { name: a.name, reason: 'fan replacement' });
    try {
      await expect(invoke('fleet.node.drain', { name: b.name, reason: 'firmware' })).rejects.toThrow(
        `CONFLICT: Cannot drain ${b.name}: sepsis-cds (group all): taking ${b.name} down would leave 0 of minimum 1 healthy: ${a.name} drained (fan replacement)`,
      );
      await expect(invoke('fleet.node.setEnabled', { name: b.name, enabled: false, reason: 'x' })).rejects.toThrow(/Cannot disable/);
      expect(h.backend.inventory.get(b.name)!.drain).toBeUndefined();
    } finally {
      await invoke('fleet.node.undrain', { name: a.name });
    }
  }, 60_000);

  it('repairs drift one member at a time, never replacing what serves on one while the other is down', async () => {
    // a serves a wrong revision (its container relabelled by hand as revision 1); b serves nothing.
    ssh(bed, a, 'podman stop -t 0 ew-sepsis-r2 >/dev/null');
    const image = ssh(bed, a, "podman inspect --format '{{.ImageName}}' ew-sepsis-r2").stdout.trim();
    ssh(
      bed,
      a,
      `podman run -d --name ew-sepsis-r1 --label io.edgeward.deployment=sepsis --label io.edgeward.revision=1 -p ${PORT}:8000 ${image} >/dev/null`,
    );
    ssh(bed, b, 'podman stop -t 0 ew-sepsis-r2 >/dev/null');
    await expect
      .poll(() => ssh(bed, a, `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${PORT}/v2/health/ready`).stdout, {
        timeout: 30_000,
      })
      .toBe('200');
    const first = await invoke<{ nodes: { node: string; ok: boolean; detail: string }[] }>('deploy.reconcile', { name: 'sepsis' });
    expect(first.nodes).toEqual([
      {
        node: a.name,
        ok: false,
        detail: expect.stringMatching(new RegExp(`^not repaired now: .*${b.name} not answering on port ${PORT}`)),
      },
      { node: b.name, ok: true, detail: 'revision 2 running and ready' },
    ]);
    expect(revisionOn(a)).toEqual(['ew-sepsis-r1']);
    const second = await invoke<{ nodes: { node: string; ok: boolean; detail: string }[] }>('deploy.reconcile', { name: 'sepsis' });
    expect(second.nodes).toEqual([{ node: a.name, ok: true, detail: 'revision 2 running and ready' }]);
    expect(revisionOn(a)).toEqual(['ew-sepsis-r2']);
  }, 120_000);

  it('holds a rollout for a closed maintenance window; an emergency with a reason runs it and is audited as such', async () => {
    // A one-off window ten days from now: closed now, with a next opening to name.
    const date = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const weekday = new Date(`${date}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
    await invoke('service.apply', {
      text: service(`maintenance:\n  timeZone: Europe/Berlin\n  windows:\n    - date: "${date}"\n      from: "02:00"\n      to: "04:00"\n`),
    });
    const plan = await invoke<{ waves: { nodes: string[]; waitsFor: string[] }[] }>('deploy.plan', { text: spec(3) });
    expect(plan.waves[0]!.waitsFor).toEqual([
      `waits for the maintenance window of service sepsis-cds: ${weekday} ${date} 02:00–04:00 Europe/Berlin`,
    ]);
    const held = await h.backend.deploy.apply(spec(3));
    await expect
      .poll(() => h.backend.deploy.status('sepsis').rollout?.message, { timeout: 15_000 })
      .toMatch(/waits for the maintenance window of service sepsis-cds/);
    // Nothing was touched while it waited.
    expect(Object.values(h.backend.deploy.status('sepsis').rollout!.nodes).map((s) => s.state)).toEqual(['pending', 'pending']);
    await h.backend.deploy.abort('sepsis');
    await held.done;
    for (const n of [a, b]) expect(revisionOn(n)).toEqual(['ew-sepsis-r2']);

    const rollout = await invoke<Rollout>('deploy.apply', { text: spec(3), emergency: 'sepsis model recall from the vendor' });
    expect(rollout.emergency).toEqual({ reason: 'sepsis model recall from the vendor', by: 'operator' });
    await h.backend.deploy.settled('sepsis');
    expect(h.backend.deploy.status('sepsis').rollout!.status).toBe('succeeded');
    const rec = h.backend.audit.index.query({ action: 'deploy.apply', outcome: 'intent' }, 0, 1).records[0]!;
    expect(rec.params).toMatchObject({ emergency: 'sepsis model recall from the vendor', revision: 3 });
  }, 120_000);

  it('drills a healthy pair: passes, the member taken out is back and ready, the report verifies against the audit log', async () => {
    // The service's window (set above) is closed: a drill is a change, so it needs a reason now.
    await expect(h.backend.drills.start({ service: 'sepsis-cds', member: a.name, seconds: 6 })).rejects.toThrow(
      /A drill takes a member of sepsis-cds out, and .* waits for the maintenance window of service sepsis-cds/,
    );
    const { done } = await h.backend.drills.start({
      service: 'sepsis-cds',
      member: a.name,
      seconds: 6,
      outsideWindow: 'HA test agreed with the ICU lead',
    });
    const r = await done;
    expect(r.verdict, r.reasons.join('; ')).toBe('pass');
    expect(r.restored).toBe(true);
    expect(r.frontDoor!.probes).toBeGreaterThan(10);
    expect(r.frontDoor!.failures).toBe(0);
    expect(r.members).toEqual([expect.objectContaining({ target: b.name, failures: 0 })]);
    expect(revisionOn(a)).toEqual(['ew-sepsis-r3']);
    const rec = h.backend.audit.index.query({ action: 'drill.run' }, 0, 1).records[0]!;
    expect(rec).toMatchObject({
      outcome: 'ok',
      target: { service: 'sepsis-cds', node: a.name },
      params: { verdict: 'pass', sha256: r.sha256 },
    });
    expect(h.backend.audit.index.query({ action: 'drill.run', outcome: 'intent' }, 0, 1).records[0]!.params).toMatchObject({
      outsideWindow: 'HA test agreed with the ICU lead',
    });
    expect(h.backend.drills.verify(r.report)).toMatchObject({ intact: true, seq: rec.seq, verdict: 'pass' });
    const copy = `${r.report}.edited.html`;
    fs.writeFileSync(copy, fs.readFileSync(r.report, 'utf8').replace('PASS', 'PASS '));
    expect(h.backend.drills.verify(copy).intact).toBe(false);
    // The drills below run without windows.
    await invoke('service.apply', { text: service() });
  }, 120_000);

  it('fails a drill, with evidence, when the remaining member is too slow on its link; the member is back all the same', async () => {
    // The front door reaches node b through a 150 ms link: over the 100 ms p99 objective of CDS.
    door.setDelay(`${b.address}:${PORT}`, 150);
    try {
      const { done } = await h.backend.drills.start({ service: 'sepsis-cds', member: a.name, seconds: 5 });
      const r = await done;
      expect(r.verdict).toBe('fail');
      expect(r.reasons).toEqual([expect.stringMatching(/^front door .*: p99 \d+(\.\d)? ms, not below the objective of 100 ms$/)]);
      expect(r.frontDoor!.p99Ms!).toBeGreaterThanOrEqual(150);
      expect(r.restored).toBe(true);
      expect(revisionOn(a)).toEqual(['ew-sepsis-r3']);
      const rec = h.backend.audit.index.query({ action: 'drill.run' }, 0, 1).records[0]!;
      expect(rec).toMatchObject({ outcome: 'failed', params: { verdict: 'fail' } });
      expect(fs.readFileSync(r.report, 'utf8')).toContain('Verdict: FAIL');
    } finally {
      door.setDelay(`${b.address}:${PORT}`, 0);
    }
  }, 120_000);

  it('cancels a drill midway and still puts the member back; refuses one that would break redundancy', async () => {
    const { id, done } = await h.backend.drills.start({ service: 'sepsis-cds', member: b.name, seconds: 120 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(h.backend.drills.cancel(id)).toBe(true);
    const r = await done;
    expect(r.cancelled).toBe(true);
    expect(r.verdict).toBe('fail');
    expect(r.restored).toBe(true);
    expect(revisionOn(b)).toEqual(['ew-sepsis-r3']);
    await invoke('fleet.node.drain', { name: a.name, reason: 'fan replacement' });
    try {
      await expect(h.backend.drills.start({ service: 'sepsis-cds', member: b.name, seconds: 5 })).rejects.toThrow(
        /A drill now would break redundancy/,
      );
    } finally {
      await invoke('fleet.node.undrain', { name: a.name });
    }
  }, 120_000);
});
