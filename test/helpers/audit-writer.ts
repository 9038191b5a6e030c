// A child process that appends audit records as fast as it can until it is killed (crash tests).
import { AuditLog } from '../../electron/services/audit/audit-log.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: audit-writer.ts DIR');
const log = await AuditLog.open(dir, { actor: () => ({ osUser: 'writer', operator: 'crash-test' }) });
let i = 0;
for (;;) {
  await Promise.all(
    Array.from({ length: 16 }, () =>
      log.append({ action: 'fleet.exec', params: { command: `echo ${i++} ${'x'.repeat(200)}` }, outcome: 'ok', durationMs: 1 }),
    ),
  );
}
