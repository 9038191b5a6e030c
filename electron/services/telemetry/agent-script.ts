import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The node-side scripts live in agents/ (source tree) or dist/agents/ (built app). They are read
 * once, streamed to `sh -s` on the node, and their SHA-256 goes into the audit log.
 */
export function loadAgent(name: string): { text: string; sha256: string } {
  const here = import.meta.dirname;
  const candidates = [path.resolve(here, '..', '..', '..', 'agents', name), path.resolve(here, '..', 'agents', name)];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`agent script ${name} not found (looked in ${candidates.join(', ')})`);
  const text = fs.readFileSync(file, 'utf8');
  return { text, sha256: `sha256:${crypto.createHash('sha256').update(text).digest('hex')}` };
}
