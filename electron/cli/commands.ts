import type { Router } from '../ipc/router.js';
import type { AppError, Result } from '../../shared/errors.js';
import { formatTable } from './table.js';

export interface CliOutput {
  json: boolean;
  print(text: string): void;
  error(text: string): void;
}

export function usage(): string {
  return `Usage: edgeward [--data-dir DIR] [--json] COMMAND

Commands:
  info                        version, platform and data directory
  settings get                current settings
  settings set KEY VALUE      change one setting (operatorName, theme)

Global options:
  --data-dir DIR   where Edgeward keeps its data (default: EDGEWARD_DATA_DIR or the per-user folder)
  --json           machine-readable output
Exit status: 0 ok, 1 operation failed, 2 usage or validation error.
`;
}

/** Validation errors are the caller's to fix (2); anything else means the operation failed (1). */
function report(result: Result<unknown>, out: CliOutput): number {
  if (result.ok) return 0;
  const e: AppError = result.error;
  if (out.json) out.print(JSON.stringify({ error: e }));
  else {
    out.error(`edgeward: ${e.message}`);
    for (const d of e.details ?? []) out.error(`  ${d.path}: ${d.message}`);
    out.error(`  → ${e.action}`);
  }
  return e.code === 'VALIDATION' ? 2 : 1;
}

function show(value: Record<string, unknown>, out: CliOutput): void {
  if (out.json) out.print(JSON.stringify(value));
  else
    out.print(
      formatTable(
        ['KEY', 'VALUE'],
        Object.entries(value).map(([k, v]) => [k, String(v)]),
      ),
    );
}

export async function runCommand(router: Router, args: string[], out: CliOutput): Promise<number> {
  const ctx = { transport: 'cli' as const, clientId: 'cli' };
  const [command, sub, ...rest] = args;
  if (command === 'info' && sub === undefined) {
    const result = await router.invoke('app.info', {}, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }
  if (command === 'settings' && sub === 'get' && rest.length === 0) {
    const result = await router.invoke('settings.get', {}, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }
  if (command === 'settings' && sub === 'set' && rest.length === 2) {
    const [key, value] = rest as [string, string];
    const result = await router.invoke('settings.set', { [key]: value }, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }
  out.error(`edgeward: unknown command: ${args.join(' ')}\n\n${usage()}`);
  return 2;
}
