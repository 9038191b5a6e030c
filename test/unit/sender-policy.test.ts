import { describe, expect, it } from 'vitest';
import { checkSender } from '../../electron/ipc/sender-policy.js';
import { attachElectronTransport } from '../../electron/ipc/electron-transport.js';
import { createPreloadApi } from '../../electron/ipc/preload-api.js';
import { createBackend } from '../../electron/app/backend.js';
import { memoryIpcPair } from '../helpers/memory-ipc.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const policy = { trustedWebContents: new Set([7]), appOrigin: 'edgeward://app' };

describe('IPC sender policy', () => {
  it('accepts the top-level frame of a known window on the app origin', () => {
    expect(checkSender({ webContentsId: 7, isMainFrame: true, frameUrl: 'edgeward://app/index.html#/fleet' }, policy)).toBeUndefined();
  });

  it.each([
    ['an unknown window', { webContentsId: 8, isMainFrame: true, frameUrl: 'edgeward://app/index.html' }, /did not open/],
    ['a sub-frame', { webContentsId: 7, isMainFrame: false, frameUrl: 'edgeward://app/index.html' }, /sub-frame/],
    ['a navigated-away page', { webContentsId: 7, isMainFrame: true, frameUrl: 'https://evil.example/' }, /origin https:\/\/evil\.example/],
    ['a file:// page', { webContentsId: 7, isMainFrame: true, frameUrl: 'file:///tmp/x.html' }, /origin file:/],
    ['a destroyed frame', { webContentsId: 7, isMainFrame: true, frameUrl: undefined }, /gone/],
  ])('refuses %s', (_label, sender, why) => {
    const error = checkSender(sender, policy);
    expect(error?.code).toBe('FORBIDDEN_SENDER');
    expect(error?.message).toMatch(why);
  });

  it('is applied by the Electron transport before the payload is looked at', async () => {
    const tmp = makeTempDir();
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'electron' });
    const pair = memoryIpcPair({ frameUrl: 'edgeward://app/index.html', subFrame: true });
    const detach = attachElectronTransport(pair.ipcMain, backend.router, {
      trustedWebContents: new Set([pair.webContents.id]),
      appOrigin: 'edgeward://app',
    });
    const api = createPreloadApi(pair.ipcRenderer);
    const result = await api.invoke('settings.set', { theme: 'dark' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('FORBIDDEN_SENDER');
    expect(backend.settings.get().theme).toBe('system');
    const subError = await new Promise((resolve) => api.subscribe('heartbeat', {}, () => undefined, resolve));
    expect(subError).toMatchObject({ code: 'FORBIDDEN_SENDER' });
    detach();
    await backend.close();
    tmp.cleanup();
  });
});
