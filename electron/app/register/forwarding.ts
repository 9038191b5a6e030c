import type { Router } from '../../ipc/router.js';
import type { CheckpointSigning } from '../../services/audit/checkpoint-signing.js';
import type { AuditForwarding } from '../../services/audit/forwarder.js';

/** The audit log's SIEM collectors as the Settings view shows them: cursor, lag, last error; deliver now. */
export function registerForwarding(router: Router, forwarding: AuditForwarding, checkpoints: CheckpointSigning): void {
  router
    .handle('audit.forward.status', () => ({
      forwarders: forwarding.status().map((f) => ({
        url: f.url,
        format: f.format,
        cursor: f.cursor,
        head: f.head,
        lag: f.lag,
        ...(f.lastOkAt !== undefined ? { lastOkAt: f.lastOkAt } : {}),
        ...(f.lastError !== undefined ? { lastError: f.lastError } : {}),
      })),
    }))
    .handle('audit.forward.run', async () => ({ results: await forwarding.deliverAll() }))
    .handle('audit.checkpoints.status', () => checkpoints.status())
    .handle('audit.checkpoints.create_key', () => checkpoints.createKey());
}
