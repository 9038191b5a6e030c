// A CLI-like process that alternates inventory changes and rollouts through the router until it is
// killed (kill -9 schedule tests). Prints a line when each action starts, so the parent can count.
import { createBackend } from '../../electron/app/backend.js';

const [dataDir, seedText, specTemplate] = process.argv.slice(2);
if (!dataDir || !seedText || !specTemplate) throw new Error('usage: chaos-worker.ts DATA_DIR SEED SPEC_TEMPLATE');
let seed = Number(seedText);
const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const backend = await createBackend({ dataDir, transport: 'cli' });
const ctx = { transport: 'cli' as const, clientId: 'chaos' };
const say = (line: string) => process.stdout.write(`${line}\n`);

for (let i = 0; ; i++) {
  const dummy = `dummy-${Math.floor(next() * 8)}`;
  say('edit');
  const r = next();
  if (r < 0.4) await backend.router.invoke('fleet.node.add', { name: dummy, host: `10.77.0.${i & 255}`, site: 'chaos' }, ctx);
  else if (r < 0.8) await backend.router.invoke('fleet.node.edit', { name: dummy, patch: { notes: `chaos ${seedText}/${i}` } }, ctx);
  else await backend.router.invoke('fleet.node.remove', { name: dummy }, ctx);

  const current = backend.deploy.store.rollout('chaos');
  say('rollout');
  const started =
    current?.status === 'interrupted'
      ? await backend.router.invoke('deploy.control', { name: 'chaos', action: 'resume' }, ctx)
      : await backend.router.invoke('deploy.apply', { text: specTemplate.replace('@REV@', `${seedText}-${i}`) }, ctx);
  if (started.ok) await backend.deploy.settled('chaos');
  else say(`refused ${started.error.code}: ${started.error.message}`);
}
