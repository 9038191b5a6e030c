import type { Router } from '../../ipc/router.js';
import type { AuditLog } from '../../services/audit/audit-log.js';
import { coalescePerKey } from '../../services/common/coalesce-per-key.js';
import type { FleetRunner } from '../../services/fleet/fleet-runner.js';
import { previewCsv } from '../../services/fleet/import-csv.js';
import { previewSshConfig } from '../../services/fleet/import-ssh-config.js';
import type { Inventory } from '../../services/fleet/inventory.js';
import { testNode } from '../../services/fleet/node-test.js';
import type { KnownHostsStore } from '../../services/ssh/known-hosts.js';
import type { SshPool } from '../../services/ssh/pool.js';
import type { PromptBroker } from '../../services/ssh/prompts.js';
import type { ChangeGuard } from '../../services/service/change-guard.js';
import { passphraseKey, passwordKey, type SecretStore } from '../../services/ssh/secrets.js';

export interface FleetDeps {
  inventory: Inventory;
  pool: SshPool;
  knownHosts: KnownHostsStore;
  audit: { log: AuditLog };
  secrets: SecretStore;
  runner: FleetRunner;
  prompts: PromptBroker;
  /** Services' redundancy: a drain or a disable never leaves a group below its minimum. */
  guard?: ChangeGuard;
}

/** The inventory, connections and host keys, secrets for nodes, commands across the fleet. */
export function registerFleet(router: Router, d: FleetDeps): void {
  const { inventory, pool, knownHosts, audit, secrets, runner, prompts } = d;
  router
    .handle('fleet.list', () => ({ nodes: inventory.list(), statuses: pool.statuses() }))
    .handle('fleet.node.add', (node) => inventory.add(node))
    .handle('fleet.node.edit', async ({ name, patch }) => {
      const node = await inventory.edit(name, patch);
      await pool.disconnect(name);
      return node;
    })
    .handle('fleet.node.remove', async ({ name }) => {
      // A later node of the same name is another machine until someone trusts it: its pin goes with it.
      await inventory.remove(name, (intent) => knownHosts.forget(name, intent));
      await pool.disconnect(name);
      return {};
    })
    .handle('fleet.node.drain', async ({ name, reason, until }) => {
      // A drained node counts as down for its services: never below a redundancy minimum.
      await d.guard?.refuseOut(name, 'drain');
      return inventory.drain(name, reason, until);
    })
    .handle('fleet.node.undrain', async ({ name }) => (await inventory.undrain(name))!)
    .handle('fleet.node.setEnabled', async ({ name, enabled, reason }) => {
      if (!enabled) await d.guard?.refuseOut(name, 'disable');
      const node = await inventory.setEnabled(name, enabled, reason);
      if (!enabled) await pool.disconnect(name);
      return node;
    })
    .handle('fleet.node.test', ({ name }) => testNode(pool, name))
    .handle('fleet.node.trust', ({ name, fingerprint }) => pool.trust(name, fingerprint))
    .handle('fleet.node.setSecret', ({ name, kind, value, persist }) => {
      const node = inventory.get(name);
      const key = kind === 'password' ? passwordKey(name) : passphraseKey(node?.keyPath ?? '');
      // Which secret and whether it was kept, never its value.
      return audit.log.perform({ action: 'secret.set', target: { node: name }, params: { entry: kind, persist } }, () => {
        secrets.set(key, value, persist);
        return { persisted: persist && secrets.canPersist };
      });
    })
    .handle('fleet.import.preview', ({ format, text }) => (format === 'csv' ? previewCsv(text) : previewSshConfig(text)))
    .handle('fleet.import.commit', async ({ nodes, source }) => ({ count: (await inventory.addMany(nodes, source)).length }))
    .handle('fleet.run.start', (req) => runner.start(req))
    .handle('fleet.run.cancel', ({ runId }) => ({ cancelled: runner.cancel(runId) }))
    .handle('fleet.prompt.answer', ({ id, answers }) => ({ delivered: prompts.answer(id, answers) }))
    .topic('fleet.status', (_params, emit) => {
      // Per node: a flapping node's burst merges into its latest state; other nodes are never held back.
      const out = coalescePerKey(emit, 100, (s) => s.name);
      const stop = pool.onStatus(out.push);
      return () => {
        stop();
        out.cancel();
      };
    })
    .topic('fleet.run', ({ runId }, emit) => runner.follow(runId, emit))
    .topic('fleet.prompt', (_params, emit) => prompts.onPrompt(emit));
}
