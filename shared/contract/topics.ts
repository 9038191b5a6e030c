import { z } from 'zod';
import { FleetRunFrame } from '../fleet-commands.js';
import { NodeName, NodeStatus } from '../fleet.js';
import { FleetTelemetryFrame, TelemetryFrame } from '../telemetry.js';
import { Alert } from '../alerts.js';
import { Rollout } from '../deploy/rollout.js';
import { CommissionSession } from '../commission/session.js';
import { DrillFrame } from '../service/drill.js';

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

/** A bounded burst of frames, for measuring the bridge (Settings → self-test, npm run bench). */
export const DiagnosticsBurstParams = z.strictObject({
  count: z.number().int().min(1).max(100_000),
  payloadBytes: z.number().int().min(0).max(4096).default(0),
});
export const DiagnosticsBurstFrame = z.strictObject({
  seq: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  payload: z.string(),
});
export type DiagnosticsBurstFrame = z.infer<typeof DiagnosticsBurstFrame>;

/** The audit log grew (this process or another): the view refreshes. Coalesced to a few per second. */
export const AuditAppendedFrame = z.strictObject({ head: z.strictObject({ seq: z.number().int(), hash: z.string() }) });

export const topics = {
  heartbeat: { params: NoParams, frame: HeartbeatFrame },
  'diagnostics.burst': { params: DiagnosticsBurstParams, frame: DiagnosticsBurstFrame },
  'audit.appended': { params: NoParams, frame: AuditAppendedFrame },
  /** Connection status changes, one frame per node change (coalesced per node). */
  'fleet.status': { params: NoParams, frame: NodeStatus },
  'fleet.run': { params: z.strictObject({ runId: z.string().uuid() }), frame: FleetRunFrame },
  /** Live GPU and host telemetry of one node; watching starts its agent session. */
  'telemetry.node': { params: z.strictObject({ node: NodeName }), frame: TelemetryFrame },
  /** Every enabled node's summary once a second; subscribing starts the agent sessions of the fleet. */
  'telemetry.fleet': { params: NoParams, frame: FleetTelemetryFrame },
  /** A deployment's current rollout, a frame per step change on any node. */
  'deploy.rollout': { params: z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/) }), frame: Rollout },
  /** A node's commissioning, a frame per section change (progress of the checks). */
  'commission.session': { params: z.strictObject({ node: NodeName }), frame: CommissionSession },
  /** A failover drill, a frame per phase and twice a second while it probes; the last carries the result. */
  drill: { params: z.strictObject({ id: z.string().uuid() }), frame: DrillFrame },
  /** Alerts as they fire, change, resolve or are acknowledged. */
  alerts: { params: NoParams, frame: Alert },
  'fleet.prompt': {
    params: NoParams,
    frame: z.strictObject({
      id: z.string(),
      node: z.string(),
      prompts: z.array(z.strictObject({ prompt: z.string(), echo: z.boolean() })),
    }),
  },
} as const satisfies Record<string, { params: z.ZodType; frame: z.ZodType }>;

export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type ParamsOf<T extends TopicName> = z.input<Topics[T]['params']>;
export type ParsedParamsOf<T extends TopicName> = z.output<Topics[T]['params']>;
export type FrameOf<T extends TopicName> = z.output<Topics[T]['frame']>;

export function isTopicName(name: unknown): name is TopicName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(topics, name);
}
