import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { runCommand, type CliOutput } from '../../../electron/cli/commands.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const capture = (json = false) => {
  const lines: string[] = [];
  const errors: string[] = [];
  const io: CliOutput = { json, print: (l) => lines.push(l), error: (l) => errors.push(l) };
  return { io, lines, errors };
};

describe('edgeward services and sites windows', () => {
  it('applies a service in one process and shows it, drained member and all, in another', async () => {
    const tmp = makeTempDir('edgeward-services-');
    try {
      const file = path.join(tmp.dir, 'cds.yaml');
      const cli = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
      // Port 1 on loopback refuses at once: the members are unreachable, quickly.
      await cli.inventory.add({ name: 'cds-01', host: '127.0.0.1', port: 1, site: 'icu' });
      await cli.inventory.add({ name: 'cds-02', host: '127.0.0.1', port: 1, site: 'icu' });
      await cli.inventory.drain('cds-02', 'PSU swap');
      fs.writeFileSync(file, 'name: sepsis-cds\ndeployment: sepsis\nmembers: [cds-01, cds-02]\nredundancy:\n  minHealthy: 3\n');
      const bad = capture();
      expect(await runCommand(cli, ['services', 'apply', file], bad.io)).toBe(2);
      expect(bad.errors).toEqual([
        `${file}:5:15: redundancy.minHealthy: minHealthy 3 leaves none of the service's 2 member(s) free to be changed`,
      ]);
      fs.writeFileSync(
        file,
        'name: sepsis-cds\ndeployment: sepsis\nmembers: [cds-01, cds-02]\nready: { port: 18000 }\nredundancy:\n  minHealthy: 1\n',
      );
      const ok = capture();
      expect(await runCommand(cli, ['services', 'apply', file], ok.io)).toBe(0);
      expect(ok.lines).toEqual(['sepsis-cds: applied (deployment sepsis, members cds-01, cds-02)']);
      await cli.close();

      const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
      try {
        const shown = capture();
        // No member serves: the service is down, and says why for each.
        expect(await runCommand(app, ['services', 'show', 'sepsis-cds'], shown.io)).toBe(1);
        expect(shown.lines[0]).toMatch(/^sepsis-cds: DOWN — no member is ready; 0 of 2 ready, minimum 1$/);
        expect(shown.lines.join('\n')).toMatch(/cds-02\s+no\s+drained \(PSU swap\)/);
        expect(shown.lines.join('\n')).toMatch(/cds-01\s+no\s+unreachable: /);
        expect(shown.lines.join('\n')).toMatch(/service.apply ok by /);

        const win = capture();
        expect(await runCommand(app, ['sites', 'windows', 'icu'], win.io, { tz: 'Europe/Berlin', window: ['tue,thu 02:00-04:00'] })).toBe(
          0,
        );
        const list = capture();
        expect(await runCommand(app, ['sites', 'windows'], list.io)).toBe(0);
        expect(list.lines).toEqual(['icu (Europe/Berlin): tue,thu 02:00-04:00']);
        const wrong = capture();
        expect(await runCommand(app, ['sites', 'windows', 'icu'], wrong.io, { tz: 'Europe/Berlin', window: ['tuesday 02:00-04:00'] })).toBe(
          2,
        );
        expect(wrong.errors[0]).toMatch(/days are sun, mon, tue, wed, thu, fri, sat/);
        expect(app.audit.index.query({ action: 'site.windows' }, 0, 5).records.map((r) => r.outcome)).toEqual(['ok', 'intent']);

        const rm = capture();
        expect(await runCommand(app, ['services', 'rm', 'sepsis-cds'], rm.io)).toBe(0);
        const none = capture();
        expect(await runCommand(app, ['services', 'ls'], none.io)).toBe(0);
        expect(none.lines).toEqual(['No services. Define one in YAML and run: edgeward services apply FILE']);
      } finally {
        await app.close();
      }
    } finally {
      tmp.cleanup();
    }
  }, 30_000);
});
