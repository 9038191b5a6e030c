import fs from 'node:fs';
import path from 'node:path';
import { AuditLog, type AuditLogOptions } from '../../electron/services/audit/audit-log.js';
import { listLogFiles } from '../../electron/services/audit/files.js';

export const testActor = () => ({ osUser: 'tester', operator: 'Test Operator' });

const open = new Set<AuditLog>();

/** Opens a log for a test; every log a test leaves open is closed after it (see closeOpenLogs). */
export async function openLog(dir: string, options: Partial<AuditLogOptions> = {}): Promise<AuditLog> {
  const log = await AuditLog.open(dir, { actor: testActor, ...options });
  open.add(log);
  return log;
}

/** Closes every log the tests opened: a file handle left to the garbage collector is a leak (DEP0137). */
export async function closeOpenLogs(): Promise<void> {
  for (const log of open) await log.close().catch(() => undefined);
  open.clear();
}

/** File descriptors of this process that point into `dir` (Linux /proc). */
export function openFdsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Appends `n` simple records, all at once (exercises group commit). */
export async function appendMany(log: AuditLog, n: number, from = 0): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      log.append({
        action: 'settings.update',
        params: { theme: i % 2 ? 'dark' : 'light', operatorName: `op-${from + i}` },
        outcome: 'ok',
        durationMs: i,
      }),
    ),
  );
}

export function logLines(dir: string): { file: string; lines: string[] }[] {
  return listLogFiles(dir).map((f) => ({ file: f.file, lines: fs.readFileSync(f.file, 'utf8').split('\n').filter(Boolean) }));
}

export function rewriteFile(file: string, edit: (lines: string[]) => string[]): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  fs.writeFileSync(
    file,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

export function allBytes(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f, 'latin1'))
    .join('\n');
}
