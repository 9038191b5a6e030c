import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../../shared/deploy/spec.js';
import { parseJobSpec, parseProgressLine } from '../../../shared/jobs/job-spec.js';
import { removeRunCommand, slotGpus, startShardCommand } from '../../../electron/services/jobs/job-commands.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const JOB = `kind: job
name: nlp-nightly
image: registry.hospital.local/nlp/deid:2.1
gpus: {count: 2}
env: {MODE: "$(touch /tmp/owned) 'quoted' \\"double\\""}
volumes:
  - {host: /data/notes, container: /in}
  - {host: /data/out, container: /out, readOnly: false}
command: [/usr/bin/python3, -m, deid]
args: [--batch, "a b"]
targets: {tags: [nlp]}
job: {shards: 8, parallelism: 2, retries: 3, backoffS: 10, deadlineS: 7200}
`;

describe('a batch job spec', () => {
  const tmp = makeTempDir('edgeward-jobspec-');
  afterAll(() => tmp.cleanup());

  it('reads a job, with defaults for what it leaves out', () => {
    const r = parseJobSpec(JOB);
    expect(r.problems).toEqual([]);
    expect(r.spec).toMatchObject({ name: 'nlp-nightly', job: { shards: 8, parallelism: 2, retries: 3, backoffS: 10, deadlineS: 7200 } });
    expect(r.spec!.volumes).toEqual([
      { host: '/data/notes', container: '/in', readOnly: true },
      { host: '/data/out', container: '/out', readOnly: false },
    ]);
    const minimal = parseJobSpec('kind: job\nname: a\nimage: x/y:1\ntargets: {nodes: [n1]}\n');
    expect(minimal.spec?.job).toEqual({ shards: 1, parallelism: 1, retries: 2, backoffS: 5, deadlineS: 3600, maintenanceWindows: 'keep' });
  });

  it('names the line and field of each problem, and refuses what Edgeward sets itself', () => {
    const bad = parseJobSpec(JOB.replace('shards: 8', 'shards: 0').replace('MODE:', 'EDGEWARD_SHARD:'));
    expect(bad.problems.map((p) => [p.line, p.path])).toEqual(
      expect.arrayContaining([
        [5, 'env'],
        [12, 'job.shards'],
      ]),
    );
    expect(bad.problems.find((p) => p.path === 'env')!.message).toContain('set by Edgeward');
    // A job given to `deploy apply` says where it belongs.
    expect(parseSpec(JOB).problems.find((p) => p.path === 'kind')).toMatchObject({
      line: 1,
      message: expect.stringContaining('edgeward jobs apply'),
    });
  });

  it('reads only the documented progress line, and only sensible numbers', () => {
    expect(parseProgressLine('EDGEWARD_PROGRESS 250/1000')).toEqual({ done: 250, total: 1000 });
    for (const line of [
      'EDGEWARD_PROGRESS 5/3',
      'EDGEWARD_PROGRESS 1/0',
      'EDGEWARD_PROGRESS -1/3',
      'progress 1/2',
      'EDGEWARD_PROGRESS 1/2 MRN-1',
      'EDGEWARD_PROGRESS 1e3/2e3',
    ])
      expect(parseProgressLine(line), line).toBeUndefined();
  });

  it('puts every value into the container word for word, as a shell reads the command (a fake runtime prints its arguments)', () => {
    const bin = path.join(tmp.dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
    const spec = parseJobSpec(JOB).spec!;
    const r = spawnSync('sh', ['-c', startShardCommand('docker', spec, 'nlp-nightly-20261202-ab12', 3, 1, 1)], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    const words = r.stdout.split('\n');
    expect(words).toContain(`MODE=$(touch /tmp/owned) 'quoted' "double"`);
    expect(words).toEqual(
      expect.arrayContaining([
        'EDGEWARD_SHARD=3',
        'EDGEWARD_SHARDS=8',
        'EDGEWARD_ATTEMPT=1',
        'a b',
        '/data/notes:/in:ro',
        '/data/out:/out',
      ]),
    );
    // Slot 1 of a 2-GPU job holds GPUs 2 and 3.
    expect(words).toContain('"device=2,3"');
    expect(slotGpus(spec, 0)).toEqual([0, 1]);
    expect(words.slice(words.indexOf('registry.hospital.local/nlp/deid:2.1'))).toEqual([
      'registry.hospital.local/nlp/deid:2.1',
      '-m',
      'deid',
      '--batch',
      'a b',
      '',
    ]);
    expect(fs.existsSync('/tmp/owned')).toBe(false);
    expect(removeRunCommand('podman', 'nlp-nightly-20261202-ab12')).toContain("'label=io.edgeward.job-run=nlp-nightly-20261202-ab12'");
  });
});
