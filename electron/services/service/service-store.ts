import type Database from 'better-sqlite3';
import { MaintenancePolicy } from '../../../shared/service/maintenance-window.js';
import { ServiceSpec } from '../../../shared/service/service-spec.js';
import type { Intent } from '../audit/intent.js';
import { openStateDb, storeError } from '../store/state-db.js';

export interface StoredService {
  spec: ServiceSpec;
  /** The YAML as the user wrote it (comments kept), shown and edited again. */
  yaml: string;
  by: string;
  updatedAt: number;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Services and site maintenance windows in the state store, so the app and every CLI see the same
 * ones. Writes take an Intent (they happen inside an audited action); what is read back is checked
 * like user input, and a row changed outside Edgeward is named, never acted on.
 */
export class ServiceStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  static open(file: string, nativeBinding?: string): ServiceStore {
    return new ServiceStore(openStateDb(file, nativeBinding), file);
  }

  private run<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  list(): { name: string; service?: StoredService; damaged?: string }[] {
    const rows = this.run(() => this.db.prepare('SELECT name, yaml, body, by, updated_at FROM services ORDER BY name').all() as Row[]);
    return rows.map((r) => {
      const parsed = ServiceSpec.safeParse(parseJson(r.body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          name: r.name,
          damaged: `not a valid service (${issue?.path.join('.')}: ${issue?.message}); it was changed outside Edgeward`,
        };
      }
      return { name: r.name, service: { spec: parsed.data, yaml: r.yaml, by: r.by, updatedAt: r.updated_at } };
    });
  }

  get(name: string): StoredService | undefined {
    const hit = this.list().find((s) => s.name === name);
    if (hit?.damaged) throw new Error(`The service ${name} in ${this.file} is ${hit.damaged}`);
    return hit?.service;
  }

  save(spec: ServiceSpec, yaml: string, by: string, _intent: Intent): void {
    this.run(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO services (name, yaml, body, by, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(spec.name, yaml, JSON.stringify(spec), by, Date.now()),
    );
  }

  remove(name: string, _intent: Intent): boolean {
    return this.run(() => this.db.prepare('DELETE FROM services WHERE name = ?').run(name).changes > 0);
  }

  /** Each site's maintenance windows (in its time zone), as set in the inventory. */
  siteWindows(): Map<string, MaintenancePolicy> {
    const rows = this.run(() => this.db.prepare('SELECT site, body FROM site_windows').all() as { site: string; body: string }[]);
    const out = new Map<string, MaintenancePolicy>();
    for (const r of rows) {
      const parsed = MaintenancePolicy.safeParse(parseJson(r.body));
      if (parsed.success) out.set(r.site, parsed.data);
    }
    return out;
  }

  setSiteWindows(site: string, policy: MaintenancePolicy | null, by: string, _intent: Intent): void {
    this.run(() =>
      policy
        ? this.db
            .prepare('INSERT OR REPLACE INTO site_windows (site, body, by, updated_at) VALUES (?, ?, ?, ?)')
            .run(site, JSON.stringify(policy), by, Date.now())
        : this.db.prepare('DELETE FROM site_windows WHERE site = ?').run(site),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Row {
  name: string;
  yaml: string;
  body: string;
  by: string;
  updated_at: number;
}
