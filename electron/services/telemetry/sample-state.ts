import { clockEventReasons } from '../../../shared/throttle.js';
import type { GpuSample, TelemetryFrame } from '../../../shared/telemetry.js';

/** What the health model needs of a telemetry session. */
export interface SampleState {
  session: TelemetryFrame['session'];
  /** When the newest sample was measured. */
  at: number | null;
  hottestC: number | null;
  /** Why the session waits for a person, if it does. */
  parked?: string;
  /** Heat or power delivery holding a GPU's clocks back, in words. */
  throttled?: string;
}

/** From a session's state, every GPU's last sample, and its current frame (whose GPUs are the fresh ones). */
export function sampleStateOf(session: TelemetryFrame['session'], gpus: GpuSample[], frame: TelemetryFrame): SampleState {
  const temps = gpus.map((g) => g.tempC).filter((t): t is number => t !== null);
  // What explains a slow model.
  const throttled = frame.gpus
    .map((g) => ({ g, why: clockEventReasons(g.throttleReasons, 'hard') }))
    .filter((x) => x.why.length)
    .map((x) => `GPU ${x.g.index} clocks held back: ${x.why.join(', ')}`);
  return {
    session,
    at: gpus.length ? Math.max(...gpus.map((g) => g.at)) : null,
    hottestC: temps.length ? Math.max(...temps) : null,
    ...(frame.parked ? { parked: frame.parked } : {}),
    ...(throttled.length ? { throttled: throttled.join('; ') } : {}),
  };
}
