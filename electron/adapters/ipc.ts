import { ipcMain } from 'electron';
import { attachElectronTransport } from '../ipc/electron-transport.js';
import type { Router } from '../ipc/router.js';
import { APP_ORIGIN } from './app-protocol.js';

/** Connects the router to the real ipcMain; all checks live in the Electron-free transport. */
export function attachIpc(router: Router, trustedWebContents: ReadonlySet<number>): () => void {
  return attachElectronTransport(ipcMain, router, { trustedWebContents, appOrigin: APP_ORIGIN });
}
