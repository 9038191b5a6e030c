import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The node-side scripts live in agents/ (source tree) or dist/agents/ (the bundle). They are read
 * once, streamed to `sh -s` on the node behind the shared prelude (agents/lib/*.sh, helpers every
 * agent uses), and the SHA-256 of exactly what is streamed goes into the audit log.
 */
declare const __EDGEWARD_BUNDLED__: boolean | undefined;

/**
 * Where the agents are: beside the bundle (dist/agents, inside app.asar when packaged, where asar
 * integrity covers them), or the source tree under tsx and the tests. Exactly one place each way:
 * a folder outside the archive (resources/agents) must never be able to replace what runs as root
 * on every node.
 */
export function agentsDir(here = import.meta.dirname, bundled = typeof __EDGEWARD_BUNDLED__ === 'boolean' && __EDGEWARD_BUNDLED__): string {
  return bundled ? path.resolve(here, '..', 'agents') : path.resolve(here, '..', '..', '..', 'agents');
}

export function loadAgent(name: string): { text: string; sha256: string } {
  const dir = agentsDir();
  if (!fs.existsSync(path.join(dir, name))) throw new Error(`agent script ${name} not found in ${dir}; reinstall Edgeward`);
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
