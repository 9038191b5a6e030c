import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { down, stateFile, up } from '../testbed/bed.js';
import { BED_DIR, BRIDGE, NETNS_PREFIX, TEST_USER } from '../testbed/layout.js';
import { tryRun } from '../testbed/sh.js';
import { ssh } from './helpers/bed.js';

describe('test bed lifecycle', () => {
  it('leaves nothing behind after a run that crashed with containers running', async () => {
    const bed = await up({ nodes: 3 });
    const node = bed.nodes[0]!;
    const run = ssh(bed, node, `docker run -d --name orphan ${bed.image}`);
    expect(run.status, run.stderr).toBe(0);
    const containerId = run.stdout.trim();
    // The crash: the state file is gone, processes and containers are still running.
    fs.rmSync(stateFile());

    const report = await down();
    expect(report.namespaces).toBe(3);
    expect(report.leftovers).toEqual([]);
    expect(
      tryRun('ip', ['netns', 'list'])
        .stdout.split('\n')
        .filter((l) => l.startsWith(NETNS_PREFIX)),
    ).toEqual([]);
    expect(tryRun('ip', ['link', 'show', BRIDGE]).ok).toBe(false);
    expect(tryRun('pgrep', ['-f', 'oip-server']).stdout).toBe('');
    expect(tryRun('pgrep', ['-f', `${BED_DIR}/`]).stdout).toBe('');
    expect(fs.existsSync(BED_DIR)).toBe(false);
    expect(tryRun('id', [TEST_USER]).ok).toBe(false);
    const cgroups = tryRun('find', ['/sys/fs/cgroup', '-maxdepth', '3', '-name', `*${containerId}*`]).stdout;
    expect(cgroups).toBe('');
  }, 120_000);

  it('tears down idempotently when nothing is there', async () => {
    const report = await down();
    expect(report).toEqual({ namespaces: 0, killed: 0, leftovers: [] });
  });
});
