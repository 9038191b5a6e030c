import { describe, expect, it } from 'vitest';
import { parseFacts, place } from '../../../shared/deploy/placement.js';
import { groupLimit, planWaves } from '../../../shared/deploy/rollout.js';
import { parseSpec, type DeploymentSpec } from '../../../shared/deploy/spec.js';
import { gpuFlags, runCommand } from '../../../electron/services/runtime/runtime-commands.js';

const spec = (extra = ''): DeploymentSpec =>
  parseSpec(`name: cxr\nimage: localhost/x:1\nports: [{container: 8000, host: 18000}]\ntargets: {nodes: [a]}\n${extra}`).spec!;

describe('waves', () => {
  it('puts the canary alone first, then spreads each wave over the sites', () => {
    const nodes = [
      ...['n1', 'n2', 'n3', 'n4'].map((name) => ({ name, group: 'north' })),
      ...['s1', 's2'].map((name) => ({ name, group: 'south' })),
      { name: 'e1', group: 'east' },
    ];
    const s = spec('strategy: {canary: 1, waves: {size: 2}}').strategy;
    expect(planWaves(nodes, s)).toEqual([['n1'], ['s1', 'e1'], ['n2', 's2'], ['n3', 'n4']]);
    const pct = spec('strategy: {canary: 2, waves: {percent: 50}}').strategy;
    expect(planWaves(nodes, pct).map((w) => w.length)).toEqual([2, 3, 2]);
  });

  it('never takes a whole multi-node group down at once', () => {
    expect(groupLimit(3, 5)).toBe(2);
    expect(groupLimit(2, 1)).toBe(1);
    expect(groupLimit(1, 3)).toBe(1);
    expect(groupLimit(10, 3)).toBe(3);
  });
});

describe('placement', () => {
  const facts = parseFacts(
    'runtime=podman\ngpu_support=cdi\narch=amd64\ngpu=0,46068,1000\ngpu=1,46068,40000\nimage=localhost/x@sha256:' +
      'a'.repeat(64) +
      ' amd64\n',
  );

  it('reads the probe, and picks the GPUs with the most free memory', () => {
    expect(facts).toMatchObject({ runtime: 'podman', gpuSupport: 'cdi', arch: 'amd64', gpus: [{ index: 0 }, { index: 1 }] });
    expect(place(spec('gpus: {count: 1, minFreeMemoryMiB: 20000}'), facts)).toEqual({ ok: true, gpuIndices: [0] });
    // GPUs the previous revision holds are counted as free: they are released when it stops.
    expect(place(spec('gpus: {count: 2, minFreeMemoryMiB: 20000}'), facts, new Set([1]))).toEqual({ ok: true, gpuIndices: [0, 1] });
  });

  it('refuses with the reason an admin can act on', () => {
    expect(place(spec('gpus: {count: 2, minFreeMemoryMiB: 20000}'), facts)).toEqual({
      ok: false,
      reason: 'needs 2 GPU(s) with 20000 MiB free; 1 of 2 qualify',
    });
    expect(place(spec('gpus: {indices: [1], minFreeMemoryMiB: 10000}'), facts)).toEqual({
      ok: false,
      reason: 'GPU 1 has 6068 MiB free, the spec needs 10000 MiB',
    });
    expect(place(spec('gpus: {count: 1}'), { ...facts, gpuSupport: 'none' })).toMatchObject({
      reason: expect.stringMatching(/nvidia-ctk cdi generate/),
    });
    expect(place(spec(), { ...facts, runtime: 'none' })).toEqual({ ok: false, reason: 'no container runtime: install docker or podman' });
    expect(place(spec(), { ...facts, arch: 'arm64' })).toEqual({ ok: false, reason: 'the image is built for amd64, the node is arm64' });
    expect(place(spec('gpus: {count: 1}'), { ...facts, gpuError: 'NVIDIA-SMI has failed' })).toEqual({
      ok: false,
      reason: 'GPUs cannot be read: NVIDIA-SMI has failed',
    });
  });
});

describe('runtime commands', () => {
  it('quotes every word, and uses each runtime’s GPU syntax', () => {
    expect(gpuFlags('docker', [0, 2])).toEqual(['--gpus', '"device=0,2"']);
    expect(gpuFlags('podman', [0, 2])).toEqual(['--device', 'nvidia.com/gpu=0', '--device', 'nvidia.com/gpu=2']);
    const s = spec(`env: {X: "a'b $(id)"}`);
    const { command, stdin } = runCommand({
      runtime: 'docker',
      spec: s,
      revision: 3,
      specHash: 'sha256:x',
      image: 'localhost/x@sha256:1',
      gpuIndices: [1],
      secrets: {},
    });
    expect(command).toContain(`'--gpus' '"device=1"'`);
    expect(command).toContain(`'-e' 'X=a'\\''b $(id)'`);
    expect(stdin).toBe('');
  });

  it('sends secrets on stdin, read by the runtime as its env file, never on the command line or disk', () => {
    const s = spec('env: {TOKEN: {secret: t}}');
    const { command, stdin } = runCommand({
      runtime: 'podman',
      spec: s,
      revision: 1,
      specHash: 'h',
      image: 'i',
      gpuIndices: [],
      secrets: { TOKEN: 'hunter2-very-secret' },
    });
    expect(command).not.toContain('hunter2');
    expect(command).toMatch(/^cat \| 'podman' 'run' /);
    expect(command).toContain(`'--env-file' '/dev/stdin'`);
    expect(command).not.toContain('mktemp');
    expect(stdin).toBe('TOKEN=hunter2-very-secret\n');
    expect(() =>
      runCommand({ runtime: 'podman', spec: s, revision: 1, specHash: 'h', image: 'i', gpuIndices: [], secrets: { TOKEN: 'a\nb' } }),
    ).toThrow(/line break/);
  });
});
