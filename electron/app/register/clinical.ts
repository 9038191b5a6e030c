import type { Router } from '../../ipc/router.js';
import type { AuditLog } from '../../services/audit/audit-log.js';
import { dicomRoundTrip } from '../../services/clinical/dicom-probe.js';
import type { Inventory } from '../../services/fleet/inventory.js';
import type { SshPool } from '../../services/ssh/pool.js';
import { AppErrorException, appError } from '../../../shared/errors.js';

export interface ClinicalDeps {
  pool: SshPool;
  inventory: Inventory;
  audit: AuditLog;
}

/** Clinical checks on demand: each stores test data at a clinical system, so each is audited. */
export function registerClinical(router: Router, d: ClinicalDeps): void {
  router.handle('probe.dicom', async ({ node, endpoint }) => {
    const n = d.inventory.get(node);
    if (!n) throw new AppErrorException(appError('NOT_FOUND', `No node ${node} in the inventory`, 'Check the name: edgeward nodes ls.'));
    const ep = n.endpoints.find((e) => e.name === endpoint);
    if (!ep)
      throw new AppErrorException(
        appError(
          'NOT_FOUND',
          `${node} has no endpoint ${endpoint}`,
          `Its endpoints: ${n.endpoints.map((e) => e.name).join(', ') || 'none'}.`,
        ),
      );
    const target = ep.dicom;
    if (!target)
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `Endpoint ${endpoint} on ${node} has no DICOM ingress`,
          'Give it one in the node editor (DICOM round trips: endpoint CALLED_AE@host:port).',
        ),
      );
    const where = { endpoint, host: target.host, port: target.port, calledAE: target.calledAE, callingAE: target.callingAE };
    return d.audit.perform(
      { action: 'probe.dicom', target: { site: n.site, node }, params: where },
      // Bounded by the target's timeout (plus the SSH exec's margin).
      () => dicomRoundTrip(d.pool, node, target),
      (r) =>
        r.ok
          ? { outcome: 'ok', params: { ...where, studyUid: r.studyUid, resultMs: r.resultMs, sentMs: r.sentMs } }
          : {
              outcome: 'failed',
              error: `${r.error!.message}. ${r.error!.next}`,
              params: { ...where, studyUid: r.studyUid, kind: r.error!.kind, ...(r.sentMs !== undefined ? { sentMs: r.sentMs } : {}) },
            },
    );
  });
}
