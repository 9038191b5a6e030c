import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { FleetNode } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { Intent } from '../audit/intent.js';
import { openStateDb, storeError } from '../store/state-db.js';

/** The inventory file of earlier versions, imported once into the state store. */
const LegacyFile = z.strictObject({ version: z.literal(1), nodes: z.array(FleetNode) });

/**
 * The node inventory in the state store: one row per node, and a counter every change bumps in the
 * same transaction, so a process sees another's change with one tiny read. On first start the
 * `inventory.json` of earlier versions is imported (then kept beside as `.imported`).
 */
export class InventoryStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  static open(dbFile: string, legacyFile: string, nativeBinding?: string): InventoryStore {
    const store = new InventoryStore(openStateDb(dbFile, nativeBinding), dbFile);
    try {
      store.importLegacy(legacyFile);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** Once, in one transaction (two processes starting together import it once); a damaged file is refused, never skipped. */
  private importLegacy(legacyFile: string): void {
    if (!fs.existsSync(legacyFile)) return;
    this.tx(() => {
      if (this.db.prepare("SELECT 1 FROM imports WHERE what = 'inventory'").get()) return;
      let parsed;
      try {
        parsed = LegacyFile.safeParse(JSON.parse(fs.readFileSync(legacyFile, 'utf8')));
      } catch (err) {
        parsed = { success: false as const, error: { issues: [{ message: (err as Error).message }] } };
      }
      if (!parsed.success) {
        // Keep the user's file; refuse to silently start empty over it.
        throw new AppErrorException(
          appError(
            'INTERNAL',
            `The inventory file ${legacyFile} is damaged: ${parsed.error.issues[0]?.message}`,
            'Restore it from a backup, or move it aside to start with an empty inventory.',
          ),
        );
      }
      const put = this.db.prepare('INSERT OR REPLACE INTO nodes (name, body) VALUES (?, ?)');
      for (const n of parsed.data.nodes) put.run(n.name, JSON.stringify(n));
      this.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'inventory'").run();
      this.db
        .prepare("INSERT INTO imports (what, at, source, rows) VALUES ('inventory', ?, ?, ?)")
        .run(Date.now(), legacyFile, parsed.data.nodes.length);
    });
    // Kept for whoever wants to look back; never read again (also when another process imported it).
    fs.renameSync(legacyFile, `${legacyFile}.imported`);
  }

  private tx<T>(f: () => T): T {
    try {
      return this.db.transaction(f).immediate();
    } catch (err) {
      throw err instanceof AppErrorException ? err : storeError(this.file, err);
    }
  }

  /** Bumped by every change from any process. */
  /** Asked before every inventory read (another process may have written): prepared once. */
  private versionQuery: Database.Statement | undefined;

  version(): number {
    try {
      this.versionQuery ??= this.db.prepare("SELECT value FROM counters WHERE name = 'inventory'");
      return (this.versionQuery.get() as { value: number }).value;
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  all(): { nodes: FleetNode[]; version: number } {
    try {
      return this.db.transaction(() => ({
        nodes: (this.db.prepare('SELECT body FROM nodes').all() as { body: string }[]).map((r) => FleetNode.parse(JSON.parse(r.body))),
        version: this.version(),
      }))();
    } catch (err) {
      throw storeError(this.file, err);
    }
  }

  /** One change, whole or not at all; asks for the Intent of the audited action it belongs to. */
  write(_intent: Intent, put: FleetNode[], remove: string[] = []): number {
    return this.tx(() => {
      const upsert = this.db.prepare('INSERT OR REPLACE INTO nodes (name, body) VALUES (?, ?)');
      const del = this.db.prepare('DELETE FROM nodes WHERE name = ?');
      for (const n of put) upsert.run(n.name, JSON.stringify(n));
      for (const name of remove) del.run(name);
      this.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'inventory'").run();
      return this.version();
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
