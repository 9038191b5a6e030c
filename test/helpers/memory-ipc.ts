import type { FrameLike, IpcEventLike, IpcMainLike, WebContentsLike } from '../../electron/ipc/electron-transport.js';
import type { IpcRendererLike } from '../../electron/ipc/preload-api.js';

type Listener = (event: IpcEventLike, ...args: unknown[]) => void;

/**
 * An in-memory ipcMain/ipcRenderer pair with Electron's semantics that matter here: arguments are
 * structured-cloned both ways, and every message carries its sending webContents and frame.
 */
export function memoryIpcPair(options: { frameUrl: string; webContentsId?: number; subFrame?: boolean }) {
  const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
  const mainListeners = new Map<string, Set<Listener>>();
  const rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const destroyListeners: (() => void)[] = [];
  let destroyed = false;

  const top: FrameLike = { url: options.frameUrl, parent: null };
  const frame: FrameLike = options.subFrame ? { url: options.frameUrl, parent: top } : top;
  const webContents: WebContentsLike = {
    id: options.webContentsId ?? 1,
    send(channel, ...args) {
      const cloned = structuredClone(args);
      queueMicrotask(() => rendererListeners.get(channel)?.forEach((l) => l({}, ...cloned)));
    },
    isDestroyed: () => destroyed,
    once(_event, listener) {
      destroyListeners.push(listener);
    },
  };
  const event = (): IpcEventLike => ({ sender: webContents, senderFrame: frame });

  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      handlers.set(channel, listener);
    },
    on(channel, listener) {
      const set = mainListeners.get(channel) ?? new Set();
      set.add(listener);
      mainListeners.set(channel, set);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
    removeAllListeners(channel) {
      mainListeners.delete(channel);
    },
  };

  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler(event(), ...structuredClone(args)));
    },
    send(channel, ...args) {
      const cloned = structuredClone(args);
      queueMicrotask(() => mainListeners.get(channel)?.forEach((l) => l(event(), ...cloned)));
    },
    on(channel, listener) {
      const set = rendererListeners.get(channel) ?? new Set();
      set.add(listener);
      rendererListeners.set(channel, set);
    },
  };

  return {
    ipcMain,
    ipcRenderer,
    webContents,
    destroyWindow() {
      destroyed = true;
      destroyListeners.forEach((l) => l());
    },
  };
}
