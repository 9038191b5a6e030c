import fs from 'node:fs';
import path from 'node:path';
import { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { ImageReference, Rollout, SpecHash } from '../../../shared/deploy/rollout.js';
import { z } from 'zod';
import { writeAtomic } from '../common/write-atomic.js';
import type { Intent } from '../audit/intent.js';

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

/** A revision file, checked as strictly as a spec from a user: its image reaches node commands. */
const StoredRevision = z.strictObject({
  revision: z.number().int().positive(),
  spec: DeploymentSpec,
  specHash: SpecHash,
  pinnedImage: ImageReference.nullable(),
  createdAt: z.number(),
  succeededAt: z.number().optional(),
});

/**
 * Deployments on disk: `deployments/NAME/revisions/N.json` (spec, its hash, the pinned image) and
 * `deployments/NAME/rollout.json` (the current or last rollout, rewritten at every step). Every write
 * goes to a temporary file, is fsynced, then renamed over the old one: a crash or a kill mid-write
 * leaves the previous state, never half of one. A write asks for the Intent of the action it belongs
 * to: no code changes a deployment outside the audit pipeline.
 */
export class DeployStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  names(): string[] {
    return fs
      .readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  }

  revisions(name: string): Revision[] {
    const dir = path.join(this.dir, name, 'revisions');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => /^\d+\.json$/.test(f))
      .map((f) => {
        const file = path.join(dir, f);
        const parsed = StoredRevision.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${file} is not a valid revision (${issue?.path.join('.')}: ${issue?.message}); it was changed outside Edgeward`);
        }
        return parsed.data as Revision;
      })
      .sort((a, b) => a.revision - b.revision);
  }

  revision(name: string, n: number): Revision | undefined {
    return this.revisions(name).find((r) => r.revision === n);
  }

  saveRevision(name: string, rev: Revision, _intent: Intent): void {
    writeAtomic(path.join(this.dir, name, 'revisions', `${rev.revision}.json`), JSON.stringify(rev, null, 2));
  }

  rollout(name: string): Rollout | undefined {
    const file = path.join(this.dir, name, 'rollout.json');
    if (!fs.existsSync(file)) return undefined;
    const parsed = Rollout.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file} is not a valid rollout (${issue?.path.join('.')}: ${issue?.message}); it was changed outside Edgeward`);
    }
    return parsed.data;
  }

  saveRollout(r: Rollout, _intent: Intent): void {
    writeAtomic(path.join(this.dir, r.deployment, 'rollout.json'), JSON.stringify(r));
  }
}
