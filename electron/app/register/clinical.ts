import type { Router } from '../../ipc/router.js';
import type { AuditLog } from '../../services/audit/audit-log.js';
import { dicomRoundTrip } from '../../services/clinical/dicom-probe.js';
import { dicomwebProbe } from '../../services/clinical/dicomweb-probe.js';
import type { Inventory } from '../../services/fleet/inventory.js';
import type { SshPool } from '../../services/ssh/pool.js';
import type { SecretStore } from '../../services/ssh/secrets.js';
import { makeSmartClientKey, requestSmartToken, smartKeySecret } from '../../services/clinical/smart-backend.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { SmartTokenCheck } from '../../../shared/clinical/smart.js';

export interface ClinicalDeps {
  pool: SshPool;
  inventory: Inventory;
  audit: AuditLog;
  secrets: SecretStore;
}

/** Clinical checks on demand: each stores test data at, or logs in to, a clinical system, so each is audited. */
export function registerClinical(router: Router, d: ClinicalDeps): void {
  router.handle('probe.smart', async (client) => {
    const privatePem = d.secrets.get(smartKeySecret(client.clientId));
    const params = { fhirBaseUrl: client.fhirBaseUrl, clientId: client.clientId, scope: client.scope };
    return d.audit.perform(
      { action: 'probe.smart', params },
      async (): Promise<SmartTokenCheck> =>
        privatePem
          ? requestSmartToken({ ...client, privatePem })
          : {
              ok: false,
              error: {
                kind: 'no_key' as const,
                message: `this console keeps no key for SMART client ${client.clientId}`,
                next: 'Make one (Settings → Hospital systems, or edgeward fhir client-key) and register its public key at the EHR; the CLI can also take a key on stdin (--key-stdin).',
              },
            },
      (r) =>
        r.ok
          ? { outcome: 'ok', params: { ...params, authServer: r.tokenEndpoint, expiresIn: r.expiresIn, grantedScope: r.grantedScope } }
          : {
              outcome: 'failed',
              error: `${r.error!.message}. ${r.error!.next}`,
              params: { ...params, kind: r.error!.kind, authServer: r.tokenEndpoint },
            },
    );
  });
  router.handle('smart.key.create', async ({ clientId }) => {
    if (!d.secrets.canPersist)
      throw new AppErrorException(
        appError(
          'UNAVAILABLE',
          'This process cannot keep a SMART client key encrypted (no OS keychain through safeStorage)',
          'Make the key in the desktop app, or keep your own with openssl and give it to the CLI on stdin: edgeward fhir token --key-stdin.',
        ),
      );
    if (d.secrets.get(smartKeySecret(clientId)))
      throw new AppErrorException(
        appError(
          'CONFLICT',
          `A key for SMART client ${clientId} is kept already`,
          'Keep using it: the EHR holds its public key. A new key must be registered there again.',
        ),
      );
    const { privatePem, publicJwk } = makeSmartClientKey();
    await d.audit.perform(
      { action: 'secret.set', params: { entry: smartKeySecret(clientId), persist: true, clientId, kid: publicJwk.kid } },
      () => d.secrets.set(smartKeySecret(clientId), privatePem, true),
    );
    return { clientId, kid: publicJwk.kid, jwks: JSON.stringify({ keys: [publicJwk] }, null, 2) };
  });
  router.handle('probe.dicomweb', async ({ node, baseUrl, uidRoot }) => {
    const n = d.inventory.get(node);
    if (!n) throw new AppErrorException(appError('NOT_FOUND', `No node ${node} in the inventory`, 'Check the name: edgeward nodes ls.'));
    return d.audit.perform(
      { action: 'probe.dicomweb', target: { site: n.site, node }, params: { baseUrl } },
      async () => {
        const r = await dicomwebProbe(d.pool, node, baseUrl, uidRoot);
        return { ok: r.checks.every((c) => c.verdict !== 'fail'), ...r };
      },
      (r) => {
        const params = { baseUrl, studyUid: r.studyUid, checks: r.checks.map((c) => `${c.id}:${c.verdict}`) };
        const failed = r.checks.filter((c) => c.verdict === 'fail');
        return failed.length
          ? { outcome: 'failed', error: failed.map((c) => `${c.title}: ${c.evidence}`).join('; '), params }
          : { outcome: 'ok', params };
      },
    );
  });
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
