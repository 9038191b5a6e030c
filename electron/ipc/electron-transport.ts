import { appError, fail } from '../../shared/errors.js';
import { MAX_CLIENT_MESSAGE_BYTES, messageTooLarge, utf8Length } from '../../shared/contract/wire.js';
import type { Router } from './router.js';
import { checkSender, type SenderPolicy } from './sender-policy.js';
import { IpcChannel } from './ipc-channels.js';

/**
 * The Electron transport, written against the few members of ipcMain it needs so that it runs (and
 * is tested) in plain Node; main.ts hands it the real ipcMain.
 */
export interface FrameLike {
  url: string;
  parent: FrameLike | null;
}
export interface WebContentsLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}
export interface IpcEventLike {
  sender: WebContentsLike;
  senderFrame: FrameLike | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeHandler(channel: string): void;
  removeAllListeners(channel: string): unknown;
}

export function attachElectronTransport(ipcMain: IpcMainLike, router: Router, policy: SenderPolicy): () => void {
  // webContents id → (subscription id → stop)
  const subscriptions = new Map<number, Map<number, () => void>>();

  const refusal = (event: IpcEventLike) =>
    checkSender(
      { webContentsId: event.sender.id, isMainFrame: event.senderFrame?.parent === null, frameUrl: event.senderFrame?.url },
      policy,
    );

  ipcMain.handle(IpcChannel.invoke, async (event, channel, request) => {
    const refused = refusal(event);
    if (refused) return fail(refused);
    // The same one limit as the loopback bridge (structured clone would take anything).
    let bytes: number;
    try {
      bytes = utf8Length(JSON.stringify({ channel, request }) ?? '');
    } catch {
      return fail(
        appError(
          'VALIDATION',
          `The ${String(channel).slice(0, 64)} request cannot be read as JSON`,
          'This is a bug in the window; reload it.',
        ),
      );
    }
    if (bytes > MAX_CLIENT_MESSAGE_BYTES) return fail(messageTooLarge(String(channel).slice(0, 64), bytes));
    return router.invoke(channel, request, { transport: 'electron', clientId: `window-${event.sender.id}` });
  });

  ipcMain.on(IpcChannel.subscribe, (event, id, topic, params) => {
    const wc = event.sender;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return;
    const refused = refusal(event);
    if (refused) {
      wc.send(IpcChannel.subError, id, refused);
      return;
    }
    let mine = subscriptions.get(wc.id);
    if (!mine) {
      const created = new Map<number, () => void>();
      subscriptions.set(wc.id, created);
      // A closed window must not keep producers running.
      wc.once('destroyed', () => {
        for (const stop of created.values()) stop();
        subscriptions.delete(wc.id);
      });
      mine = created;
    }
    mine.get(id)?.();
    const result = router.subscribe(
      topic,
      params,
      (frame) => {
        if (!wc.isDestroyed()) wc.send(IpcChannel.frame, id, frame);
      },
      { transport: 'electron', clientId: `window-${wc.id}` },
    );
    if (result.ok) mine.set(id, result.value);
    else wc.send(IpcChannel.subError, id, result.error);
  });

  ipcMain.on(IpcChannel.unsubscribe, (event, id) => {
    if (typeof id !== 'number') return;
    const mine = subscriptions.get(event.sender.id);
    mine?.get(id)?.();
    mine?.delete(id);
  });

  return () => {
    ipcMain.removeHandler(IpcChannel.invoke);
    ipcMain.removeAllListeners(IpcChannel.subscribe);
    ipcMain.removeAllListeners(IpcChannel.unsubscribe);
    for (const mine of subscriptions.values()) for (const stop of mine.values()) stop();
    subscriptions.clear();
  };
}
