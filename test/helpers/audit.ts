import fs from 'node:fs';
import path from 'node:path';
import { AuditLog, type AuditLogOptions } from '../../electron/services/audit/audit-log.js';
import { listLogFiles } from '../../electron/services/audit/files.js';

export const testActor = () => ({ osUser: 'tester', operator: 'Test Operator' });

export function openLog(dir: string, options: Partial<AuditLogOptions> = {}): Promise<AuditLog> {
  return AuditLog.open(dir, { actor: testActor, ...options });
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
