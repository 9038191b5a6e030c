import { z } from 'zod';

/**
 * Messages of the loopback WebSocket transport. The Electron transport uses the same
 * invoke/subscribe semantics over ipcMain/ipcRenderer and needs no envelope of its own.
 */
export const BRIDGE_PROTOCOL_VERSION = 1;
/** Larger client messages are refused: nothing legitimate the UI sends comes close. */
export const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024;

const Id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ClientMessage = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('invoke'), id: Id, channel: z.string().max(128), req: z.unknown() }),
  z.strictObject({ t: z.literal('sub'), id: Id, topic: z.string().max(128), params: z.unknown() }),
  z.strictObject({ t: z.literal('unsub'), id: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  | { t: 'hello'; protocol: number }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: unknown }
  | { t: 'frame'; id: number; frame: unknown }
  | { t: 'suberror'; id: number; error: unknown };

/** Close codes (4000–4999 is the application range) with the reason shown to whoever connected. */
export const CloseCode = {
  malformed: 4400,
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  wrongHost: 4421,
  tooLarge: 1009,
  shuttingDown: 1001,
} as const;
