import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { transports } from '../../helpers/bridges.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const quiet: CliOutput = { json: true, print: () => undefined, error: () => undefined };

/** What the audit log holds of a record, without what differs run to run (time, hashes, process, transport). */
const shape = (r: AuditRecord) => ({
  seq: r.seq,
  action: r.action,
  intent: r.intent,
  target: r.target,
  params: r.params,
  outcome: r.outcome,
  error: r.error,
  reason: r.reason,
});

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJGjS4xS6Egn1IxzNs9XlUIglphDjwFc6H0A5Ryf4l3e';
/** A pin left from before: removing the node must forget it on every path. */
const seedPin = (dir: string) =>
  fs.writeFileSync(
    path.join(dir, 'known_hosts'),
    `# Edgeward host key pins: one line per node, named by the node (OpenSSH HostKeyAlias).\nrad-09 ${KEY}\n`,
  );
const records = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'audit', 'audit-000001.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => shape(JSON.parse(l) as AuditRecord));

describe('one action, every entry point', () => {
  const tmp = makeTempDir('edgeward-samepath-');
  afterAll(() => tmp.cleanup());

  it('a node added, disabled, refused and removed leaves the same records and side effects from the CLI, the window bridge and the browser bridge', async () => {
    const viaCli = path.join(tmp.dir, 'cli');
    fs.mkdirSync(viaCli, { recursive: true });
    seedPin(viaCli);
    const cli = await createBackend({ dataDir: viaCli, transport: 'cli' });
    expect(await runCommand(cli, ['nodes', 'add', 'rad-09'], quiet, { host: '10.0.0.9', site: 'north' })).toBe(0);
    expect(await runCommand(cli, ['nodes', 'disable', 'rad-09'], quiet, { reason: 'fan replaced' })).toBe(0);
    // Refused before anything is recorded: no intent for a change that was never going to happen.
    expect(await runCommand(cli, ['nodes', 'disable', 'rad-10'], quiet, { reason: 'typo' })).toBe(2);
    expect(await runCommand(cli, ['nodes', 'rm', 'rad-09'], quiet)).toBe(0);
    await cli.close();
    const expected = records(viaCli);

    // Each action as an intent, then its outcome pointing back at it.
    expect(expected.map((r) => `${r.action} ${r.outcome} ${r.intent ?? ''}`.trim())).toEqual([
      'node.add intent',
      'node.add ok 1',
      'node.disable intent',
      'node.disable ok 3',
      'node.remove intent',
      'node.remove ok 5',
    ]);
    expect(fs.readFileSync(path.join(viaCli, 'known_hosts'), 'utf8')).not.toContain('rad-09');

    for (const name of ['electron', 'loopback'] as const) {
      const bridge = await transports[name]();
      try {
        seedPin(bridge.dataDir);
        expect(
          (await bridge.api.invoke('fleet.node.add', { name: 'rad-09', host: '10.0.0.9', site: 'north', auth: 'agent', tags: [], via: [] }))
            .ok,
        ).toBe(true);
        expect((await bridge.api.invoke('fleet.node.setEnabled', { name: 'rad-09', enabled: false, reason: 'fan replaced' })).ok).toBe(
          true,
        );
        expect(await bridge.api.invoke('fleet.node.setEnabled', { name: 'rad-10', enabled: false, reason: 'typo' })).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
        expect((await bridge.api.invoke('fleet.node.remove', { name: 'rad-09' })).ok).toBe(true);
        expect(records(bridge.dataDir), name).toEqual(expected);
        expect(fs.readFileSync(path.join(bridge.dataDir, 'known_hosts'), 'utf8'), name).not.toContain('rad-09');
      } finally {
        await bridge.close();
      }
    }
  });
});
