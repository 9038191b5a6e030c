import { AppErrorException } from '../../../shared/errors.js';
import { sshErrors } from './errors.js';
import type { SshPool } from './pool.js';

export interface ExecOptions {
  timeoutMs?: number;
  /** Bytes kept per stream; the rest is read and counted but not kept (a 50 MB line cannot fill memory). */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Sent to the command's stdin, then closed (agents are streamed this way: `sh -s`). */
  stdin?: string | Buffer;
}

export interface ExecResult {
  node: string;
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Bytes received beyond maxOutputBytes, per stream. */
  droppedBytes: { stdout: number; stderr: number };
  durationMs: number;
  fingerprint: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the connection died before the command finished. */
  lostConnection?: string;
}

class Capped {
  private readonly parts: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.parts.push(part);
    this.kept += part.length;
    this.dropped += chunk.length - part.length;
  }
  value(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/**
 * Runs one command on one node over the pooled connection. Connection failures throw (typed);
 * everything after the channel opened comes back as a result, including timeouts, cancellation and a
 * connection lost mid-command.
 */
export async function execOnNode(pool: SshPool, name: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  if (options.signal?.aborted) throw new AppErrorException(sshErrors.cancelled(name));
  const t0 = performance.now();
  const conn = await pool.connect(name);
  const max = options.maxOutputBytes ?? 1024 * 1024;
  const out = new Capped(max);
  const err = new Capped(max);
  return new Promise<ExecResult>((resolve, reject) => {
    conn.client.exec(command, (error, channel) => {
      if (error) {
        // The connection is there but refuses a channel (e.g. it is closing): treat as unreachable.
        void pool.disconnect(name);
        reject(new AppErrorException(sshErrors.unreachable(name, `could not start the command: ${error.message}`)));
        return;
      }
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      let timedOut = false;
      let cancelled = false;
      let lost: string | undefined;
      const stop = () => {
        try {
          channel.signal('KILL');
        } catch {
          /* channel already gone */
        }
        channel.close();
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs)
        : undefined;
      const onAbort = () => {
        cancelled = true;
        stop();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const onConnError = (e: Error) => (lost = e.message);
      conn.client.once('error', onConnError);
      channel.on('data', (chunk: Buffer) => {
        out.push(chunk);
        options.onStdout?.(chunk);
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        err.push(chunk);
        options.onStderr?.(chunk);
      });
      channel.on('exit', (code: number | null, signalName?: string) => {
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = signalName ?? null;
      });
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        conn.client.removeListener('error', onConnError);
        if (exitCode === null && exitSignal === null && !timedOut && !cancelled && !lost)
          lost = 'the connection closed before the command finished';
        resolve({
          node: name,
          exitCode,
          signal: exitSignal,
          stdout: out.value(),
          stderr: err.value(),
          droppedBytes: { stdout: out.dropped, stderr: err.dropped },
          durationMs: Math.round(performance.now() - t0),
          fingerprint: conn.fingerprint,
          timedOut,
          cancelled,
          ...(lost ? { lostConnection: lost } : {}),
        });
      });
      if (options.stdin !== undefined) channel.end(options.stdin);
    });
  });
}
