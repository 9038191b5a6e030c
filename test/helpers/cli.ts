import path from 'node:path';

const CLI_MAIN = path.resolve(import.meta.dirname, '..', '..', 'electron', 'cli', 'main.ts');

/** Arguments for `node` to run the edgeward CLI from source on a data directory (for spawn/spawnSync). */
export function cliArgv(dataDir: string, ...args: string[]): string[] {
  return ['--import', 'tsx', CLI_MAIN, '--data-dir', dataDir, ...args];
}
