import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const quiet: CliOutput = { json: true, print: () => undefined, error: () => undefined };

/** What the audit log holds of a record, without what differs run to run (time, hashes, sequence, transport). */
const shape = (r: {
  action: string;
  target: unknown;
  params: unknown;
  outcome: string;
  error?: string;
  reason?: string;
  intent?: number;
}) => ({
  action: r.action,
  intent: r.intent,
  target: r.target,
  params: r.params,
  outcome: r.outcome,
  error: r.error,
  reason: r.reason,
});

describe('one action, every entry point', () => {
  const tmp = makeTempDir('edgeward-samepath-');
  afterAll(() => tmp.cleanup());

  it('a node added, disabled and removed from the CLI leaves the records and side effects the browser bridge leaves', async () => {
    const viaCli = path.join(tmp.dir, 'cli');
    const viaBridge = path.join(tmp.dir, 'bridge');
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJGjS4xS6Egn1IxzNs9XlUIglphDjwFc6H0A5Ryf4l3e';
    for (const dir of [viaCli, viaBridge]) {
      fs.mkdirSync(dir, { recursive: true });
      // A pin left from before: removing the node must forget it on both paths.
      fs.writeFileSync(
        path.join(dir, 'known_hosts'),
        `# Edgeward host key pins: one line per node, named by the node (OpenSSH HostKeyAlias).\nrad-09 ${key}\n`,
      );
    }
    const cli = await createBackend({ dataDir: viaCli, transport: 'cli' });
    expect(await runCommand(cli, ['nodes', 'add', 'rad-09'], quiet, { host: '10.0.0.9', site: 'north' })).toBe(0);
    expect(await runCommand(cli, ['nodes', 'disable', 'rad-09'], quiet, { reason: 'fan replaced' })).toBe(0);
    expect(await runCommand(cli, ['nodes', 'rm', 'rad-09'], quiet)).toBe(0);
    const cliRecords = cli.audit.index.query({}, 0, 100).records.reverse().map(shape);
    await cli.close();

    const bridge = await createBackend({ dataDir: viaBridge, transport: 'loopback' });
    const ctx = { transport: 'loopback' as const, clientId: 'page' };
    expect(
      (
        await bridge.router.invoke(
          'fleet.node.add',
          { name: 'rad-09', host: '10.0.0.9', site: 'north', auth: 'agent', tags: [], via: [] },
          ctx,
        )
      ).ok,
    ).toBe(true);
    expect((await bridge.router.invoke('fleet.node.setEnabled', { name: 'rad-09', enabled: false, reason: 'fan replaced' }, ctx)).ok).toBe(
      true,
    );
    expect((await bridge.router.invoke('fleet.node.remove', { name: 'rad-09' }, ctx)).ok).toBe(true);
    const bridgeRecords = bridge.audit.index.query({}, 0, 100).records.reverse().map(shape);
    await bridge.close();

    // Each action as an intent, then its outcome pointing back at it.
    expect(cliRecords.map((r) => `${r.action} ${r.outcome} ${r.intent ?? ''}`.trim())).toEqual([
      'node.add intent',
      'node.add ok 1',
      'node.disable intent',
      'node.disable ok 3',
      'node.remove intent',
      'node.remove ok 5',
    ]);
    expect(cliRecords).toEqual(bridgeRecords);
    for (const dir of [viaCli, viaBridge]) expect(fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8')).not.toContain('rad-09');
  });
});
