import type { BridgeApi, ConnectionState } from '../../shared/contract/index.js';
import { appError, fail, isAppError, type AppError, type Result } from '../../shared/errors.js';
import { IpcChannel } from './ipc-channels.js';

/** The members of ipcRenderer that the preload uses; tests pass an in-memory pair. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * The object the preload exposes as `window.edgeward`. It carries only data and callbacks across
 * the context bridge; the page never gets ipcRenderer itself.
 */
export function createPreloadApi(ipcRenderer: IpcRendererLike): BridgeApi {
  let nextId = 1;
  const frameHandlers = new Map<number, (frame: never) => void>();
  const errorHandlers = new Map<number, (error: AppError) => void>();

  ipcRenderer.on(IpcChannel.frame, (_event, id, frame) => {
    if (typeof id === 'number') frameHandlers.get(id)?.(frame as never);
  });
  ipcRenderer.on(IpcChannel.subError, (_event, id, error) => {
    if (typeof id !== 'number') return;
    frameHandlers.delete(id);
    const onError = errorHandlers.get(id);
    errorHandlers.delete(id);
    if (onError && isAppError(error)) onError(error);
  });

  return {
    transport: 'electron',
    async invoke(channel, request) {
      try {
        return (await ipcRenderer.invoke(IpcChannel.invoke, channel, request)) as Result<never>;
      } catch (err) {
        return fail(appError('UNAVAILABLE', `The main process did not answer: ${String(err)}`, 'Restart Edgeward.'));
      }
    },
    subscribe(topic, params, onFrame, onError) {
      const id = nextId++;
      frameHandlers.set(id, onFrame as (frame: never) => void);
      if (onError) errorHandlers.set(id, onError);
      ipcRenderer.send(IpcChannel.subscribe, id, topic, params);
      return () => {
        if (!frameHandlers.delete(id)) return;
        errorHandlers.delete(id);
        ipcRenderer.send(IpcChannel.unsubscribe, id);
      };
    },
    onConnectionChange(listener: (state: ConnectionState) => void) {
      // In the desktop app the main process is always there while the window is.
      listener('connected');
      return () => undefined;
    },
  };
}
