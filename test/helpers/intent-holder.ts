// A child process that begins actions and never finishes them, until it is killed (recovery tests).
import { AuditLog } from '../../electron/services/audit/audit-log.js';

const [dir, node, count] = process.argv.slice(2);
if (!dir || !node) throw new Error('usage: intent-holder.ts DIR NODE [COUNT]');
const log = await AuditLog.open(dir, { actor: () => ({ osUser: 'holder', operator: 'On-call' }) });
for (let i = 0; i < Number(count ?? 1); i++) {
  const open = await log.begin({ action: 'node.edit', target: { node }, params: { name: node, changes: { notes: `edit ${i}` } } });
  // Finished ones show that only the unfinished are closed as unknown.
  if (i % 2 === 1) await open.finish({ outcome: 'ok' });
}
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
