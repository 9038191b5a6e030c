import { z } from 'zod';

/**
 * A message from the UI over the loopback WebSocket, checked by the server before anything else.
 * Kept on this side: the UI only writes these, and the schema would be parsed on its first paint.
 */
const Id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ClientMessage = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('invoke'), id: Id, channel: z.string().max(128), req: z.unknown() }),
  z.strictObject({ t: z.literal('sub'), id: Id, topic: z.string().max(128), params: z.unknown() }),
  z.strictObject({ t: z.literal('unsub'), id: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
