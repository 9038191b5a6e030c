import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rollout } from '../../shared/deploy/rollout.js';
import { PROFILE_SLOS } from '../../shared/slo.js';
import { cut, restore, setRuntime, setScenario, type BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { cliArgv } from '../helpers/cli.js';

/** Rollouts with real podman on the bed: placement, canary, waves, health gates, rollback. */
describe('deployments on the simulated fleet', () => {
  let bed: BedState;
  let h: FleetHarness;
  let nodes: BedNode[];
  const PORT = 18600;
  // Made at run time, so no source or compiled file on this machine holds it.
  const PACS_SECRET = `pacs-${crypto.randomUUID()}`;
  const spec = (
    extra: { version?: string; env?: string; health?: string; name?: string; soakS?: number; latencyMs?: number } = {},
  ) => `name: ${extra.name ?? 'cxr'}
image: localhost/edgeward/oip-test:1
profile: radiology
gpus:
  count: 1
env:
  MODEL_NAME: chest-xray
  MODEL_VERSION: "${extra.version ?? '1'}"
  LATENCY_MS: "${extra.latencyMs ?? 5}"
  TRICKY: "$(touch /tmp/pwned) \`id\` 'single' \\"double\\"\\nsecond line"
${extra.env ?? ''}ports:
  - container: 8000
    host: ${PORT}
health:
  successThreshold: 2
  intervalS: 0.5
${extra.health ?? '  timeoutS: 30'}
targets:
  tags: [deploy-test]
strategy:
  canary: 1
  waves:
    size: 2
  groupBy: site
  soakS: ${extra.soakS ?? 2}
`;
  const frames: Rollout[] = [];
  // After a rollout succeeds, the replaced (stopped) containers are removed in the background.
  const containers = (n: BedNode) =>
    ssh(
      bed,
      n,
      "podman inspect --format '{{.Name}} {{.State.Status}}' $(podman ps -aq --filter label=io.edgeward.deployment=cxr) 2>/dev/null",
    )
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .sort();

  beforeAll(async () => {
    bed = await ensureBed();
    nodes = bed.nodes.slice(8, 13);
    h = await fleetBackend();
    for (const [i, n] of nodes.entries()) {
      setScenario(n, { count: 2 });
      ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment) >/dev/null 2>&1; rm -f /tmp/pwned; true');
      await addTrusted(h, bed, [n], { site: i < 3 ? 'north' : 'south', tags: ['deploy-test'] });
    }
    // One node without docker: podman is its runtime, GPUs through CDI.
    setRuntime(nodes[4]!, 'podman');
    for (const n of nodes) fs.rmSync(path.join(n.dir, 'docker-calls.log'), { force: true });
    h.backend.deploy.watch('cxr', (r) => frames.push(r));
  }, 180_000);
  afterAll(async () => {
    h.backend.deploy.stopAll();
    for (const n of nodes) ssh(bed, n, 'podman rm -f $(podman ps -aq --filter label=io.edgeward.deployment) >/dev/null 2>&1; true');
    setRuntime(nodes[4]!, 'docker');
    await h.close();
  });

  it('rolls out canary first, then waves within site limits; docker nodes get --gpus, the podman node CDI', async () => {
    const ctx = { transport: 'cli' as const, clientId: 't' };
    expect((await h.backend.router.invoke('deploy.secret.set', { name: 'pacs-run', value: PACS_SECRET, persist: false }, ctx)).ok).toBe(
      true,
    );
    const { rollout, done } = await h.backend.deploy.apply(spec({ env: '  PACS_PASSWORD:\n    secret: pacs-run\n' }));
    expect(rollout.waves.map((w) => w.length)).toEqual([1, 2, 2]);
    expect(rollout.refused).toEqual([]);
    const final = await done;
    expect(final.status, final.message).toBe('succeeded');
    expect(Object.values(final.nodes).map((s) => s.state)).toEqual(Array(5).fill('done'));
    // The canary was done before any other node started.
    const canary = rollout.waves[0]![0]!;
    const canaryDone = frames.findIndex((f) => f.nodes[canary]?.state === 'done');
    const firstOther = frames.findIndex((f) => Object.values(f.nodes).some((s) => s.node !== canary && s.state !== 'pending'));
    expect(canaryDone).toBeGreaterThan(0);
    expect(firstOther).toBeGreaterThan(canaryDone);
    for (const n of nodes) await expect.poll(() => containers(n), { timeout: 15_000 }).toEqual(['ew-cxr-r1 running']);
    // The image was pinned to its digest before anything ran.
    expect(final.pinnedImage).toMatch(/^localhost\/edgeward\/oip-test@sha256:[0-9a-f]{64}$/);

    const dockerCalls = fs.readFileSync(path.join(nodes[0]!.dir, 'docker-calls.log'), 'utf8');
    expect(dockerCalls).toMatch(/^run -d --name ew-cxr-r1 .*--gpus "device=[01]" /m);
    expect(fs.existsSync(path.join(nodes[4]!.dir, 'docker-calls.log'))).toBe(false);
    const devices = ssh(bed, nodes[4]!, "podman inspect --format '{{range .HostConfig.Devices}}{{.PathInContainer}} {{end}}' ew-cxr-r1");
    expect(devices.stdout).toMatch(/\/dev\/nvidia[01]/);

    // Env values arrive as literal strings: no command substitution, quotes and the newline kept.
    const env = ssh(bed, nodes[1]!, `podman exec ew-cxr-r1 /usr/bin/node -e "process.stdout.write(JSON.stringify(process.env.TRICKY))"`);
    expect(JSON.parse(env.stdout)).toBe(`$(touch /tmp/pwned) \`id\` 'single' "double"\nsecond line`);
    expect(ssh(bed, nodes[1]!, 'test -e /tmp/pwned && echo yes || echo no').stdout.trim()).toBe('no');
    // The secret reached both runtimes' containers, and no file on any node holds it.
    for (const n of [nodes[0]!, nodes[4]!]) {
      const secret = ssh(bed, n, `podman exec ew-cxr-r1 /usr/bin/node -e "process.stdout.write(process.env.PACS_PASSWORD)"`);
      expect(secret.stdout).toBe(PACS_SECRET);
    }
    for (const n of nodes)
      expect(
        ssh(
          bed,
          n,
          `grep -rlF --exclude-dir=edgeward-bed --exclude-dir=containers ${PACS_SECRET} /tmp /var/tmp /dev/shm 2>/dev/null; true`,
        ).stdout.trim(),
      ).toBe('');
    expect(dockerCalls).not.toContain(PACS_SECRET);

    const steps = h.backend.audit.index.query({ action: 'deploy.step' }, 0, 100).records;
    expect(
      steps
        .filter((s) => s.params.step === 'done' && s.outcome === 'ok')
        .map((s) => s.target.node)
        .sort(),
    ).toEqual(nodes.map((n) => n.name).sort());
    expect(steps[0]!.params).toMatchObject({ specHash: final.specHash, digest: final.pinnedImage, revision: 1 });
    // Every step was an intent before it acted and has exactly one outcome after.
    const intents = steps.filter((s) => s.outcome === 'intent').map((s) => s.seq);
    expect(
      steps
        .filter((s) => s.outcome !== 'intent')
        .map((s) => s.intent)
        .sort(),
    ).toEqual(intents.sort());
    expect(steps.every((s) => s.target.deployment === 'cxr')).toBe(true);
    // The apply's outcome is written when the rollout ended, pointing at its intent.
    const [applied] = h.backend.audit.index.query({ action: 'deploy.apply' }, 0, 1).records;
    expect(applied).toMatchObject({
      outcome: 'ok',
      target: { deployment: 'cxr' },
      params: { specHash: final.specHash, image: 'localhost/edgeward/oip-test:1' },
    });
    expect(h.backend.audit.index.query({ action: 'deploy.apply', outcome: 'intent' }, 0, 1).records[0]?.seq).toBe(applied!.intent);
  }, 180_000);

  it('stops at the canary when the new revision never becomes ready, and puts the old one back', async () => {
    frames.length = 0;
    const { rollout, done } = await h.backend.deploy.apply(spec({ version: '2', env: '  NEVER_READY: "1"\n', health: '  timeoutS: 4' }));
    expect(rollout.revision).toBe(2);
    const final = await done;
    expect(final.status).toBe('rolled-back');
    const canary = final.waves[0]![0]!;
    expect(final.nodes[canary]).toMatchObject({ state: 'rolled-back' });
    expect(final.nodes[canary]!.detail).toMatch(/not ready within 4 s .*revision 1 running again/);
    for (const n of final.waves.slice(1).flat()) expect(final.nodes[n]!.state).toBe('pending');
    // Every node runs revision 1 (the canary's r2 is gone, its r1 restarted).
    for (const n of nodes) await expect.poll(() => containers(n), { timeout: 15_000 }).toEqual(['ew-cxr-r1 running']);
  }, 120_000);

  it('refuses invalid specs with precise errors, and lists nodes that cannot take it with the reason', async () => {
    const bad = async (text: string) => {
      try {
        await h.backend.deploy.apply(text);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(await bad(spec().replace('image: localhost/edgeward/oip-test:1', 'image: "oip-test:1; reboot"'))).toMatch(
      /line 2 \(image\): an image reference has no spaces, quotes or shell characters/,
    );
    expect(await bad(spec({ name: 'cxr$(id)' }))).toMatch(/line 1 \(name\): lowercase letters/);
    expect(await bad(spec().replace('    host: 18600', '    host: 18600\n  - container: 8002\n    host: 18600'))).toMatch(
      /\(ports\): two mappings use the same host port/,
    );
    expect(await bad(spec().replace('  count: 1', '  indices: [7]'))).toMatch(
      /No target node can run cxr: .*GPU 7 does not exist \(the node has GPU 0, 1\)/,
    );
    expect(await bad(spec().replace('LATENCY_MS: "5"', 'LATENCY_MS: "5"\n  PACS_PASSWORD:\n    secret: pacs'))).toMatch(
      /secret "pacs" is not set/,
    );
  });

  it('rolls back in one step to the last revision that ran everywhere', async () => {
    const v3 = await h.backend.deploy.apply(spec({ version: '3' }));
    expect((await v3.done).status).toBe('succeeded');
    for (const n of nodes) await expect.poll(() => containers(n), { timeout: 15_000 }).toEqual(['ew-cxr-r3 running']);
    const back = await h.backend.deploy.rollback('cxr');
    // Revision 2 never became ready anywhere: the way back is revision 1.
    expect(back.rollout).toMatchObject({ kind: 'rollback', revision: 1, previousRevision: 3 });
    const final = await back.done;
    expect(final.status, final.message).toBe('succeeded');
    for (const n of nodes) await expect.poll(() => containers(n), { timeout: 15_000 }).toEqual(['ew-cxr-r1 running']);
    const env = ssh(bed, nodes[2]!, `podman exec ew-cxr-r1 /usr/bin/node -e "process.stdout.write(process.env.MODEL_VERSION)"`);
    expect(env.stdout).toBe('1');
    expect(h.backend.audit.index.query({ action: 'deploy.rollback' }, 0, 1).records[0]).toMatchObject({ params: { revision: 1 } });
  }, 180_000);

  it('survives the app being killed mid-rollout: the restart says so, and resume finishes it', async () => {
    const file = path.join(h.dataDir, 'cxr-v4.yaml');
    fs.writeFileSync(file, spec({ version: '4', soakS: 8 }));
    const cli = spawn(process.execPath, cliArgv(h.dataDir, 'deploy', 'apply', file, '--yes'), {
      stdio: 'ignore',
      detached: true,
    });
    // Killed (no chance to clean up) while the canary soaks.
    await expect
      .poll(
        () =>
          Object.values(h.backend.deploy.store.rollout('cxr')?.nodes ?? {}).some(
            (s) => s.state === 'soak' && h.backend.deploy.store.rollout('cxr')?.revision === 4,
          ),
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe(true);
    const exited = new Promise((r) => cli.once('exit', r));
    process.kill(-cli.pid!, 'SIGKILL');
    // Dead, not just signalled (a dying process still holds its rollout's lease for a few ms).
    await exited;
    // The app starts again on the same data: the rollout is interrupted, not silently resumed.
    const restarted = await createBackend({ dataDir: h.dataDir, transport: 'cli', userKnownHostsFile: path.join(h.dataDir, 'none') });
    try {
      const r = restarted.deploy.store.rollout('cxr')!;
      expect(r.status).toBe('interrupted');
      expect(r.message).toMatch(/Resume it to finish, or halt it/);
      const { done } = await restarted.deploy.resume('cxr');
      const final = await done!;
      expect(final.status, final.message).toBe('succeeded');
      for (const n of nodes) await expect.poll(() => containers(n), { timeout: 15_000 }).toEqual(['ew-cxr-r4 running']);
      expect(restarted.audit.index.query({ action: 'deploy.resume' }, 0, 1).records).toHaveLength(1);
    } finally {
      await restarted.close();
    }
  }, 180_000);

  it('rolls back when a link is cut during a wave, then finds and repairs the drift once the node is back', async () => {
    const applied = await h.backend.deploy.apply(spec({ version: '5', soakS: 6 }));
    const victim = applied.rollout.waves[1]![0]!;
    const bedNode = nodes.find((n) => n.name === victim)!;
    let final: Rollout;
    try {
      await expect.poll(() => h.backend.deploy.store.rollout('cxr')?.nodes[victim]?.state, { timeout: 60_000, interval: 100 }).toBe('soak');
      cut(bedNode);
      final = await applied.done;
      expect(final.status).toBe('rolled-back');
      expect(final.nodes[victim]).toMatchObject({ state: 'failed' });
      expect(final.nodes[victim]!.detail).toMatch(/(lost the connection to|is unreachable).*could not reach the node to put it back/);
    } finally {
      restore(bedNode);
    }
    // Back on the network, the node still runs the new revision while the rest went back.
    const before = final.nodes[victim]!.previous?.revision ?? null;
    expect(before).toBe(4);
    await expect
      .poll(async () => (await h.backend.deploy.drift('cxr')).filter((d) => !d.ok).map((d) => [d.node, d.expected, d.running]), {
        timeout: 30_000,
      })
      .toEqual([[victim, before, [final.revision]]]);
    const repaired = await h.backend.deploy.reconcile('cxr');
    expect(repaired).toEqual([{ node: victim, ok: true, detail: `revision ${before} running and ready` }]);
    expect((await h.backend.deploy.drift('cxr')).every((d) => d.ok)).toBe(true);
    for (const n of nodes) expect(containers(n)).toContain(`ew-cxr-r${before} running`);
  }, 180_000);

  it('rolls back when the SLO burns during the soak, though every health check passes', async () => {
    // The nodes' endpoint on the deployment's port, judged as radiology with a tight p95 objective.
    for (const n of nodes) {
      await h.backend.inventory.edit(n.name, {
        profiles: ['radiology'],
        probeIntervalMs: 1000,
        endpoints: [{ name: 'cxr', port: PORT, model: 'chest-xray', input: 'INPUT0' }],
      });
    }
    expect(
      (
        await h.backend.router.invoke(
          'settings.set',
          { slo: { ...PROFILE_SLOS, radiology: { latency: { percentile: 95, belowMs: 100 } } } },
          { transport: 'cli', clientId: 'test' },
        )
      ).ok,
    ).toBe(true);
    // Nothing watches these nodes (as from a CLI): the rollout starts their telemetry for its soak.
    // Ready at once, but every inference takes 300 ms.
    const { done } = await h.backend.deploy.apply(spec({ version: '6', latencyMs: 300, soakS: 40 }));
    const final = await done;
    expect(final.status).toBe('rolled-back');
    const canary = final.waves[0]![0]!;
    expect(final.nodes[canary]!.detail).toMatch(/SLO breached during the soak: cxr: error budget burning .* against p95 < 100 ms/);
    for (const n of nodes) expect(containers(n)).toContain('ew-cxr-r4 running');
  }, 180_000);

  it('from the CLI, through the router: apply follows the rollout to its end and exits 0, its outcome already on record', async () => {
    const file = path.join(h.dataDir, 'cxr-v7.yaml');
    fs.writeFileSync(file, spec({ version: '7', soakS: 1 }));
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const cli = spawn(process.execPath, cliArgv(h.dataDir, 'deploy', 'apply', file, '--yes'), { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      cli.once('exit', (code) => resolve({ code, stdout }));
    });
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toMatch(/cxr revision \d+ \(apply\) succeeded/);
    for (const n of nodes) expect(out.stdout).toContain(`${n.name}: done`);
    // Written by the CLI process before it exited: the intent and the outcome that closes it.
    h.backend.audit.index.refresh();
    const [outcome, intent] = h.backend.audit.index.query({ action: 'deploy.apply' }, 0, 2).records;
    expect(intent).toMatchObject({ outcome: 'intent' });
    expect(outcome).toMatchObject({ outcome: 'ok', intent: intent!.seq });
  }, 180_000);
});
