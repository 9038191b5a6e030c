import type { z } from 'zod';
import {
  channels,
  isChannelName,
  isTopicName,
  topics,
  type ChannelName,
  type FrameOf,
  type ParsedParamsOf,
  type ParsedRequestOf,
  type ResponseOf,
  type TopicName,
} from '../../shared/contract/index.js';
import { AppErrorException, appError, fail, ok, type AppError, type Result } from '../../shared/errors.js';
import { zodDetails } from '../../shared/zod-details.js';

export { zodDetails };

/** Who is calling: filled in by the transport after it has checked the sender. */
export interface CallContext {
  transport: 'electron' | 'loopback' | 'cli';
  /** A stable id of the window or socket, for logs and per-client limits. */
  clientId: string;
}

export type Handler<C extends ChannelName> = (request: ParsedRequestOf<C>, ctx: CallContext) => Promise<ResponseOf<C>> | ResponseOf<C>;

/** Starts producing frames for one subscriber; returns the function that stops it. */
export type TopicSource<T extends TopicName> = (
  params: ParsedParamsOf<T>,
  emit: (frame: FrameOf<T>) => void,
  ctx: CallContext,
) => () => void;

function validationError(what: string, error: z.ZodError): AppError {
  const details = zodDetails(error);
  const first = details[0];
  return appError(
    'VALIDATION',
    `Invalid ${what}${first ? `: ${first.path}: ${first.message}` : ''}`,
    'Correct the highlighted fields and try again.',
    details,
  );
}

/**
 * One router for every transport: it validates requests against the shared contract, calls the
 * registered service, checks the response shape and turns every failure into an AppError.
 */
export class Router {
  private readonly handlers = new Map<ChannelName, Handler<ChannelName>>();
  private readonly sources = new Map<TopicName, TopicSource<TopicName>>();

  constructor(
    /** Checks every frame against its topic's schema and reports the ones that do not match (tests). */
    private readonly onBadFrame?: (topic: TopicName, problem: string) => void,
  ) {}

  handle<C extends ChannelName>(channel: C, handler: Handler<C>): this {
    if (this.handlers.has(channel)) throw new Error(`channel ${channel} already has a handler`);
    this.handlers.set(channel, handler as unknown as Handler<ChannelName>);
    return this;
  }

  topic<T extends TopicName>(topic: T, source: TopicSource<T>): this {
    if (this.sources.has(topic)) throw new Error(`topic ${topic} already has a source`);
    this.sources.set(topic, source as unknown as TopicSource<TopicName>);
    return this;
  }

  /** Never throws: whatever happens comes back as a Result. */
  async invoke(channel: unknown, request: unknown, ctx: CallContext): Promise<Result<unknown>> {
    if (!isChannelName(channel)) {
      return fail(
        appError(
          'UNKNOWN_CHANNEL',
          `Unknown channel ${JSON.stringify(String(channel).slice(0, 128))}`,
          'Update Edgeward: the window and the main process are from different versions.',
        ),
      );
    }
    const handler = this.handlers.get(channel);
    if (!handler) {
      return fail(appError('UNKNOWN_CHANNEL', `No service answers ${channel} yet`, 'Restart Edgeward; if it persists, report it.'));
    }
    const spec = channels[channel];
    try {
      // Inside the try: a hostile payload (nested deeper than the stack) must come back as an error too.
      const parsed = spec.request.safeParse(request ?? {});
      if (!parsed.success) return fail(validationError(`request for ${channel}`, parsed.error));
      const response = await handler(parsed.data as ParsedRequestOf<ChannelName>, ctx);
      const checked = spec.response.safeParse(response);
      if (!checked.success) {
        // A service broke the contract: a bug on our side, not the user's.
        return fail(
          appError(
            'INTERNAL',
            `The ${channel} service returned a malformed answer`,
            'Report this to the Edgeward team.',
            zodDetails(checked.error),
          ),
        );
      }
      return ok(checked.data);
    } catch (err) {
      return fail(toAppError(err, channel));
    }
  }

  subscribe(topic: unknown, params: unknown, emit: (frame: unknown) => void, ctx: CallContext): Result<() => void> {
    if (!isTopicName(topic)) {
      return fail(
        appError(
          'UNKNOWN_TOPIC',
          `Unknown topic ${JSON.stringify(String(topic).slice(0, 128))}`,
          'Update Edgeward: the window and the main process are from different versions.',
        ),
      );
    }
    const source = this.sources.get(topic);
    if (!source) return fail(appError('UNKNOWN_TOPIC', `No service streams ${topic} yet`, 'Restart Edgeward; if it persists, report it.'));
    try {
      const parsed = topics[topic].params.safeParse(params ?? {});
      if (!parsed.success) return fail(validationError(`parameters for ${topic}`, parsed.error));
      const report = this.onBadFrame;
      const out = report
        ? (frame: unknown) => {
            const checked = topics[topic].frame.safeParse(frame);
            if (!checked.success) {
              const first = zodDetails(checked.error)[0];
              report(topic, `${first?.path}: ${first?.message}`);
            }
            emit(frame);
          }
        : emit;
      return ok(source(parsed.data, out as (frame: FrameOf<TopicName>) => void, ctx));
    } catch (err) {
      return fail(toAppError(err, topic));
    }
  }

  channelsServed(): ChannelName[] {
    return [...this.handlers.keys()];
  }

  topicsServed(): TopicName[] {
    return [...this.sources.keys()];
  }
}

export function toAppError(err: unknown, where: string): AppError {
  if (err instanceof AppErrorException) return err.appError;
  const message = err instanceof Error ? err.message : String(err);
  return appError(
    'INTERNAL',
    `${where} failed unexpectedly: ${message}`,
    'Try again; if it keeps failing, report it with the audit log head.',
  );
}
