import { z } from 'zod';
import { AuditRecord } from '../audit.js';
import { MaintenancePolicy } from '../service/maintenance-window.js';
import { Availability, FrontDoorState, GroupState, ServiceHealth } from '../service/service-health.js';
import { ServiceSpec } from '../service/service-spec.js';

const ServiceText = z.string().max(128 * 1024);
const ServiceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'a service name');
const Problem = z.strictObject({ path: z.string(), line: z.number().int(), column: z.number().int(), message: z.string() });

export const ServiceSummary = z.strictObject({
  name: z.string(),
  deployment: z.string().optional(),
  members: z.array(z.string()),
  by: z.string().optional(),
  updatedAt: z.number().optional(),
  /** Set when its row was changed outside Edgeward: why; it is not acted on. */
  damaged: z.string().optional(),
});

export const ServiceDetail = z.strictObject({
  spec: ServiceSpec,
  yaml: z.string(),
  by: z.string(),
  updatedAt: z.number(),
  health: ServiceHealth,
  groups: z.array(GroupState),
  frontDoor: FrontDoorState.optional(),
  /** "open until …", "next: Tue 2026-12-08 02:00–04:00 Europe/Berlin", or none. */
  window: z.string().optional(),
  slo: z.string().nullable(),
  /** Over the last 30 days, from the recorded probes of the front door (or of any member ready). */
  availability: Availability,
  /** The service's and its deployment's recent audit records, newest first. */
  changes: z.array(AuditRecord),
  checkedAt: z.number(),
});
export type ServiceDetail = z.infer<typeof ServiceDetail>;

/** Services: clinical workloads with redundancy groups, a front door and maintenance windows. */
export const serviceChannels = {
  'service.validate': { request: z.strictObject({ text: ServiceText }), response: z.strictObject({ problems: z.array(Problem) }) },
  'service.apply': { request: z.strictObject({ text: ServiceText }), response: ServiceSummary },
  'service.remove': { request: z.strictObject({ name: ServiceName }), response: z.strictObject({}) },
  'service.list': { request: z.strictObject({}), response: z.strictObject({ services: z.array(ServiceSummary) }) },
  /** Probes every member (and the front door) now: a few seconds at most. */
  'service.show': { request: z.strictObject({ name: ServiceName }), response: ServiceDetail },
  /** Starts a failover drill (follow it on the `drill` topic); refused when it would break redundancy. */
  'drill.start': {
    request: z.strictObject({
      service: ServiceName,
      member: z.string().max(63).optional(),
      seconds: z.number().int().min(5).max(600).default(30),
      /** Why it may run outside the service's maintenance window (audited with the drill). */
      outsideWindow: z.string().trim().min(3).max(500).optional(),
    }),
    response: z.strictObject({ id: z.string() }),
  },
  /** Ends the probing early; the member is put back all the same. */
  'drill.cancel': { request: z.strictObject({ id: z.string().uuid() }), response: z.strictObject({ cancelled: z.boolean() }) },
  /** A finished drill's report: a one-time link for a browser tab, or the file for the desktop app. */
  'drill.report.open': {
    request: z.strictObject({ id: z.string().uuid() }),
    response: z.strictObject({ intact: z.boolean(), file: z.string(), url: z.string().optional() }),
  },
  'site.windows.list': {
    request: z.strictObject({}),
    response: z.strictObject({ sites: z.array(z.strictObject({ site: z.string(), policy: MaintenancePolicy })) }),
  },
  'site.windows.set': {
    request: z.strictObject({ site: z.string().min(1).max(63), policy: MaintenancePolicy.nullable() }),
    response: z.strictObject({}),
  },
} as const;
