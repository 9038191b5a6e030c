import os from 'node:os';
import path from 'node:path';

/** `~` and `~/…` as the user's home, the way ssh and a shell read them; other paths unchanged. */
export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  return p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}
