import { z } from 'zod';

/**
 * Stream topics: name → subscription parameters → frame schema. Frames are produced by main-side
 * services and pushed through whichever transport the window uses.
 */
export const HeartbeatFrame = z.strictObject({
  seq: z.number().int().nonnegative(),
  at: z.string(),
  uptimeS: z.number().nonnegative(),
});
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;

const NoParams = z.strictObject({});

export const topics = {
  heartbeat: { params: NoParams, frame: HeartbeatFrame },
} as const satisfies Record<string, { params: z.ZodType; frame: z.ZodType }>;

export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type ParamsOf<T extends TopicName> = z.input<Topics[T]['params']>;
export type ParsedParamsOf<T extends TopicName> = z.output<Topics[T]['params']>;
export type FrameOf<T extends TopicName> = z.output<Topics[T]['frame']>;

export function isTopicName(name: unknown): name is TopicName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(topics, name);
}
