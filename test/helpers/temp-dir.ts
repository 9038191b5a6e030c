import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory per test, removed afterwards: tests use real files, never the user's. */
export function makeTempDir(prefix = 'edgeward-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
