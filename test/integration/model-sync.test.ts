import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import type { BedNode } from '../testbed/layout.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { execForDeploy } from '../../electron/services/deploy/node-exec.js';

/**
 * Model weights placed on a site node (through its gateway) before the container starts: only
 * changed files cross the link, the version is mounted read-only, and a file the node's disk
 * spoils is found before the health gate.
 */
describe('model artifacts on the node', () => {
  const tmp = makeTempDir('edgeward-model-it-');
  const source = path.join(tmp.dir, 'model');
  const hostPath = `/var/tmp/edgeward-model-it-${process.pid}`;
  let bed: BedState;
  let h: FleetHarness;
  let node: BedNode;
  const exec = (cmd: string) => execForDeploy(h.backend.pool, node.name, cmd);
  const spec = (version: string) => `name: model-cxr
image: ${bed.image}
gpus:
  count: 1
env:
  MODEL_VERSION: "${version}"
model:
  source: ${source}
  hostPath: ${hostPath}
  container: /models
ports:
  - container: 8000
    host: 18704
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 60
targets:
  nodes: [${node.name}]
strategy:
  canary: 1
  soakS: 0
`;
  const rollout = async (version: string) => {
    const details: string[] = [];
    const { done } = await h.backend.deploy.apply(spec(version));
    const stop = h.backend.deploy.watch('model-cxr', (r) => {
      const d = r.nodes[node.name]?.detail;
      if (d && details.at(-1) !== d) details.push(d);
    });
    const final = await done;
    stop();
    return { final, details };
  };

  beforeAll(async () => {
    bed = await ensureBed();
    node = bed.nodes.find((n) => n.name === 'site1-03')!;
    fs.mkdirSync(path.join(source, 'weights'), { recursive: true });
    fs.writeFileSync(path.join(source, 'weights', 'backbone.bin'), crypto.randomBytes(1 << 20));
    fs.writeFileSync(path.join(source, 'weights', 'head.bin'), crypto.randomBytes(1 << 20));
    fs.writeFileSync(path.join(source, 'config.json'), '{"labels":["effusion","nodule"]}');
    h = await fleetBackend();
    await addTrusted(h, bed, [node]);
  }, 180_000);
  afterAll(async () => {
    fs.rmSync(path.join(node.dir, 'bin', 'cp'), { force: true });
    await exec(
      `docker rm -f $(docker ps -aq --filter label=io.edgeward.deployment=model-cxr) >/dev/null 2>&1; rm -rf ${hostPath}; true`,
    ).catch(() => undefined);
    await h?.close();
    tmp.cleanup();
  });

  it('sends every file the first time, then only the changed one; the revision mounts its own version', async () => {
    const first = await rollout('1');
    expect(first.final.status, first.final.message).toBe('succeeded');
    // site1-03 is behind node-01: the files go through the site cache there.
    expect(
      first.details.some((d) =>
        /placed: 3 file\(s\) sent \(2\.0 MiB\) through the site cache node-01 \(2\.0 MiB over the site link\), 0 reused$/.test(d),
      ),
    ).toBe(true);
    const v1 = first.final.nodes[node.name]!;
    const rec1 = h.backend.audit.index.query({ action: 'deploy.apply' }, 0, 5).records.find((r) => r.outcome === 'intent')!;
    expect(rec1.params.model).toMatch(/^sha256:[0-9a-f]{64}$/);

    fs.writeFileSync(path.join(source, 'weights', 'head.bin'), crypto.randomBytes(1 << 20));
    const second = await rollout('2');
    expect(second.final.status, second.final.message).toBe('succeeded');
    expect(
      second.details.some((d) =>
        /placed: 1 file\(s\) sent \(1\.0 MiB\) through the site cache node-01 \(1\.0 MiB over the site link\), 2 reused$/.test(d),
      ),
    ).toBe(true);
    expect(second.details).toContainEqual(expect.stringMatching(/^checking the model sha256:[0-9a-f]{12}… before the health gate$/));
    const rec2 = h.backend.audit.index.query({ action: 'deploy.apply' }, 0, 5).records.find((r) => r.outcome === 'intent')!;
    expect(rec2.params.model).not.toBe(rec1.params.model);
    // The container reads the new version, read-only; the previous one stays for a rollback.
    const mounts = (
      await exec(
        `docker inspect --format '{{range .Mounts}}{{.Source}} {{.Destination}} {{.RW}}{{println}}{{end}}' $(docker ps -q --filter label=io.edgeward.deployment=model-cxr)`,
      )
    ).stdout.toString();
    expect(mounts).toContain(`${hostPath}/sha256-${String(rec2.params.model).slice(7)} /models false`);
    expect((await exec(`ls ${hostPath}`)).stdout.toString().split('\n').filter(Boolean).sort()).toEqual(
      [`sha256-${String(rec1.params.model).slice(7)}`, `sha256-${String(rec2.params.model).slice(7)}`].sort(),
    );
    expect(v1.state).toBe('done');
  }, 300_000);

  it('finds a file the node spoiled before the health gate, and puts the node back', async () => {
    // A failing disk: every file the node copies comes out one byte longer.
    fs.writeFileSync(path.join(node.dir, 'bin', 'cp'), '#!/bin/sh\n/bin/cp "$@" || exit $?\nfor last; do :; done\nprintf X >> "$last"\n', {
      mode: 0o755,
    });
    fs.writeFileSync(path.join(source, 'config.json'), '{"labels":["effusion","nodule","pneumothorax"]}');
    const third = await rollout('3');
    expect(third.final.status).not.toBe('succeeded');
    expect(third.final.nodes[node.name]!.detail).toMatch(
      /the model on site1-03 is not what was sent: weights\/backbone\.bin, weights\/head\.bin differ from the manifest \(a failing disk\?\); refused before the health gate/,
    );
  }, 300_000);

  it('a site of 4 gets a model through its cache: each file crosses the site link once, then only the changed one', async () => {
    fs.rmSync(path.join(node.dir, 'bin', 'cp'), { force: true });
    const site = bed.nodes.filter((n) => n.behind === 'node-01');
    const gateway = bed.nodes.find((n) => n.name === 'node-01')!;
    await addTrusted(h, bed, site);
    await execForDeploy(h.backend.pool, gateway.name, 'rm -rf ~/.cache/edgeward/blobs');
    const dir = path.join(tmp.dir, 'site-model');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.bin'), crypto.randomBytes(2 << 20));
    fs.writeFileSync(path.join(dir, 'b.bin'), crypto.randomBytes(2 << 20));
    const siteSpec = (v: string) => `name: model-site
image: ${bed.image}
gpus:
  count: 1
env:
  MODEL_VERSION: "${v}"
model:
  source: ${dir}
  hostPath: ${hostPath}-site
  container: /models
ports:
  - container: 8000
    host: 18705
health:
  successThreshold: 1
  intervalS: 0.5
  timeoutS: 60
targets:
  nodes: [${site.map((n) => n.name).join(', ')}]
strategy:
  canary: 1
  waves:
    size: 3
  maxUnavailable: 3
  soakS: 0
`;
    const tx = () => Number(fs.readFileSync(`/sys/class/net/${gateway.veth}/statistics/tx_bytes`, 'utf8'));
    const run = async (v: string) => {
      const before = tx();
      const { done } = await h.backend.deploy.apply(siteSpec(v));
      const final = await done;
      expect(final.status, final.message).toBe('succeeded');
      return tx() - before;
    };
    try {
      // 4 MiB of model for 4 nodes: once over the site link (4 MiB, plus SSH framing and commands), not 16.
      const first = await run('1');
      expect(first).toBeGreaterThan(4 << 20);
      expect(first).toBeLessThan((4 << 20) * 1.25);
      fs.writeFileSync(path.join(dir, 'b.bin'), crypto.randomBytes(2 << 20));
      const second = await run('2');
      expect(second).toBeGreaterThan(2 << 20);
      expect(second).toBeLessThan((2 << 20) * 1.3);
      // Every node mounts the version it was given, checked; the cache keeps the files of its recent versions (a, b and the new b).
      for (const n of site) {
        const out = (
          await execForDeploy(
            h.backend.pool,
            n.name,
            `cd ${hostPath}-site && ls -d sha256-* | wc -l && cat sha256-*/.edgeward-manifest | wc -l`,
          )
        ).stdout.toString();
        expect(out.trim().split('\n'), n.name).toEqual(['2', '4']);
      }
      const blobs = (await execForDeploy(h.backend.pool, gateway.name, 'ls ~/.cache/edgeward/blobs/$(hostname)')).stdout.toString();
      expect(blobs.split('\n').filter((b) => /^[0-9a-f]{64}$/.test(b))).toHaveLength(3);
    } finally {
      for (const n of site)
        await execForDeploy(
          h.backend.pool,
          n.name,
          `docker rm -f $(docker ps -aq --filter label=io.edgeward.deployment=model-site) >/dev/null 2>&1; rm -rf ${hostPath}-site; true`,
        );
      await execForDeploy(h.backend.pool, gateway.name, 'rm -rf ~/.cache/edgeward/blobs');
    }
  }, 600_000);
});
