import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { ImageReference, Rollout, SpecHash } from '../../../shared/deploy/rollout.js';
import type { Intent } from '../audit/intent.js';
import { openStateDb, storeError } from '../store/state-db.js';

export interface Revision {
  revision: number;
  spec: DeploymentSpec;
  specHash: string;
  /** The image as pinned when this revision was first rolled out (kept for a one-step rollback). */
  pinnedImage: string | null;
  createdAt: number;
  /** Set when a rollout of this revision reached every node: what a rollback goes back to. */
  succeededAt?: number;
}

/** A stored revision, checked as strictly as a spec from a user: its image reaches node commands. */
const StoredRevision = z.strictObject({
  revision: z.number().int().positive(),
  spec: DeploymentSpec,
  specHash: SpecHash,
  pinnedImage: ImageReference.nullable(),
  createdAt: z.number(),
  succeededAt: z.number().optional(),
});

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Deployments in the state store: every revision (spec, its hash, the pinned image) and each
 * deployment's current or last rollout, rewritten at every step, each write one transaction. What
 * is read back is checked as strictly as user input (a row changed outside Edgeward is named, never
 * acted on). The `deployments/` folder of earlier versions is imported on first start.
 */
export class DeployStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  static open(dbFile: string, legacyDir: string, nativeBinding?: string): DeployStore {
    const store = new DeployStore(openStateDb(dbFile, nativeBinding), dbFile);
    store.importLegacy(legacyDir);
    return store;
  }

  private tx<T>(f: () => T): T {
    try {
      return this.db.transaction(f).immediate();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  /** The files as they were, bodies unchanged (a damaged one stays damaged, and is listed so); then the folder is kept beside. */
  private importLegacy(dir: string): void {
    if (!fs.existsSync(dir)) return;
    this.tx(() => {
      if (this.db.prepare("SELECT 1 FROM imports WHERE what = 'deployments'").get()) return;
      let rows = 0;
      for (const d of fs.readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory())) {
        const revDir = path.join(dir, d.name, 'revisions');
        for (const f of fs.existsSync(revDir) ? fs.readdirSync(revDir).filter((x) => /^\d+\.json$/.test(x)) : []) {
          this.db
            .prepare('INSERT OR REPLACE INTO revisions (name, revision, body) VALUES (?, ?, ?)')
            .run(d.name, Number(f.slice(0, -5)), fs.readFileSync(path.join(revDir, f), 'utf8'));
          rows++;
        }
        const rollout = path.join(dir, d.name, 'rollout.json');
        if (fs.existsSync(rollout)) {
          this.db.prepare('INSERT OR REPLACE INTO rollouts (name, body) VALUES (?, ?)').run(d.name, fs.readFileSync(rollout, 'utf8'));
          rows++;
        }
      }
      this.db.prepare("INSERT INTO imports (what, at, source, rows) VALUES ('deployments', ?, ?, ?)").run(Date.now(), dir, rows);
    });
    fs.renameSync(dir, `${dir}.imported`);
  }

  names(): string[] {
    const rows = this.db.prepare('SELECT name FROM revisions UNION SELECT name FROM rollouts ORDER BY name').all() as { name: string }[];
    return rows.map((r) => r.name);
  }

  revisions(name: string): Revision[] {
    const rows = this.db.prepare('SELECT revision, body FROM revisions WHERE name = ? ORDER BY revision').all(name) as {
      revision: number;
      body: string;
    }[];
    return rows.map((row) => {
      const parsed = StoredRevision.safeParse(parseJson(row.body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `revision ${row.revision} of ${name} in ${this.file} is not a valid revision (${issue?.path.join('.')}: ${issue?.message}); it was changed outside Edgeward`,
        );
      }
      return parsed.data as Revision;
    });
  }

  revision(name: string, n: number): Revision | undefined {
    return this.revisions(name).find((r) => r.revision === n);
  }

  saveRevision(name: string, rev: Revision, _intent: Intent): void {
    this.tx(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO revisions (name, revision, body) VALUES (?, ?, ?)')
        .run(name, rev.revision, JSON.stringify(rev)),
    );
  }

  rollout(name: string): Rollout | undefined {
    const row = this.db.prepare('SELECT body FROM rollouts WHERE name = ?').get(name) as { body: string } | undefined;
    if (!row) return undefined;
    const parsed = Rollout.safeParse(parseJson(row.body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `the rollout of ${name} in ${this.file} is not a valid rollout (${issue?.path.join('.')}: ${issue?.message}); it was changed outside Edgeward`,
      );
    }
    return parsed.data;
  }

  saveRollout(r: Rollout, _intent: Intent): void {
    this.tx(() => this.db.prepare('INSERT OR REPLACE INTO rollouts (name, body) VALUES (?, ?)').run(r.deployment, JSON.stringify(r)));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
