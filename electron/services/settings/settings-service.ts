import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { DEFAULT_SETTINGS, Settings, SettingsPatch } from '../../../shared/settings.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { zodDetails } from '../../../shared/zod-details.js';
import type { Intent } from '../audit/intent.js';

type Listener = (settings: Settings) => void;

/**
 * User settings in `settings.json` of the data directory. `conf` gives atomic writes; zod is the one
 * schema (shared with the renderer), so a value the UI accepts is exactly a value that is stored.
 */
export class SettingsService {
  private readonly listeners = new Set<Listener>();
  /** The last read, with the file's identity then: read again only when the file changed. */
  private cached: { key: string; settings: Settings } | undefined;

  private constructor(
    private readonly store: Conf<Settings>,
    /** Set when an unreadable file was moved aside at start-up, so the UI can say so. */
    readonly recoveredFrom: string | undefined,
  ) {}

  static open(dataDir: string): SettingsService {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'settings.json');
    let recoveredFrom: string | undefined;
    const make = () => new Conf<Settings>({ cwd: dataDir, configName: 'settings', defaults: DEFAULT_SETTINGS, configFileMode: 0o600 });
    let store: Conf<Settings>;
    try {
      store = make();
    } catch (err) {
      // No file to blame: the directory itself cannot be written (full disk, permissions).
      if (!fs.existsSync(file))
        throw new Error(
          `cannot create ${file}: ${(err as Error).message}. Free space on that disk or choose another data directory (--data-dir).`,
        );
      // Never lose the user's file: keep it beside, start from defaults, and report it.
      recoveredFrom = `${file}.unreadable-${Date.now()}`;
      fs.renameSync(file, recoveredFrom);
      store = make();
    }
    return new SettingsService(store, recoveredFrom);
  }

  /**
   * The settings as in the file now (another process may have saved it). Every audit record asks
   * for the operator's name, so the file is read and checked again only when its stat changed.
   */
  get(): Settings {
    const key = this.fileKey();
    if (key && this.cached?.key === key) return this.cached.settings;
    const settings = this.read();
    this.cached = key ? { key, settings } : undefined;
    return settings;
  }

  private fileKey(): string | undefined {
    try {
      const st = fs.statSync(this.store.path, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      return undefined;
    }
  }

  private read(): Settings {
    const merged = { ...DEFAULT_SETTINGS, ...pickKnown(this.store.store) };
    const parsed = Settings.safeParse(merged);
    // A hand-edited file with a bad value falls back to defaults for that read, never crashes.
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  /** Asks for the Intent of the settings.update it belongs to: settings change only through the pipeline. */
  set(patch: SettingsPatch, _intent: Intent): Settings {
    const parsed = SettingsPatch.safeParse(patch);
    if (!parsed.success) {
      throw new AppErrorException(
        appError('VALIDATION', 'Invalid settings', 'Correct the highlighted fields and save again.', zodDetails(parsed.error)),
      );
    }
    const next = { ...this.get(), ...parsed.data };
    this.store.store = next;
    this.cached = undefined;
    for (const listener of this.listeners) listener(next);
    return next;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function pickKnown(raw: Record<string, unknown>): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS)) if (key in raw) out[key] = raw[key];
  return out as Partial<Settings>;
}
