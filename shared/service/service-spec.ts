import { z } from 'zod';
import { NodeName, WorkloadProfile } from '../fleet.js';
import { SloTarget } from '../slo.js';
import { DEPLOYMENT_NAME } from '../deploy/spec.js';
import { parseYamlWith, positionOfPath, type YamlProblem } from '../yaml-schema.js';
import { MaintenancePolicy } from './maintenance-window.js';

/**
 * A service: a named clinical workload (`sepsis-cds`), the deployment that serves it, the nodes it
 * runs on grouped for redundancy, its objective, an optional front door (the address clients use)
 * and the windows in which it may be changed. Written in YAML like a deployment spec.
 */
export const SERVICE_NAME = DEPLOYMENT_NAME;

const GroupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, ".", "_" and "-" (max 63)');

export const RedundancyGroup = z.strictObject({
  name: GroupName,
  members: z.array(NodeName).min(1).max(100),
  /** Members that must stay healthy through any change: a change that would leave fewer waits. */
  minHealthy: z.number().int().min(0).max(100),
});
export type RedundancyGroup = z.infer<typeof RedundancyGroup>;

export const Redundancy = z.union([
  z.strictObject({
    /** One group per site of the members ("site"), or one group of all members ("none"). */
    groupBy: z.enum(['site', 'none']).default('none'),
    minHealthy: z.number().int().min(0).max(100),
    /** How long a change waits for a group to be back at strength before it pauses. */
    waitS: z.number().int().min(0).max(86_400).default(300),
  }),
  z.strictObject({
    groups: z.array(RedundancyGroup).min(1).max(100),
    waitS: z.number().int().min(0).max(86_400).default(300),
  }),
]);
export type Redundancy = z.infer<typeof Redundancy>;

/** The front door: what clinicians' systems call (a load balancer or virtual IP), probed from the console. */
export const FrontDoor = z.strictObject({
  url: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/[A-Za-z0-9.[\]:-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/%-]*)?$/, 'an http:// or https:// address with no query'),
  timeoutMs: z.number().int().min(50).max(60_000).default(2000),
});
export type FrontDoor = z.infer<typeof FrontDoor>;

export const ServiceSpec = z.strictObject({
  name: z.string().regex(SERVICE_NAME, 'lowercase letters, digits and "-", starting with a letter or digit (max 48)'),
  description: z.string().max(500).default(''),
  deployment: z.string().regex(DEPLOYMENT_NAME, 'the name of a deployment'),
  profile: WorkloadProfile.optional(),
  /** The objective; the profile's (Settings) when left out. */
  slo: SloTarget.optional(),
  members: z
    .array(NodeName)
    .min(1)
    .max(500)
    .refine((m) => new Set(m).size === m.length, 'a member is listed twice'),
  redundancy: Redundancy,
  /** Each member's readiness check (the deployment's health check when left out). */
  ready: z
    .strictObject({
      port: z.number().int().min(1).max(65535),
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9._~/-]{0,200}$/, 'a URL path')
        .default('/v2/health/ready'),
    })
    .optional(),
  frontDoor: FrontDoor.optional(),
  maintenance: MaintenancePolicy.optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** YAML → service, or every problem with line, column and field (group members checked against members). */
export { locate as locateProblems };

export function parseServiceSpec(text: string): { spec: ServiceSpec; problems: [] } | { spec?: undefined; problems: YamlProblem[] } {
  const r = parseYamlWith(ServiceSpec, text, 128 * 1024, 'service');
  if (!r.value) return { problems: r.problems };
  const problems: YamlProblem[] = [];
  const s = r.value;
  if ('groups' in s.redundancy) {
    s.redundancy.groups.forEach((g, i) => {
      g.members.forEach((m, j) => {
        if (!s.members.includes(m))
          problems.push({
            path: `redundancy.groups.${i}.members.${j}`,
            line: 1,
            column: 1,
            message: `${m} is not one of the service's members`,
          });
      });
      if (g.minHealthy >= g.members.length)
        problems.push({
          path: `redundancy.groups.${i}.minHealthy`,
          line: 1,
          column: 1,
          message: `minHealthy ${g.minHealthy} leaves none of the group's ${g.members.length} member(s) free to be changed`,
        });
    });
  } else if (s.redundancy.groupBy === 'none' && s.redundancy.minHealthy >= s.members.length) {
    problems.push({
      path: 'redundancy.minHealthy',
      line: 1,
      column: 1,
      message: `minHealthy ${s.redundancy.minHealthy} leaves none of the service's ${s.members.length} member(s) free to be changed`,
    });
  }
  return problems.length ? { problems: locate(text, problems) } : { spec: s, problems: [] };
}

/** Checks made after parsing carry a path; their line and column are where that path is written. */
function locate(text: string, problems: YamlProblem[]): YamlProblem[] {
  return problems.map((p) => ({ ...p, ...positionOfPath(text, p.path) }));
}

/**
 * The redundancy groups with their members resolved: explicit groups as written; by site, one
 * group per site of the members (a member not in the inventory is a group of its own name).
 */
export function resolveGroups(s: ServiceSpec, siteOf: (node: string) => string | undefined): RedundancyGroup[] {
  const r = s.redundancy;
  if ('groups' in r) return r.groups;
  if (r.groupBy === 'none') return [{ name: 'all', members: s.members, minHealthy: r.minHealthy }];
  const bySite = new Map<string, string[]>();
  for (const m of s.members) {
    const site = siteOf(m) ?? m;
    bySite.set(site, [...(bySite.get(site) ?? []), m]);
  }
  return [...bySite.entries()].map(([site, members]) => ({ name: site, members, minHealthy: Math.min(r.minHealthy, members.length) }));
}
