import type { Backend } from '../app/backend.js';
import type { ChannelName, RequestOf, ResponseOf } from '../../shared/contract/index.js';
import { AppErrorException } from '../../shared/errors.js';

const CLI = { transport: 'cli' as const, clientId: 'cli' };

/**
 * A state-changing CLI command goes through the same router as the window and the browser bridge:
 * the same validation, audit records and side effects (a removed node's connection closed and its
 * pin forgotten, a disabled node disconnected), only the output differs.
 */
export async function invoke<C extends ChannelName>(backend: Backend, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const r = await backend.router.invoke(channel, request, CLI);
  if (!r.ok) throw new AppErrorException(r.error);
  return r.value as ResponseOf<C>;
}
