import type Database from 'better-sqlite3';
import { JobSpec } from '../../../shared/jobs/job-spec.js';
import { JobRun } from '../../../shared/jobs/job-run.js';
import { openStateDb, storeError } from '../store/state-db.js';

export interface StoredJob {
  name: string;
  yaml: string;
  spec: JobSpec;
  by: string;
  updatedAt: number;
}

/**
 * Batch jobs in the state store: each job as applied (its YAML, as the operator wrote it) and
 * every run with its shards, rewritten as the run moves, each write one transaction. Rows read back
 * are checked as strictly as input: one changed outside Edgeward is named, never acted on.
 */
export class JobStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  static open(dbFile: string, nativeBinding?: string): JobStore {
    return new JobStore(openStateDb(dbFile, nativeBinding), dbFile);
  }

  private tx<T>(f: () => T): T {
    try {
      return this.db.transaction(f).immediate();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  private parse<T>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false } }, body: string, what: string): T {
    const r = schema.safeParse(JSON.parse(body));
    if (!r.success) throw new Error(`${what} in ${this.file} is not valid; it was changed outside Edgeward`);
    return r.data;
  }

  saveJob(name: string, yaml: string, spec: JobSpec, by: string): void {
    this.tx(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO jobs (name, yaml, body, by, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, yaml, JSON.stringify(spec), by, Date.now()),
    );
  }

  job(name: string): StoredJob | undefined {
    const row = this.db.prepare('SELECT name, yaml, body, by, updated_at FROM jobs WHERE name = ?').get(name) as
      { name: string; yaml: string; body: string; by: string; updated_at: number } | undefined;
    if (!row) return undefined;
    return { name: row.name, yaml: row.yaml, spec: this.parse(JobSpec, row.body, `job ${name}`), by: row.by, updatedAt: row.updated_at };
  }

  jobs(): StoredJob[] {
    const names = this.db.prepare('SELECT name FROM jobs ORDER BY name').all() as { name: string }[];
    return names.map((r) => this.job(r.name)!);
  }

  removeJob(name: string): boolean {
    return this.tx(() => this.db.prepare('DELETE FROM jobs WHERE name = ?').run(name).changes > 0);
  }

  saveRun(run: JobRun): void {
    this.tx(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO job_runs (id, job, body, started_at) VALUES (?, ?, ?, ?)')
        .run(run.id, run.job, JSON.stringify(run), run.startedAt),
    );
  }

  run(id: string): JobRun | undefined {
    const row = this.db.prepare('SELECT body FROM job_runs WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? this.parse(JobRun, row.body, `job run ${id}`) : undefined;
  }

  /** Newest first. */
  runs(job?: string, limit = 50): JobRun[] {
    const rows = (
      job
        ? this.db.prepare('SELECT body FROM job_runs WHERE job = ? ORDER BY started_at DESC LIMIT ?').all(job, limit)
        : this.db.prepare('SELECT body FROM job_runs ORDER BY started_at DESC LIMIT ?').all(limit)
    ) as { body: string }[];
    return rows.map((r, i) => this.parse(JobRun, r.body, `job run #${i}`));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
