import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The DICOM audit message grammar (PS3.15 A.5.1) in RELAX NG's XML syntax. */
export const ATNA_SCHEMA = path.resolve(import.meta.dirname, '..', 'fixtures', 'atna', 'dicom-audit-message.rng');

/**
 * Each document checked against the DICOM audit message schema by libxml2's xmllint (the oracle):
 * the problems xmllint reports for each, empty when it validates.
 */
export function atnaProblems(documents: string[]): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeward-atna-'));
  try {
    const files = documents.map((d, i) => {
      const f = path.join(dir, `${i}.xml`);
      fs.writeFileSync(f, d);
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--relaxng', ATNA_SCHEMA, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`xmllint (Debian package libxml2-utils) could not run: ${r.error.message}`);
    const lines = r.stderr.split('\n');
    return files.map((f) => lines.filter((l) => l.startsWith(`${f}:`) || l === `${f} fails to validate`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
