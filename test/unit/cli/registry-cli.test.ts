import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import type { CliIo } from '../../../electron/cli/fleet-commands.js';
import { registryHostOfSpec } from '../../../electron/cli/registry-commands.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const CA = `-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0VSVElGSUNBVEU=\n-----END CERTIFICATE-----\n`;

describe('edgeward registry', () => {
  const tmp = makeTempDir('edgeward-registry-cli-');
  afterAll(() => tmp.cleanup());

  it('sets up a registry with its CA and user, takes the password on stdin for this run, and audits neither secret nor key', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out: CliOutput = { json: false, print: (l) => lines.push(l), error: (l) => errors.push(l) };
    const password = `pw-${Date.now()}-Quokka`;
    const io: CliIo = { readStdin: async () => password, isTty: false, ask: async () => '' };
    fs.writeFileSync(path.join(tmp.dir, 'ca.pem'), CA);
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const add = { ca: path.join(tmp.dir, 'ca.pem'), user: 'radadmin', 'password-stdin': true };
      expect(await runCommand(b, ['registry', 'add', 'registry.hospital.example:5000'], out, add, io)).toBe(0);
      expect(b.settings.get().registries).toEqual([{ host: 'registry.hospital.example:5000', ca: CA, username: 'radadmin' }]);
      expect(b.deploy.registry.credentialsOf('registry.hospital.example:5000')).toEqual({ username: 'radadmin', password });
      lines.length = 0;
      expect(await runCommand(b, ['registry', 'ls'], out, {}, io)).toBe(0);
      expect(lines.join('\n')).toMatch(/registry\.hospital\.example:5000\s+own CA\s+radadmin\s+kept/);
      // A bad host is refused by the contract, with the field named.
      expect(await runCommand(b, ['registry', 'add', 'not a host'], out, {}, io)).not.toBe(0);
      expect(errors.join('\n')).toMatch(/a registry host/);
      const records = b.audit.index.query({}, 0, 50).records;
      expect(records.find((r) => r.action === 'secret.set' && r.outcome === 'ok')?.params).toEqual({
        entry: 'registry-password',
        registry: 'registry.hospital.example:5000',
        persist: false,
      });
      expect(await runCommand(b, ['registry', 'rm', 'registry.hospital.example:5000'], out, {}, io)).toBe(0);
      expect(b.settings.get().registries).toEqual([]);
    } finally {
      await b.close();
    }
    for (const f of fs.readdirSync(path.join(tmp.dir, 'audit')).filter((x) => x.endsWith('.jsonl')))
      expect(fs.readFileSync(path.join(tmp.dir, 'audit', f), 'utf8')).not.toContain(password);
  });

  it("finds the registry of a spec's image, and none for a bare or local-only name", () => {
    expect(registryHostOfSpec('name: x\nimage: 10.1.0.1:5001/edgeward/oip:1\n')).toBe('10.1.0.1:5001');
    expect(registryHostOfSpec('image: "registry.example/ai/cxr@sha256:00"')).toBe('registry.example');
    expect(registryHostOfSpec('image: nginx:1.25\n')).toBeUndefined();
    expect(registryHostOfSpec('image: library/nginx\n')).toBeUndefined();
  });
});
