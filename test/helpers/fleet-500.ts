import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * 500 nodes over 5 sites and 4 departments each, imported through the CLI's CSV import. Their
 * addresses are in 198.18.200.0/24 (the test-only range, with no route here), and nothing in this
 * test connects to them.
 */
export function write500(file: string, count = 500): void {
  const rows = ['name,host,site,department,tags,role'];
  for (let i = 0; i < count; i++) {
    const site = `site-${i % 5}`;
    rows.push(
      `n${String(i).padStart(3, '0')},198.18.200.${(i % 250) + 1},${site},dept-${i % 4},${i % 10 === 0 ? 'l40s' : 'h100'},${i % 50 === 0 ? 'gateway' : 'edge'}`,
    );
  }
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
}

/** A data dir holding `count` such nodes, imported through the CLI's CSV import (dist/ must be built). */
export function importFleet(dataDir: string, count: number): void {
  const csv = path.join(dataDir, 'fleet.csv');
  write500(csv, count);
  execFileSync(process.execPath, [path.join(ROOT, 'dist/electron/cli.mjs'), '--data-dir', dataDir, 'nodes', 'import-csv', csv, '--yes'], {
    stdio: 'ignore',
  });
}
