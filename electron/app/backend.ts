import { Router } from '../ipc/router.js';
import { SettingsService } from '../services/settings/settings-service.js';
import { Heartbeat } from '../services/heartbeat/heartbeat.js';
import { startBurst } from '../services/diagnostics/burst.js';
import { AuditService } from '../services/audit/audit-service.js';
import { parseAnchor } from '../services/audit/verify.js';
import { coalesce } from '../services/common/coalesce.js';
import { APP_VERSION } from './version.js';

export interface BackendOptions {
  dataDir: string;
  transport: 'electron' | 'loopback' | 'cli';
  heartbeatIntervalMs?: number;
  /** Audit file rotation size (tests use a tiny one). */
  auditMaxFileBytes?: number;
}

export interface Backend {
  router: Router;
  settings: SettingsService;
  audit: AuditService;
  close(): Promise<void>;
}

/**
 * The one place where services are built and wired to channels and topics. Electron, the loopback
 * server, the CLI and the tests all start from here, so they run the same code.
 */
export async function createBackend(options: BackendOptions): Promise<Backend> {
  const startedAt = new Date().toISOString();
  const settings = SettingsService.open(options.dataDir);
  const audit = await AuditService.open(options.dataDir, () => settings.get().operatorName, { maxFileBytes: options.auditMaxFileBytes });
  const heartbeat = new Heartbeat(options.heartbeatIntervalMs);
  const router = new Router();

  router
    .handle('app.info', () => ({
      name: 'Edgeward',
      version: APP_VERSION,
      platform: `${process.platform}-${process.arch}`,
      transport: options.transport,
      dataDir: options.dataDir,
      startedAt,
    }))
    .handle('settings.get', () => settings.get())
    .handle('settings.set', (patch) => audit.log.perform({ action: 'settings.update', params: patch }, () => settings.set(patch)))
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

  return {
    router,
    settings,
    audit,
    close: async () => {
      heartbeat.stop();
      await audit.close();
    },
  };
}
