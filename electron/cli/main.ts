import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../app/backend.js';
import { defaultDataDir } from '../services/data-dir.js';
import { runCommand, usage, type CliOutput } from './commands.js';

/**
 * `edgeward`: the command line on the same services and the same contract as the window.
 * Exit status: 0 ok, 1 the operation failed, 2 usage or validation error.
 */
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        // audit
        anchor: { type: 'string' },
        format: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        node: { type: 'string' },
        actor: { type: 'string' },
        action: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    });
  } catch (err) {
    process.stderr.write(`edgeward: ${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const backend = await createBackend({ dataDir, transport: 'cli' });
  const out: CliOutput = {
    json: values.json,
    print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
  try {
    return await runCommand(backend, positionals, out, values);
  } finally {
    await backend.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`edgeward: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
