import { z } from 'zod';

/**
 * A service's health as clinicians would feel it: from its members' readiness, its redundancy
 * groups and its front door (when it has one, that is what clients reach). Pure, shared by the
 * Service view, the CLI and tests.
 */
export const ServiceHealthLevel = z.enum(['healthy', 'degraded', 'at-risk', 'down']);
export type ServiceHealthLevel = z.infer<typeof ServiceHealthLevel>;

export const MemberState = z.strictObject({
  node: z.string(),
  healthy: z.boolean(),
  state: z.string(),
  latencyMs: z.number().optional(),
  /** The deployment revision the member runs, as the last rollout left it. */
  revision: z.number().int().optional(),
});
export type MemberState = z.infer<typeof MemberState>;

export const GroupState = z.strictObject({
  name: z.string(),
  minHealthy: z.number().int(),
  members: z.array(MemberState),
});
export type GroupState = z.infer<typeof GroupState>;

export const FrontDoorState = z.strictObject({
  url: z.string(),
  ok: z.boolean(),
  /** "HTTP 200 in 14 ms", "no answer within 2000 ms: …". */
  detail: z.string(),
  latencyMs: z.number().optional(),
});
export type FrontDoorState = z.infer<typeof FrontDoorState>;

export const ServiceHealth = z.strictObject({
  level: ServiceHealthLevel,
  /** One line: "2 of 2 ready, minimum 1" or what is wrong. */
  summary: z.string(),
});
export type ServiceHealth = z.infer<typeof ServiceHealth>;

/** "2 of 2 ready, minimum 1" for one group. */
export function describeGroup(g: GroupState): string {
  const ready = g.members.filter((m) => m.healthy).length;
  return `${ready} of ${g.members.length} ready, minimum ${g.minHealthy}`;
}

/**
 * down: the front door fails, or no member serves; at risk: a group at or below its minimum;
 * degraded: fewer members ready than there are; healthy: every member ready.
 */
export function serviceHealth(groups: GroupState[], frontDoor?: FrontDoorState): ServiceHealth {
  const members = groups.flatMap((g) => g.members);
  const ready = members.filter((m) => m.healthy).length;
  const groupsText = groups.length === 1 ? describeGroup(groups[0]!) : groups.map((g) => `${g.name}: ${describeGroup(g)}`).join('; ');
  if (frontDoor && !frontDoor.ok) return { level: 'down', summary: `front door ${frontDoor.url}: ${frontDoor.detail}; ${groupsText}` };
  if (ready === 0) return { level: 'down', summary: `no member is ready; ${groupsText}` };
  const short = groups.filter((g) => g.members.filter((m) => m.healthy).length <= g.minHealthy && g.members.length > g.minHealthy);
  const below = groups.filter((g) => g.members.filter((m) => m.healthy).length < g.minHealthy);
  if (below.length)
    return { level: 'at-risk', summary: `below its minimum: ${below.map((g) => `${g.name} ${describeGroup(g)}`).join('; ')}` };
  if (short.length) return { level: 'at-risk', summary: `at its minimum: ${short.map((g) => `${g.name} ${describeGroup(g)}`).join('; ')}` };
  if (ready < members.length) return { level: 'degraded', summary: groupsText };
  return { level: 'healthy', summary: groupsText };
}

export const Availability = z.strictObject({
  days: z.number(),
  /** Share of probes answered over the period; null before the first probe. */
  pct: z.number().nullable(),
  probes: z.number().int(),
  since: z.number().nullable(),
  targetPct: z.number().nullable(),
  /** What is left of the error budget (100 − target) over the period: 100 untouched, 0 or less spent. */
  budgetLeftPct: z.number().nullable(),
});
export type Availability = z.infer<typeof Availability>;

/** Availability and error budget from probe counts over a period. */
export function availabilityOf(probes: number, ok: number, since: number | null, targetPct: number | undefined, days = 30): Availability {
  const pct = probes ? (100 * ok) / probes : null;
  const allowed = targetPct !== undefined ? 100 - targetPct : undefined;
  const budgetLeftPct = pct !== null && allowed ? (1 - (100 - pct) / allowed) * 100 : null;
  return { days, pct, probes, since, targetPct: targetPct ?? null, budgetLeftPct };
}
