import { z } from 'zod';
import { PROFILE_SLOS, SloSettings } from './slo.js';
import { TimeZoneSetting } from './time-format.js';

/** Theme: follow the operating system unless the user picks one (night shifts want dark). */
export const ThemePreference = z.enum(['system', 'light', 'dark']);
export type ThemePreference = z.infer<typeof ThemePreference>;

/** Printable text without control characters: it ends up in audit records and report headers. */
const displayName = z
  .string()
  .max(80, 'at most 80 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'no control or formatting characters');

export const Settings = z.strictObject({
  /** Who is at the console; recorded in the audit log next to the OS user. */
  operatorName: displayName,
  theme: ThemePreference,
  /** Service-level objectives per workload profile (radiology, clinical decision support, EHR batch). */
  slo: SloSettings,
  /** The clock every time is written in: the UI, the CLI's text output and reports (local or UTC). */
  timeZone: TimeZoneSetting,
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
};
