import { z } from 'zod';
import { PROFILE_SLOS, SloSettings } from './slo.js';
import { TIME_ZONE_SETTINGS } from './time-format.js';

/** Theme: follow the operating system unless the user picks one (night shifts want dark). */
export const ThemePreference = z.enum(['system', 'light', 'dark']);
export type ThemePreference = z.infer<typeof ThemePreference>;

/** Printable text without control characters: it ends up in audit records and report headers. */
const displayName = z
  .string()
  .max(80, 'at most 80 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'no control or formatting characters');

/**
 * A registry the console and the nodes pull from: its CA (for a hospital's own PKI), plain HTTP for
 * a lab registry, and the user to log in as. The password is a secret (`registry-password:HOST`,
 * kept with safeStorage in the app; given on stdin to the CLI), never a setting.
 */
export const RegistrySetting = z.strictObject({
  host: z
    .string()
    .max(260)
    .regex(
      /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/,
      'a registry host, with its port when not 443 (registry.example:5000)',
    ),
  ca: z
    .string()
    .max(20_000)
    .regex(
      /^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s-]+-----END CERTIFICATE-----\s*$/,
      'a PEM certificate (BEGIN CERTIFICATE … END CERTIFICATE)',
    )
    .optional(),
  insecure: z.boolean().optional(),
  username: z
    .string()
    .max(200)
    .regex(/^[^\s:]+$/, 'a user name without spaces or ":"')
    .optional(),
});
export type RegistrySetting = z.infer<typeof RegistrySetting>;

export const Settings = z.strictObject({
  /** Who is at the console; recorded in the audit log next to the OS user. */
  operatorName: displayName,
  theme: ThemePreference,
  /** Service-level objectives per workload profile (radiology, clinical decision support, EHR batch). */
  slo: SloSettings,
  /** The clock every time is written in: the UI, the CLI's text output and reports (local or UTC). */
  timeZone: z.enum(TIME_ZONE_SETTINGS),
  /** Alertmanagers that get every alert (the paging chain); comma-separated when set from the CLI. */
  alertmanagers: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z
      .array(
        z
          .string()
          .max(500)
          .regex(
            /^https?:\/\/[A-Za-z0-9.[\]:-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?$/,
            'an http:// or https:// address of an Alertmanager, no query',
          ),
      )
      .max(8),
  ),
  /** A Prometheus that holds this fleet's metrics: the node view's history comes from it when set (the local history stays the fallback). */
  prometheusUrl: z
    .string()
    .max(500)
    .regex(
      /^(?:https?:\/\/[A-Za-z0-9.[\]:-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?)?$/,
      'an http:// or https:// address of Prometheus, or empty',
    ),
  /** Where the app serves GET /metrics for Prometheus ("127.0.0.1:9464"); empty: not served. */
  metricsListen: z
    .string()
    .max(100)
    .regex(/^(?:(?:\[[0-9a-fA-F:]+\]|[0-9A-Za-z.-]+):\d{1,5})?$/, 'HOST:PORT, e.g. 127.0.0.1:9464, or empty for off'),
  /** Registries with their CA, plain-HTTP flag and user (passwords are secrets). */
  registries: z
    .array(RegistrySetting)
    .max(32)
    .refine((l) => new Set(l.map((r) => r.host)).size === l.length, 'each registry once'),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const DEFAULT_SETTINGS: Settings = {
  operatorName: '',
  theme: 'system',
  slo: PROFILE_SLOS,
  timeZone: 'local',
  alertmanagers: [],
  prometheusUrl: '',
  metricsListen: '',
  registries: [],
};
