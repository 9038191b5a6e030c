import { describe, expect, it } from 'vitest';
import { parseImageRef, pinned } from '../../../shared/deploy/image-ref.js';
import { canonicalSpec, parseSpec } from '../../../shared/deploy/spec.js';

const GOOD = `name: cxr-triage
image: registry.north.example:5000/radiology/cxr-triage:1.4.2
profile: radiology
gpus:
  count: 1
  minFreeMemoryMiB: 20000
env:
  MODEL_NAME: chest-xray
  NOTE: "$(reboot) and 'quotes'"
  API_KEY:
    secret: cxr-api-key
ports:
  - container: 8000
    host: 18000
volumes:
  - host: /srv/models
    container: /models
targets:
  sites: [north, south, east]
  tags: [radiology]
strategy:
  canary: 1
  waves:
    percent: 25
  soakS: 60
`;

describe('image references (distribution/reference grammar)', () => {
  it('accepts what docker and podman accept, and splits registry, path, tag and digest', () => {
    expect(parseImageRef('nginx')).toEqual({ domain: undefined, path: 'nginx', tag: undefined, digest: undefined });
    expect(parseImageRef('library/nginx:1.27')).toMatchObject({ domain: undefined, path: 'library/nginx', tag: '1.27' });
    expect(parseImageRef('localhost/edgeward/oip-test:1')).toMatchObject({ domain: 'localhost', path: 'edgeward/oip-test', tag: '1' });
    expect(parseImageRef('nvcr.io/nvidia/tritonserver:24.08-py3')).toMatchObject({ domain: 'nvcr.io', path: 'nvidia/tritonserver' });
    expect(parseImageRef('[fd00::1]:5000/a/b_c__d-e:v')).toMatchObject({ domain: '[fd00::1]:5000', path: 'a/b_c__d-e' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`reg.example/x@${d}`)).toMatchObject({ digest: d, tag: undefined });
    expect(pinned(parseImageRef('reg.example/x:1') as never, d)).toBe(`reg.example/x:1@${d}`);
  });

  it('refuses shell metacharacters, capitals in the repository, bad tags and short digests with a reason', () => {
    expect(parseImageRef('nginx; reboot')).toEqual({ error: 'an image reference has no spaces, quotes or shell characters' });
    expect(parseImageRef('nginx$(id)')).toHaveProperty('error');
    expect(parseImageRef('Radiology/CXR:1')).toEqual({ error: 'repository names are lowercase' });
    expect(parseImageRef('nginx:-bad')).toHaveProperty('error');
    expect(parseImageRef('a//b')).toHaveProperty('error');
    expect(parseImageRef(`x@sha256:${'a'.repeat(63)}`)).toHaveProperty('error');
    expect(parseImageRef('')).toEqual({ error: 'empty image reference' });
  });
});

describe('deployment specs', () => {
  it('parses a full spec, with defaults for what it leaves out', () => {
    const r = parseSpec(GOOD);
    expect(r.problems).toEqual([]);
    expect(r.spec).toMatchObject({
      name: 'cxr-triage',
      gpus: { count: 1, minFreeMemoryMiB: 20000 },
      env: { NOTE: "$(reboot) and 'quotes'", API_KEY: { secret: 'cxr-api-key' } },
      volumes: [{ host: '/srv/models', container: '/models', readOnly: true }],
      restart: 'unless-stopped',
      health: { port: 8000, path: '/v2/health/ready', successThreshold: 3 },
      strategy: { canary: 1, waves: { percent: 25 }, maxUnavailable: 1, groupBy: 'site', soakS: 60, autoRollback: true },
    });
  });

  it('names the line, column and field of each problem', () => {
    const bad = GOOD.replace('image: registry.north.example:5000/radiology/cxr-triage:1.4.2', 'image: "cxr; rm -rf /"')
      .replace('name: cxr-triage', 'name: CXR triage')
      .replace('  count: 1', '  count: 1\n  indices: [0]')
      .replace('    host: 18000', '    host: 18000\n  - container: 8001\n    host: 18000');
    const r = parseSpec(bad);
    expect(r.spec).toBeUndefined();
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p]));
    expect(byPath.name).toMatchObject({ line: 1, column: 7, message: expect.stringMatching(/^lowercase letters/) });
    expect(byPath.image).toMatchObject({ line: 2, message: 'an image reference has no spaces, quotes or shell characters' });
    expect(byPath.gpus).toMatchObject({ line: 5, message: 'give either count or indices, not both' });
    expect(byPath.ports).toMatchObject({ line: 14, message: 'two mappings use the same host port' });
  });

  it('reports a missing field at its parent, bad env names, and YAML syntax errors with their line', () => {
    const noTargets = parseSpec('name: a\nimage: nginx\n');
    expect(noTargets.problems).toEqual([{ path: 'targets', line: 1, column: 1, message: 'targets is required' }]);
    const env = parseSpec('name: a\nimage: nginx\ntargets: {nodes: [n1]}\nenv:\n  "BAD-KEY": x\n');
    expect(env.problems[0]).toMatchObject({ path: 'env.BAD-KEY', message: expect.stringMatching(/environment variable name/) });
    const syntax = parseSpec('name: a\nimage: nginx\n\ttargets: x\n');
    expect(syntax.problems).toEqual([{ path: '', line: 3, column: 1, message: 'Tabs are not allowed as indentation' }]);
    const dup = parseSpec('name: a\nname: b\nimage: nginx\ntargets: {nodes: [n1]}\n');
    expect(dup.problems[0]!.message).toMatch(/unique/i);
  });

  it('hashes the same content the same way whatever the key order', () => {
    const a = parseSpec('name: a\nimage: nginx\ntargets: {nodes: [n1], tags: [t]}\n').spec!;
    const b = parseSpec('targets: {tags: [t], nodes: [n1]}\nimage: nginx\nname: a\n').spec!;
    expect(canonicalSpec(a)).toBe(canonicalSpec(b));
  });
});
