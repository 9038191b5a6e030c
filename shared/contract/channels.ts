import { z } from 'zod';
import { AuditFilter, AuditRecord, VerifyResult } from '../audit.js';
import { Settings, SettingsPatch } from '../settings.js';

/**
 * Invoke channels: name → request schema → response schema. The main side validates every request
 * against these at runtime; both sides derive their types from them, so check and type cannot drift.
 */
export const AppInfo = z.strictObject({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  transport: z.enum(['electron', 'loopback', 'cli']),
  dataDir: z.string(),
  startedAt: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const Empty = z.strictObject({});

export const AuditHead = z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() });
export const AuditQueryRequest = z.strictObject({
  filter: AuditFilter.default({}),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export const AuditQueryResponse = z.strictObject({ total: z.number().int().nonnegative(), records: z.array(AuditRecord) });
export const AuditExportRequest = z.strictObject({ format: z.enum(['csv', 'jsonl']), filter: AuditFilter.default({}) });
export const AuditExportResponse = z.strictObject({ file: z.string(), count: z.number().int().nonnegative(), sha256: z.string() });

export const channels = {
  'app.info': { request: Empty, response: AppInfo },
  'settings.get': { request: Empty, response: Settings },
  'settings.set': { request: SettingsPatch, response: Settings },
  'audit.query': { request: AuditQueryRequest, response: AuditQueryResponse },
  'audit.verify': {
    request: z.strictObject({
      anchor: z
        .string()
        .regex(/^\d+:[0-9a-f]{64}$/, 'anchor is SEQ:HASH')
        .optional(),
    }),
    response: VerifyResult,
  },
  'audit.head': { request: Empty, response: AuditHead },
  'audit.export': { request: AuditExportRequest, response: AuditExportResponse },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
/** What a caller passes (defaults not yet applied). */
export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
/** What a handler receives, after validation. */
export type ParsedRequestOf<C extends ChannelName> = z.output<Channels[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<Channels[C]['response']>;

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
