// A child process making inventory changes through the router, as the CLI does, at the same time as
// others; some change nodes the others change too. Prints each change and whether it was kept.
import { createBackend } from '../../electron/app/backend.js';

const [dataDir, prefix, countText, seedText] = process.argv.slice(2);
if (!dataDir || !prefix || !countText) throw new Error('usage: inventory-router-writer.ts DATA_DIR PREFIX COUNT [SEED]');
const count = Number(countText);
let seed = Number(seedText ?? 1);
// A small seeded generator: the same schedule every run.
const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const backend = await createBackend({ dataDir, transport: 'cli' });
const ctx = { transport: 'cli' as const, clientId: prefix };
const done: { op: string; name: string; ok: boolean; code?: string; message?: string }[] = [];
try {
  let own = 0;
  for (let i = 0; i < count; i++) {
    const r = next();
    // Shared names are contended by every writer; own names only by this one.
    const shared = `shared-${Math.floor(next() * 10)}`;
    const mine = `${prefix}-${Math.floor(next() * Math.max(1, own))}`;
    const target = next() < 0.5 ? shared : mine;
    let op: string;
    let name: string;
    let result;
    if (r < 0.35) {
      op = 'add';
      name = next() < 0.3 ? shared : `${prefix}-${own++}`;
      result = await backend.router.invoke('fleet.node.add', { name, host: `10.9.${i & 255}.${prefix.length}`, site: prefix }, ctx);
    } else if (r < 0.65) {
      op = 'edit';
      name = target;
      result = await backend.router.invoke('fleet.node.edit', { name, patch: { notes: `edit ${i} by ${prefix}` } }, ctx);
    } else if (r < 0.85) {
      op = next() < 0.5 ? 'disable' : 'enable';
      name = target;
      result = await backend.router.invoke(
        'fleet.node.setEnabled',
        { name, enabled: op === 'enable', ...(op === 'disable' ? { reason: `maintenance by ${prefix}` } : {}) },
        ctx,
      );
    } else {
      op = 'remove';
      name = target;
      result = await backend.router.invoke('fleet.node.remove', { name }, ctx);
    }
    done.push(result.ok ? { op, name, ok: true } : { op, name, ok: false, code: result.error.code, message: result.error.message });
  }
} finally {
  await backend.close();
}
process.stdout.write(JSON.stringify(done));
