import WebSocket from 'ws';
import { createBackend, type Backend } from '../../electron/app/backend.js';
import { attachElectronTransport } from '../../electron/ipc/electron-transport.js';
import { startLoopbackServer, type LoopbackServer } from '../../electron/ipc/loopback-server.js';
import { createPreloadApi } from '../../electron/ipc/preload-api.js';
import { LoopbackBridgeClient, type WebSocketLike } from '../../shared/bridge-client.js';
import type { BridgeApi } from '../../shared/contract/index.js';
import { memoryIpcPair } from './memory-ipc.js';
import { makeTempDir } from './temp-dir.js';

export const APP_ORIGIN = 'edgeward://app';

export interface BridgeUnderTest {
  api: BridgeApi;
  backend: Backend;
  dataDir: string;
  close(): Promise<void>;
}

export const wsFactory = (origin?: string) => (url: string) => new WebSocket(url, origin ? { origin } : {}) as unknown as WebSocketLike;

/** The real backend behind the Electron transport (in-memory IPC pair) or the loopback WebSocket. */
export const transports: Record<'electron' | 'loopback', (opts?: { heartbeatIntervalMs?: number }) => Promise<BridgeUnderTest>> = {
  async electron(opts = {}) {
    const tmp = makeTempDir();
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'electron', ...opts });
    const pair = memoryIpcPair({ frameUrl: `${APP_ORIGIN}/index.html` });
    const detach = attachElectronTransport(pair.ipcMain, backend.router, {
      trustedWebContents: new Set([pair.webContents.id]),
      appOrigin: APP_ORIGIN,
    });
    return {
      api: createPreloadApi(pair.ipcRenderer),
      backend,
      dataDir: tmp.dir,
      close: async () => {
        detach();
        await backend.close();
        tmp.cleanup();
      },
    };
  },
  async loopback(opts = {}) {
    const tmp = makeTempDir();
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'loopback', ...opts });
    const server: LoopbackServer = await startLoopbackServer({ router: backend.router });
    const client = new LoopbackBridgeClient(server.bridgeUrl, wsFactory(`http://127.0.0.1:${server.port}`));
    return {
      api: client,
      backend,
      dataDir: tmp.dir,
      close: async () => {
        client.close();
        await server.close();
        await backend.close();
        tmp.cleanup();
      },
    };
  },
};
