import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { CliIo } from '../../../electron/cli/fleet-commands.js';
import { passwordKey } from '../../../electron/services/ssh/secrets.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const quiet: CliOutput = { json: true, print: () => undefined, error: () => undefined };

describe('a password given to the CLI on standard input', () => {
  const tmp = makeTempDir('edgeward-cli-secret-');
  afterAll(() => tmp.cleanup());

  it('is set through the router for this run only: audited as which secret, never its value', async () => {
    const secret = `pw-${Date.now()}-Zebra`;
    const io: CliIo = { readStdin: async () => secret, isTty: false, ask: async () => '' };
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      expect(await runCommand(b, ['nodes', 'add', 'rad-12'], quiet, { host: '10.0.0.12', 'password-stdin': true }, io)).toBe(0);
      expect(b.secrets.get(passwordKey('rad-12'))).toBe(secret);
      const [rec] = b.audit.index.query({ action: 'secret.set' }, 0, 1).records;
      expect(rec).toMatchObject({ outcome: 'ok', target: { node: 'rad-12' }, params: { entry: 'password', persist: false } });
    } finally {
      await b.close();
    }
    for (const f of fs.readdirSync(path.join(tmp.dir, 'audit')).filter((x) => x.endsWith('.jsonl')))
      expect(fs.readFileSync(path.join(tmp.dir, 'audit', f), 'utf8')).not.toContain(secret);
  });
});
