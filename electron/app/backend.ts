import { Router } from '../ipc/router.js';
import { SettingsService } from '../services/settings/settings-service.js';
import { Heartbeat } from '../services/heartbeat/heartbeat.js';
import { startBurst } from '../services/diagnostics/burst.js';
import { APP_VERSION } from './version.js';

export interface BackendOptions {
  dataDir: string;
  transport: 'electron' | 'loopback' | 'cli';
  heartbeatIntervalMs?: number;
}

export interface Backend {
  router: Router;
  settings: SettingsService;
  close(): void;
}

/**
 * The one place where services are built and wired to channels and topics. Electron, the loopback
 * server, the CLI and the tests all start from here, so they run the same code.
 */
export function createBackend(options: BackendOptions): Backend {
  const startedAt = new Date().toISOString();
  const settings = SettingsService.open(options.dataDir);
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
    .handle('settings.set', (patch) => settings.set(patch))
    .topic('heartbeat', (_params, emit) => heartbeat.subscribe(emit))
    .topic('diagnostics.burst', (params, emit) => startBurst(params.count, params.payloadBytes, emit));

  return {
    router,
    settings,
    close: () => heartbeat.stop(),
  };
}
