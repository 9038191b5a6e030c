import type { Router } from '../../ipc/router.js';
import type { ServiceCatalog } from '../../services/service/service-catalog.js';
import type { StoredService } from '../../services/service/service-store.js';
import type { DrillService } from '../../services/service/drill-service.js';
import { REPORT_CSP, type DocumentShelf } from '../../ipc/document-shelf.js';
import { showService, type ServiceViewDeps } from '../../services/service/service-view.js';

export interface ServiceRegisterDeps extends ServiceViewDeps {
  catalog: ServiceCatalog;
  drills: DrillService;
  /** One-time links for reports opened in a browser tab. */
  documents?: DocumentShelf;
}

/** Services and site maintenance windows. */
export function registerServices(router: Router, d: ServiceRegisterDeps): void {
  const { catalog } = d;
  const summary = (s: StoredService) => ({
    name: s.spec.name,
    deployment: s.spec.deployment,
    members: s.spec.members,
    by: s.by,
    updatedAt: s.updatedAt,
  });
  router
    .handle('service.validate', ({ text }) => ({ problems: catalog.validate(text) }))
    .handle('service.apply', async ({ text }) => summary(await catalog.apply(text)))
    .handle('service.remove', async ({ name }) => {
      await catalog.remove(name);
      return {};
    })
    .handle('service.list', () => ({
      services: catalog.list().map((s) => (s.service ? summary(s.service) : { name: s.name, members: [], damaged: s.damaged! })),
    }))
    .handle('service.show', ({ name }) => showService(d, name))
    .handle('drill.start', async ({ service, member, seconds, outsideWindow }) => {
      const { id, done } = await d.drills.start({ service, member, seconds, outsideWindow });
      void done.catch(() => undefined);
      return { id };
    })
    .handle('drill.report.open', ({ id }, ctx) => {
      const r = d.drills.report(id);
      const url = ctx.transport !== 'electron' && d.documents ? d.documents.put(r.html, REPORT_CSP) : undefined;
      return { intact: r.intact, file: r.file, ...(url ? { url } : {}) };
    })
    .handle('drill.cancel', ({ id }) => ({ cancelled: d.drills.cancel(id) }))
    .topic('drill', ({ id }, emit) => d.drills.follow(id, emit))
    .handle('site.windows.list', () => ({ sites: [...catalog.store.siteWindows()].map(([site, policy]) => ({ site, policy })) }))
    .handle('site.windows.set', async ({ site, policy }) => {
      await catalog.setSiteWindows(site, policy);
      return {};
    });
}
