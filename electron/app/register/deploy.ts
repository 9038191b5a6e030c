import { stringify as stringifyYaml } from 'yaml';
import type { Router } from '../../ipc/router.js';
import type { AuditLog } from '../../services/audit/audit-log.js';
import { coalesce } from '../../services/common/coalesce.js';
import { secretKey, type DeployService } from '../../services/deploy/deploy-service.js';
import type { SecretStore } from '../../services/ssh/secrets.js';
import { registryPasswordKey } from '../../services/deploy/registry-access.js';

export interface DeployRegisterDeps {
  deploy: DeployService;
  audit: { log: AuditLog };
  secrets: SecretStore;
}

/** Deployments: specs, plans, rollouts and their control, drift, logs, the secrets specs name. */
export function registerDeploy(router: Router, d: DeployRegisterDeps): void {
  const { deploy, audit, secrets } = d;
  router
    .handle('deploy.validate', ({ text }) => ({ problems: deploy.validate(text) }))
    .handle('deploy.plan', async ({ text }) => {
      const p = await deploy.plan(text);
      return {
        name: p.spec.name,
        specHash: p.specHash,
        accepted: p.accepted.map((a) => ({
          node: a.node,
          runtime: a.runtime,
          gpuIndices: a.gpuIndices,
          delivery: a.delivery,
          deliveryWhy: a.deliveryWhy,
        })),
        refused: p.refused,
        waves: p.waves,
      };
    })
    .handle('deploy.apply', async ({ text, emergency }) => (await deploy.apply(text, emergency ? { emergency } : {})).rollout)
    .handle('deploy.list', () => ({ deployments: deploy.list() }))
    .handle('deploy.status', ({ name }) => {
      const s = deploy.status(name);
      return {
        revisions: s.revisions.map((r) => ({
          revision: r.revision,
          image: r.spec.image,
          pinnedImage: r.pinnedImage,
          specHash: r.specHash,
          createdAt: r.createdAt,
          succeededAt: r.succeededAt ?? null,
          yaml: stringifyYaml(r.spec),
        })),
        rollout: s.rollout,
      };
    })
    .handle('deploy.control', async ({ name, action, revision, emergency }) => {
      switch (action) {
        case 'pause':
          return deploy.pause(name);
        case 'resume':
          return (await deploy.resume(name)).rollout;
        case 'abort':
          return deploy.abort(name);
        case 'halt':
          return deploy.halt(name);
        case 'rollback':
          return (await deploy.rollback(name, revision, emergency ? { emergency } : {})).rollout;
      }
    })
    .handle('deploy.drift', async ({ name }) => ({ nodes: await deploy.drift(name) }))
    .handle('deploy.reconcile', async ({ name }) => ({ nodes: await deploy.reconcile(name) }))
    .handle('deploy.secret.set', ({ name, value, persist }) =>
      audit.log.perform({ action: 'settings.update', params: { entry: name, persist } }, () => {
        secrets.set(secretKey(name), value, persist);
        return { persisted: persist && secrets.canPersist };
      }),
    )
    .handle('registry.login', ({ host, password, persist }) =>
      audit.log.perform({ action: 'secret.set', params: { entry: 'registry-password', registry: host, persist } }, () => {
        secrets.set(registryPasswordKey(host), password, persist);
        return { persisted: persist && secrets.canPersist };
      }),
    )
    .handle('deploy.logs', async ({ name, node, tail }) => ({ text: await deploy.logs(name, node, { follow: false, tail }) }))
    .topic('deploy.rollout', ({ name }, emit) => {
      const out = coalesce(emit, 100);
      const stop = deploy.watch(name, out.push);
      return () => {
        stop();
        out.cancel();
      };
    });
}
