import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${status ?? 'signal'}): ${stderr.trim().slice(0, 500)}`);
  }
}

/** Runs a command without a shell (arguments are never re-parsed) and returns stdout. */
export function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions & { allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.allowFail) throw new CommandError(`${cmd} ${args.join(' ')}`, r.status, String(r.stderr ?? ''));
  return String(r.stdout ?? '');
}

export function tryRun(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { ok: r.status === 0 && !r.error, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? r.error?.message ?? '') };
}

export function which(cmd: string): boolean {
  return tryRun('sh', ['-c', 'command -v "$1"', 'sh', cmd]).ok;
}
