import type { Router } from '../../ipc/router.js';
import type { SettingsService } from '../../services/settings/settings-service.js';
import type { AuditService } from '../../services/audit/audit-service.js';
import type { Heartbeat } from '../../services/heartbeat/heartbeat.js';
import { startBurst } from '../../services/diagnostics/burst.js';
import { parseAnchor } from '../../services/audit/verify.js';
import { coalesce } from '../../services/common/coalesce.js';
import { APP_VERSION } from '../version.js';

export interface CoreDeps {
  transport: 'electron' | 'loopback' | 'cli';
  dataDir: string;
  startedAt: string;
  settings: SettingsService;
  audit: AuditService;
  heartbeat: Heartbeat;
}

/** The app itself, its settings and its audit log. */
export function registerCore(router: Router, d: CoreDeps): void {
  const { settings, audit, heartbeat, startedAt } = d;
  router
    .handle('app.info', () => ({
      name: 'Edgeward',
      version: APP_VERSION,
      platform: `${process.platform}-${process.arch}`,
      transport: d.transport,
      dataDir: d.dataDir,
      startedAt,
    }))
    .handle('settings.get', () => settings.get())
    .handle('settings.set', (patch) =>
      audit.log.perform({ action: 'settings.update', params: patch }, (intent) => settings.set(patch, intent)),
    )
    .handle('audit.query', (req) => audit.index.query(req.filter, req.offset, req.limit))
    .handle('audit.verify', (req) => audit.verify(req.anchor ? parseAnchor(req.anchor) : undefined))
    .handle('audit.head', () => audit.head())
    .handle('audit.export', (req) => audit.export(req.format, req.filter))
    .topic('heartbeat', (_params, emit) => heartbeat.subscribe(emit))
    .topic('diagnostics.burst', (params, emit) => startBurst(params.count, params.payloadBytes, emit))
    .topic('audit.appended', (_params, emit) => {
      const out = coalesce((head: { seq: number; hash: string }) => emit({ head }), 250);
      const stop = audit.watch(out.push);
      return () => {
        stop();
        out.cancel();
      };
    });
}
