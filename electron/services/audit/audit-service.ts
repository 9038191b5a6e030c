import fs from 'node:fs';
import path from 'node:path';
import type { AuditFilter } from '../../../shared/audit.js';
import { AuditIndex } from './audit-index.js';
import { AuditLog, osUser, type Head } from './audit-log.js';
import { exportAudit, type ExportFormat } from './export.js';
import type { Anchor } from './verify.js';
import { verifyLogParallel } from './verify-parallel.js';

/** The audit log, its index for viewing and exporting, and change notifications, for one data dir. */
export class AuditService {
  private constructor(
    readonly log: AuditLog,
    readonly index: AuditIndex,
    private readonly dataDir: string,
  ) {}

  static async open(dataDir: string, operator: () => string, options: { maxFileBytes?: number } = {}): Promise<AuditService> {
    const dir = path.join(dataDir, 'audit');
    const log = await AuditLog.open(dir, { actor: () => ({ osUser: osUser(), operator: operator() }), ...options });
    return new AuditService(log, new AuditIndex(dir), dataDir);
  }

  /** The whole chain, hashed on worker threads (a break is still found and explained by the serial verifier). */
  async verify(anchor?: Anchor) {
    return (await verifyLogParallel(this.log.dir, anchor)).result;
  }

  head(): Head {
    return this.log.head();
  }

  /** Exports are themselves audited: who took a copy of the record, of what, and its checksum. */
  export(format: ExportFormat, filter: AuditFilter, file?: string) {
    const target = file ?? path.join(this.dataDir, 'exports', `audit-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`);
    return this.log.perform(
      { action: 'audit.export', params: { format, filter } },
      () => exportAudit(this.index, filter, format, path.resolve(target)),
      (r) => ({ outcome: 'ok', params: { count: r.count, file: r.file, sha256: r.sha256 } }),
    );
  }

  /**
   * Fires when records are appended, by this process or any other writer of the same directory
   * (the CLI), so the Audit view can refresh live.
   */
  watch(listener: (head: Head) => void): () => void {
    const offAppend = this.log.onAppend((records) => {
      const last = records[records.length - 1];
      if (last) listener({ seq: last.seq, hash: last.hash });
    });
    // Other writers (the CLI) show up as file changes; debounce them, appends come in bursts.
    let timer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(this.log.dir, { persistent: false }, () => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          this.index.refresh();
          const head = this.index.head();
          if (head) listener(head);
        }, 200);
      });
    } catch {
      /* directory watching unavailable: this process's own appends still notify */
    }
    return () => {
      offAppend();
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
