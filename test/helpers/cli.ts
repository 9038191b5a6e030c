import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI_MAIN = path.resolve(import.meta.dirname, '..', '..', 'electron', 'cli', 'main.ts');

/** Arguments for `node` to run the edgeward CLI from source on a data directory (for spawn/spawnSync). */
export function cliArgv(dataDir: string, ...args: string[]): string[] {
  return ['--import', 'tsx', CLI_MAIN, '--data-dir', dataDir, ...args];
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI without blocking this process. A test whose own backend writes the same data
 * directory must not use spawnSync: a frozen event loop that holds the audit lock (or is first in
 * line for it) keeps the CLI waiting until it gives up.
 */
export function runCli(dataDir: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgv(dataDir, ...args), {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
