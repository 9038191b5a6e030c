import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../app/backend.js';
import { runCollector } from './collector.js';
import { defaultDataDir } from '../services/data-dir.js';
import { runCommand, usage, type CliOutput } from './commands.js';
import { terminalPrompt } from './terminal-prompt.js';
import { terminalOutput } from './output.js';

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
      tokens: true,
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
        // fleet
        host: { type: 'string' },
        port: { type: 'string' },
        user: { type: 'string' },
        key: { type: 'string' },
        agent: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        'passphrase-stdin': { type: 'boolean' },
        via: { type: 'string' },
        site: { type: 'string' },
        dept: { type: 'string' },
        tag: { type: 'string', multiple: true },
        role: { type: 'string' },
        reason: { type: 'string' },
        fingerprint: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        all: { type: 'boolean' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        count: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
        profile: { type: 'string' },
        report: { type: 'string' },
        signer: { type: 'string' },
        // alerts
        limit: { type: 'string' },
        note: { type: 'string' },
        for: { type: 'string' },
        'alertmanager-silence': { type: 'string' },
        rule: { type: 'string' },
        emergency: { type: 'string' },
        listen: { type: 'string' },
        checkpoints: { type: 'string' },
        ca: { type: 'string' },
        insecure: { type: 'boolean' },
        'outside-window': { type: 'string' },
        'checkpoint-key': { type: 'string' },
        name: { type: 'string' },
        tz: { type: 'string' },
        window: { type: 'string', multiple: true },
        clear: { type: 'boolean' },
        member: { type: 'string' },
        seconds: { type: 'string' },
        endpoint: { type: 'string' },
        fhir: { type: 'string' },
        dicomweb: { type: 'string' },
        'client-id': { type: 'string' },
        scope: { type: 'string' },
        'key-stdin': { type: 'boolean' },
        shard: { type: 'string' },
      },
    });
  } catch (err) {
    process.stderr.write(`edgeward: ${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { values, tokens } = parsed;
  // Everything after `--` is the remote command, never an option of ours.
  const terminator = tokens.find((t) => t.kind === 'option-terminator')?.index ?? Infinity;
  const positionals = tokens.filter((t) => t.kind === 'positional' && t.index < terminator).map((t) => (t as { value: string }).value);
  const commandArgs = tokens.filter((t) => t.kind === 'positional' && t.index > terminator).map((t) => (t as { value: string }).value);
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // The collector is the one long-running command: a backend of its own, not the CLI's one-shot one.
  if (positionals[0] === 'collector' && positionals.length === 1)
    return runCollector(
      dataDir,
      values.listen ?? '127.0.0.1:9464',
      (l) => process.stdout.write(`${l}\n`),
      values['checkpoint-key'] ?? process.env.EDGEWARD_CHECKPOINT_KEY,
    );
  // Keyboard-interactive questions are asked on the terminal (never echoed for secret prompts).
  const backend = await createBackend({ dataDir, transport: 'cli', prompt: process.stdin.isTTY ? terminalPrompt : undefined });
  const out: CliOutput = terminalOutput(
    values.json,
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
  try {
    return await runCommand(backend, positionals, out, { ...values, commandArgs });
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
