import type { ClientChannel } from 'ssh2';
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
  /**
   * Sent to the command's stdin, then closed (agents are streamed this way: `sh -s`). A stream of
   * buffers is written as the channel takes it (backpressure), for transfers larger than memory.
   */
  stdin?: string | Buffer | AsyncIterable<Buffer>;
  /**
   * Make the command stoppable (default on). OpenSSH ignores the protocol's signal request and a
   * closed channel does not stop a command that never writes, so the remote shell reports its
   * process group first (a marker line on stderr, removed here) and a stop kills that group.
   */
  killable?: boolean;
}

const PID_MARKER = '\u001eEWPID ';
/** Prefix that makes the login shell (the session's process group leader, thanks to sshd's setsid) report its pid. */
/**
 * Stops a command's process group: TERM first, so its traps run (a pull's temporary login and CA
 * go with it), then KILL for whatever is still there after 2 s.
 */
export function stopGroupCommand(pid: number | string): string {
  const p = String(pid).replace(/\D/g, '');
  const gone = `! kill -0 -- -${p} 2>/dev/null`;
  return `kill -TERM -- -${p} 2>/dev/null || kill -TERM ${p} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do ${gone} && exit 0; sleep 0.2; done; kill -KILL -- -${p} 2>/dev/null || kill -KILL ${p} 2>/dev/null; true`;
}

export const killablePrefix = `printf '\\036EWPID %s\\n' "$$" >&2; `;

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
  const killable = options.killable !== false;
  return new Promise<ExecResult>((resolve, reject) => {
    conn.client.exec(killable ? killablePrefix + command : command, (error, channel) => {
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
      let remotePid: string | undefined;
      let stderrHead = killable ? '' : undefined;
      let settled = false;
      let forceTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        // The connection may already be gone (a cut link, the app shutting down): ssh2 then throws
        // "Not connected" synchronously, and with the connection the remote command is gone too.
        if (remotePid) {
          try {
            conn.client.exec(stopGroupCommand(remotePid), (e, ch) => {
              if (!e) ch.resume().on('close', () => undefined);
            });
          } catch {
            // nothing left to kill through
          }
        }
        try {
          channel.close();
        } catch {
          // already closed
        }
        // If the channel does not close (the node stopped answering), do not wait for it.
        forceTimer = setTimeout(finish, 3000);
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
      const onStderr = (chunk: Buffer) => {
        err.push(chunk);
        options.onStderr?.(chunk);
      };
      channel.stderr.on('data', (chunk: Buffer) => {
        if (stderrHead === undefined) return onStderr(chunk);
        // Until the marker line is complete, hold stderr back; then pass on what follows it.
        stderrHead += chunk.toString('latin1');
        const nl = stderrHead.indexOf('\n');
        if (nl < 0 && stderrHead.length < 64) return;
        const head = stderrHead;
        stderrHead = undefined;
        if (head.startsWith(PID_MARKER) && nl > 0) {
          const pid = head.slice(PID_MARKER.length, nl);
          if (/^\d{1,10}$/.test(pid)) remotePid = pid;
          const rest = head.slice(nl + 1);
          if (rest) onStderr(Buffer.from(rest, 'latin1'));
        } else onStderr(Buffer.from(head, 'latin1'));
      });
      channel.on('exit', (code: number | null, signalName?: string) => {
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = signalName ?? null;
      });
      const finish = () => {
        if (settled) return;
        settled = true;
        if (forceTimer) clearTimeout(forceTimer);
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
      };
      channel.on('close', finish);
      if (typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)) channel.end(options.stdin);
      else if (options.stdin) void feed(channel, options.stdin);
    });
  });
}

/** Writes a stream to the channel's stdin as fast as the channel takes it; stops when the channel closes. */
async function feed(channel: ClientChannel, source: AsyncIterable<Buffer>): Promise<void> {
  let closed = false;
  channel.once('close', () => (closed = true));
  try {
    for await (const chunk of source) {
      if (closed) return;
      if (!channel.write(chunk))
        await new Promise<void>((resolve) => {
          const done = () => (channel.off('drain', done), channel.off('close', done), resolve());
          channel.on('drain', done);
          channel.on('close', done);
        });
    }
    if (!closed) channel.end();
  } catch {
    if (!closed) channel.close();
  }
}
