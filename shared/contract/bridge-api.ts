import type { AppError, Result } from '../errors.js';
import type { ChannelName, RequestOf, ResponseOf } from './channels.js';
import type { FrameOf, ParamsOf, TopicName } from './topics.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/**
 * The whole surface the renderer sees. The Electron preload and the loopback WebSocket client both
 * implement it, so views cannot tell (and need not care) which transport carries them.
 */
export interface BridgeApi {
  invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  /** Returns the unsubscribe function. Errors (unknown topic, bad params) arrive via onError. */
  subscribe<T extends TopicName>(
    topic: T,
    params: ParamsOf<T>,
    onFrame: (frame: FrameOf<T>) => void,
    onError?: (error: AppError) => void,
  ): () => void;
  /** Called at once with the current state, then on every change; detail says why it dropped. */
  onConnectionChange(listener: (state: ConnectionState, detail?: string) => void): () => void;
  readonly transport: 'electron' | 'loopback';
}
