import type { BridgeApi, ConnectionState } from './contract/bridge-api.js';
import type { ChannelName, RequestOf, ResponseOf } from './contract/channels.js';
import type { FrameOf, ParamsOf, TopicName } from './contract/topics.js';
import { CloseCode, MAX_CLIENT_MESSAGE_BYTES, messageTooLarge, utf8Length, type ServerMessage } from './contract/wire.js';
import { appError, fail, isAppError, type AppError, type Result } from './errors.js';

/** The part of the WebSocket API the client needs: met by the browser's and by the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

const OPEN = 1;
/** Refusals that retrying cannot fix: the user must open the right URL. */
const FATAL_CLOSE_CODES = new Set<number>([CloseCode.unauthorized, CloseCode.forbiddenOrigin, CloseCode.wrongHost]);

interface Subscription {
  topic: string;
  params: unknown;
  onFrame: (frame: never) => void;
  onError: ((error: AppError) => void) | undefined;
}

export interface LoopbackClientOptions {
  reconnect?: boolean;
  /** First retry delay; doubles up to maxReconnectDelayMs. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  invokeTimeoutMs?: number;
}

/**
 * BridgeApi over the loopback WebSocket. Reconnects by itself (subscriptions are renewed), fails
 * pending calls with a clear error when the link drops, and stops retrying on refusals.
 */
export class LoopbackBridgeClient implements BridgeApi {
  readonly transport = 'loopback' as const;
  private socket: WebSocketLike | undefined;
  private state: ConnectionState = 'connecting';
  private detail: string | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Result<unknown>) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly listeners = new Set<(state: ConnectionState, detail?: string) => void>();
  private readonly queue: string[] = [];
  private closedByUser = false;
  private delay: number;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly factory: WebSocketFactory,
    private readonly options: LoopbackClientOptions = {},
  ) {
    this.delay = options.reconnectDelayMs ?? 250;
    this.connect();
  }

  invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timeoutMs = this.options.invokeTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(
          fail(
            appError(
              'TIMEOUT',
              `No answer to ${channel} within ${timeoutMs / 1000} s`,
              'Check the status bar; retry when the bridge is connected.',
            ),
          ),
        );
      }, timeoutMs);
      const message = JSON.stringify({ t: 'invoke', id, channel, req: request });
      const bytes = utf8Length(message);
      if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
        clearTimeout(timer);
        resolve(fail(messageTooLarge(channel, bytes)));
        return;
      }
      this.pending.set(id, { resolve: resolve as (r: Result<unknown>) => void, timer });
      this.send(message);
    });
  }

  subscribe<T extends TopicName>(
    topic: T,
    params: ParamsOf<T>,
    onFrame: (frame: FrameOf<T>) => void,
    onError?: (error: AppError) => void,
  ): () => void {
    const id = this.nextId++;
    this.subscriptions.set(id, { topic, params, onFrame: onFrame as (frame: never) => void, onError });
    this.send(JSON.stringify({ t: 'sub', id, topic, params }));
    return () => {
      if (!this.subscriptions.delete(id)) return;
      if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ t: 'unsub', id }));
    };
  }

  onConnectionChange(listener: (state: ConnectionState, detail?: string) => void): () => void {
    this.listeners.add(listener);
    listener(this.state, this.detail);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'client closed');
    this.failPending('Bridge closed');
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.detail = detail;
    for (const listener of this.listeners) listener(state, detail);
  }

  private send(data: string): void {
    if (this.socket?.readyState === OPEN) this.socket.send(data);
    else this.queue.push(data);
  }

  private connect(): void {
    this.setState('connecting');
    const socket = this.factory(this.url);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.dropped(event.code, event.reason);
    socket.onerror = () => undefined; // onclose follows with the code and reason
  }

  private receive(data: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    switch (message.t) {
      case 'hello':
        this.delay = this.options.reconnectDelayMs ?? 250;
        this.setState('connected');
        // Renew subscriptions first (idempotent on the server), then what queued while down.
        for (const [id, sub] of this.subscriptions)
          this.socket?.send(JSON.stringify({ t: 'sub', id, topic: sub.topic, params: sub.params }));
        for (const queued of this.queue.splice(0)) {
          if (!queued.startsWith('{"t":"sub"')) this.socket?.send(queued);
        }
        break;
      case 'result': {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        clearTimeout(entry.timer);
        if (message.ok) entry.resolve({ ok: true, value: message.value });
        else
          entry.resolve(
            fail(isAppError(message.error) ? message.error : appError('INTERNAL', 'Malformed error from the bridge', 'Report this.')),
          );
        break;
      }
      case 'frame':
        this.subscriptions.get(message.id)?.onFrame(message.frame as never);
        break;
      case 'suberror': {
        const sub = this.subscriptions.get(message.id);
        this.subscriptions.delete(message.id);
        if (sub?.onError && isAppError(message.error)) sub.onError(message.error);
        break;
      }
    }
  }

  private dropped(code: number, reason: string): void {
    this.socket = undefined;
    const detail = reason || `connection closed (code ${code})`;
    this.failPending(`Lost the connection to Edgeward: ${detail}`);
    if (this.closedByUser || FATAL_CLOSE_CODES.has(code) || this.options.reconnect === false) {
      this.setState('disconnected', detail);
      return;
    }
    this.setState('disconnected', `${detail}; retrying in ${Math.round(this.delay / 100) / 10} s`);
    this.retryTimer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, this.options.maxReconnectDelayMs ?? 5000);
  }

  private failPending(message: string): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve(fail(appError('UNAVAILABLE', message, 'Edgeward reconnects by itself; retry when the status bar shows Connected.')));
      this.pending.delete(id);
    }
  }
}
