import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow } from 'electron';
import { createBackend } from './app/backend.js';
import { registerAppScheme, serveRenderer } from './adapters/app-protocol.js';
import { attachIpc } from './adapters/ipc.js';
import { createMainWindow } from './adapters/window.js';
import { SafeStorageSecretStore } from './adapters/safe-storage-secrets.js';
import { notifyAlert } from './adapters/notifications.js';
import { printReportPdf } from './adapters/report-pdf.js';

// Thin on purpose: everything that can run without Electron lives in app/, ipc/ and services/.
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDirArg = process.argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) app.quit();

void app.whenReady().then(async () => {
  const dataDir = path.resolve(dataDirArg ?? process.env.EDGEWARD_DATA_DIR ?? app.getPath('userData'));
  const backend = await createBackend({
    dataDir,
    transport: 'electron',
    secrets: new SafeStorageSecretStore(dataDir),
    notify: notifyAlert,
    printPdf: printReportPdf,
    watchFleet: true,
    // `npm start` builds better-sqlite3 for Electron beside Node's; a packaged app has only Electron's.
    ...(process.env.EDGEWARD_SQLITE_BINDING ? { sqliteBinding: process.env.EDGEWARD_SQLITE_BINDING } : {}),
  });
  serveRenderer(path.join(here, '..', 'renderer'));
  const trusted = new Set<number>();
  const detach = attachIpc(backend.router, trusted);
  const preload = path.join(here, 'preload.cjs');
  let win = createMainWindow(preload, trusted);

  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createMainWindow(preload, trusted);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Let pending audit records reach the disk before the process ends.
  let closing = false;
  app.on('will-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    detach();
    void backend.close().finally(() => app.exit(0));
  });
});
