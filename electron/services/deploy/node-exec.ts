import { execOnNode, type ExecResult } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';

/** Runs one command on a node for the deploy features (the engine's `exec`, or a test's). */
export type NodeExec = (node: string, command: string, opts?: NodeExecOptions) => Promise<ExecResult>;

export interface NodeExecOptions {
  stdin?: string | Buffer | AsyncIterable<Buffer>;
  signal?: AbortSignal;
  timeoutMs?: number;
  onLine?: (line: string) => void;
}

/**
 * One command on a node for the deploy features: a cut link and a timeout are errors of their own
 * (not a failed health check or a failed run), and progress arrives line by line.
 */
export async function execForDeploy(pool: SshPool, node: string, command: string, opts: NodeExecOptions = {}): Promise<ExecResult> {
  let partial = '';
  const result = await execOnNode(pool, node, command, {
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs ?? 120_000,
    ...(opts.onLine
      ? {
          onStdout: (c: Buffer) => {
            partial += c.toString('utf8');
            const lines = partial.split(/\r|\n/);
            partial = lines.pop() ?? '';
            for (const l of lines) if (l.trim()) opts.onLine!(l.slice(0, 500));
          },
        }
      : {}),
  });
  if (result.lostConnection && !result.cancelled) throw new Error(`lost the connection to ${node} (${result.lostConnection})`);
  if (result.timedOut) throw new Error(`timed out on ${node} after ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`);
  return result;
}

/** The last line a failed command printed, for the node's detail. */
export function lastLine(r: ExecResult): string {
  const text = `${r.stderr.toString('utf8')}\n${r.stdout.toString('utf8')}`.trim().split('\n').filter(Boolean);
  return (text.at(-1) ?? `exit ${r.exitCode}`).slice(0, 300);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
