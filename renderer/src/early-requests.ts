import { bridge } from './bridge';
import type { ChannelName, ResponseOf } from '../../shared/contract/channels.js';
import type { Result } from '../../shared/errors.js';

/** An answer started at load is used only this soon after; later the view asks afresh. */
const FRESH_MS = 5000;
const started = new Map<ChannelName, { at: number; answer: Promise<Result<unknown>> }>();

/**
 * Asks for what the first screen shows (the fleet and its health) before React has drawn anything,
 * so the main side works on it while the shell is built. Each answer is handed out once.
 */
export function requestEarly(channels: readonly ('fleet.list' | 'fleet.health')[]): void {
  for (const channel of channels) started.set(channel, { at: Date.now(), answer: bridge.invoke(channel, {}) });
}

/** The answer started at load, once and while fresh; otherwise undefined (ask the bridge). */
export function takeEarly<C extends 'fleet.list' | 'fleet.health'>(channel: C): Promise<Result<ResponseOf<C>>> | undefined {
  const early = started.get(channel);
  started.delete(channel);
  if (!early || Date.now() - early.at > FRESH_MS) return undefined;
  return early.answer as Promise<Result<ResponseOf<C>>>;
}
