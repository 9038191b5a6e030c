import type { ExecResult } from '../ssh/exec.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { pullCommand, type PullAccess, type Runtime } from '../runtime/runtime-commands.js';
import { checkNodeDigest, repoDigestsCommand } from './image-pin.js';
import { lastLine, type NodeExecOptions } from './node-exec.js';

type Exec = (node: string, command: string, opts?: NodeExecOptions) => Promise<ExecResult>;

/**
 * A node's pull of the pinned image, unless it holds it already: progress from the runtime's own
 * lines (layers seen and done), the registry's CA and login when it needs them (the login on
 * stdin), cancelled with the rollout's signal; then the node must hold exactly the pinned digest.
 */
export async function pullPinned(
  exec: Exec,
  node: string,
  rt: Runtime,
  image: string,
  reach: { access: PullAccess; stdin?: string },
  signal: AbortSignal,
  progress: (line: string, fraction: number | null) => void,
): Promise<void> {
  const have = await exec(node, `${rt} image inspect ${shellQuote(image)} >/dev/null 2>&1 && echo yes || echo no`, { signal });
  if (have.stdout.toString().trim() !== 'yes') {
    let layers = 0;
    let done = 0;
    const pulled = await exec(node, `${pullCommand(rt, image, reach.access)} 2>&1`, {
      signal,
      timeoutMs: 3_600_000,
      ...(reach.stdin !== undefined ? { stdin: reach.stdin } : {}),
      onLine: (l) => {
        // docker: "<layer>: Pulling fs layer" … "Pull complete"; podman: "Copying blob …" … "done".
        if (/Pulling fs layer|Copying blob/.test(l)) layers++;
        if (/Pull complete|Already exists|done$|skipped/.test(l)) done++;
        progress(l, layers ? Math.min(1, done / layers) : null);
      },
    });
    if (pulled.exitCode !== 0) throw new Error(`pull failed: ${lastLine(pulled)}`);
  }
  if (image.includes('@')) {
    const held = await exec(node, repoDigestsCommand(rt, image), { signal, timeoutMs: 30_000 });
    checkNodeDigest(node, image, held.stdout.toString('utf8'));
  }
}
