import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The node-side scripts live in agents/ (source tree) or dist/agents/ (built app). They are read
 * once, streamed to `sh -s` on the node behind the shared prelude (agents/lib/*.sh, helpers every
 * agent uses), and the SHA-256 of exactly what is streamed goes into the audit log.
 */
export function loadAgent(name: string): { text: string; sha256: string } {
  const here = import.meta.dirname;
  const candidates = [path.resolve(here, '..', '..', '..', 'agents'), path.resolve(here, '..', 'agents')];
  const dir = candidates.find((d) => fs.existsSync(path.join(d, name)));
  if (!dir) throw new Error(`agent script ${name} not found (looked in ${candidates.join(', ')})`);
  const lib = path.join(dir, 'lib');
  const prelude = fs.existsSync(lib)
    ? fs
        .readdirSync(lib)
        .filter((f) => f.endsWith('.sh'))
        .sort()
        .map((f) => fs.readFileSync(path.join(lib, f), 'utf8'))
        .join('')
    : '';
  // The agent's own `#!/bin/sh` line stays in place: after the prelude it is only a comment.
  const text = prelude + fs.readFileSync(path.join(dir, name), 'utf8');
  return { text, sha256: `sha256:${crypto.createHash('sha256').update(text).digest('hex')}` };
}
