import { setMaxListeners } from 'node:events';
import crypto from 'node:crypto';
import {
  NodeRunOutcome,
  PALETTE,
  type FleetRunFrame,
  type FleetRunRequest,
  type FleetRunSummary,
  type NodeRunResult,
} from '../../../shared/fleet-commands.js';
import { selectNodes } from '../../../shared/fleet.js';
import { AppErrorException, appError, type AppError } from '../../../shared/errors.js';
import { sanitizeBytes, sanitizeText } from '../../../shared/sanitize.js';
import type { AuditLog } from '../audit/audit-log.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import type { Inventory } from './inventory.js';
import type { OpenIntent } from '../audit/audit-log.js';

const OUTCOME_OF_CODE: Partial<Record<string, NodeRunOutcome>> = {
  UNREACHABLE: 'unreachable',
  AUTH_FAILED: 'auth-failed',
  HOSTKEY_UNKNOWN: 'hostkey',
  HOSTKEY_CHANGED: 'hostkey',
  DISABLED: 'disabled',
  NOT_FOUND: 'not-found',
  CANCELLED: 'cancelled',
};
/** Output kept for replay to late subscribers, per node. */
const REPLAY_CHARS = 64 * 1024;

interface Run {
  summary?: FleetRunSummary;
  frames: FleetRunFrame[];
  replayChars: Map<string, number>;
  listeners: Set<(f: FleetRunFrame) => void>;
  abort: AbortController;
}

export function resolveCommand(req: FleetRunRequest): string {
  if (req.palette) return PALETTE.find((p) => p.id === req.palette)!.command;
  if (!req.command)
    throw new AppErrorException(
      appError('VALIDATION', 'Give a command or pick a check from the palette', 'Choose a read-only check, or type a command.'),
    );
  if (!req.confirmed) {
    throw new AppErrorException(
      appError(
        'VALIDATION',
        'A free command needs confirming before it runs on the fleet',
        'Review the command and the selected nodes, then confirm.',
      ),
    );
  }
  return req.command;
}

/**
 * The selection as each node's record keeps it. A list of names is kept as its length: every
 * node's record has the run's id, so the run's records are the list (a 1,000-name list in each of
 * 2,000 records was most of a run's audit cost, and the log cut such lists at 200 names anyway).
 */
function recordedSelection(selection: FleetRunRequest['selection']): Record<string, unknown> {
  return selection.kind === 'nodes' ? { kind: 'nodes', count: selection.nodes.length } : selection;
}

/**
 * Runs one command on a selection of nodes with bounded concurrency, streams each node's output,
 * records every node's run in the audit log before reporting it, and can be cancelled.
 */
export class FleetRunner {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly pool: SshPool,
    private readonly inventory: Inventory,
    private readonly audit: AuditLog,
  ) {}

  /** Starts a run in the background; follow it with `follow(runId)`. */
  async start(req: FleetRunRequest): Promise<{ runId: string; nodes: string[] }> {
    const command = resolveCommand(req);
    const nodes = selectNodes(this.inventory.list(), req.selection).map((n) => n.name);
    if (req.selection.kind === 'nodes') for (const n of req.selection.nodes) if (!this.inventory.get(n)) nodes.push(n);
    if (nodes.length === 0)
      throw new AppErrorException(appError('VALIDATION', 'The selection matches no enabled node', 'Widen the selection, or enable nodes.'));
    await this.audit.ensureWritable();
    const runId = crypto.randomUUID();
    const run: Run = { frames: [], replayChars: new Map(), listeners: new Set(), abort: new AbortController() };
    // One cancel signal for every node of the run: hundreds of listeners are expected, not a leak.
    setMaxListeners(0, run.abort.signal);
    this.runs.set(runId, run);
    void this.execute(runId, run, command, nodes, req);
    return { runId, nodes };
  }

  cancel(runId: string): boolean {
    const run = this.runs.get(runId);
    if (!run || run.summary) return false;
    run.abort.abort();
    return true;
  }

  /** Replays what happened so far, then streams the rest. */
  follow(runId: string, listener: (f: FleetRunFrame) => void): () => void {
    const run = this.runs.get(runId);
    if (!run) throw new AppErrorException(appError('NOT_FOUND', `No fleet run ${runId}`, 'Start the command again.'));
    for (const f of run.frames) listener(f);
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  /** Runs to the end and returns the summary (the CLI's way). */
  async run(req: FleetRunRequest, onFrame?: (f: FleetRunFrame) => void, signal?: AbortSignal): Promise<FleetRunSummary> {
    const { runId } = await this.start(req);
    signal?.addEventListener('abort', () => this.cancel(runId), { once: true });
    return new Promise((resolve) => {
      this.follow(runId, (f) => {
        onFrame?.(f);
        if ('summary' in f) resolve(f.summary);
      });
    });
  }

  private emit(run: Run, frame: FleetRunFrame): void {
    if ('text' in frame) {
      const used = run.replayChars.get(frame.node) ?? 0;
      if (used < REPLAY_CHARS) {
        run.frames.push(frame);
        run.replayChars.set(frame.node, used + frame.text.length);
      }
    } else run.frames.push(frame);
    for (const l of run.listeners) l(frame);
  }

  private async execute(runId: string, run: Run, command: string, nodes: string[], req: FleetRunRequest): Promise<void> {
    const t0 = performance.now();
    const results: NodeRunResult[] = [];
    let next = 0;
    let unrecordable = false;
    const worker = async () => {
      while (next < nodes.length) {
        const name = nodes[next++]!;
        const node = this.inventory.get(name);
        const why = (err: unknown) => (err instanceof AppErrorException ? err.appError.message : (err as Error).message);
        const advice = 'Make the audit log writable again (free space, permissions), then check this node by hand.';
        // The intent is recorded before the command starts on the node, the outcome before the node
        // is reported done. A run that cannot be recorded stops: no further node starts.
        let open: OpenIntent | undefined;
        try {
          if (unrecordable) throw new Error('an earlier record failed');
          open = await this.audit.begin({
            action: 'fleet.exec',
            target: { site: node?.site, node: name },
            params: {
              command,
              run: runId,
              selection: recordedSelection(req.selection),
              concurrency: req.concurrency,
              timeoutS: req.timeoutS,
            },
          });
        } catch (err) {
          unrecordable = true;
          run.abort.abort();
          const result: NodeRunResult = {
            node: name,
            outcome: 'cancelled',
            exitCode: null,
            stdout: '',
            stderr: '',
            droppedBytes: 0,
            durationMs: 0,
            message: `not started: the audit log cannot be written (${why(err)})`,
            action: advice,
          };
          results.push(result);
          this.emit(run, { runId, node: name, done: result });
          continue;
        }
        let result = await this.runOne(run, runId, name, command, req);
        try {
          await open.finish({
            outcome: result.outcome === 'ok' ? 'ok' : 'failed',
            error: result.outcome === 'ok' ? undefined : (result.message ?? `exit status ${result.exitCode}`),
            hostKey: result.fingerprint,
          });
        } catch (err) {
          unrecordable = true;
          run.abort.abort();
          result = {
            ...result,
            message: `ran (${result.outcome}), but the audit log could not record it: ${why(err)}. No further node was started.`,
            action: advice,
          };
        }
        results.push(result);
        this.emit(run, { runId, node: name, done: result });
      }
    };
    await Promise.all(Array.from({ length: Math.min(req.concurrency, nodes.length) }, worker));
    const counts = Object.fromEntries(NodeRunOutcome.options.map((k) => [k, 0])) as Record<NodeRunOutcome, number>;
    for (const r of results) counts[r.outcome]++;
    const order = new Map(nodes.map((n, i) => [n, i]));
    results.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
    const summary: FleetRunSummary = {
      runId,
      command,
      total: nodes.length,
      counts,
      durationMs: Math.round(performance.now() - t0),
      results,
    };
    run.summary = summary;
    this.emit(run, { runId, summary });
    // Keep finished runs around briefly for late viewers, then let them go.
    setTimeout(() => this.runs.delete(runId), 10 * 60_000).unref();
  }

  private async runOne(run: Run, runId: string, name: string, command: string, req: FleetRunRequest): Promise<NodeRunResult> {
    const t0 = performance.now();
    if (run.abort.signal.aborted)
      return this.failed(name, appError('CANCELLED', 'Cancelled before it started', 'Nothing ran on this node.'), t0);
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const stream = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = sanitizeText(decoders[which].decode(chunk, { stream: true }));
      if (text) this.emit(run, { runId, node: name, stream: which, text });
    };
    try {
      const r = await execOnNode(this.pool, name, command, {
        timeoutMs: req.timeoutS * 1000,
        signal: run.abort.signal,
        onStdout: stream('stdout'),
        onStderr: stream('stderr'),
      });
      const outcome: NodeRunOutcome = r.cancelled
        ? 'cancelled'
        : r.timedOut
          ? 'timeout'
          : r.lostConnection
            ? 'unreachable'
            : r.exitCode === 0
              ? 'ok'
              : 'failed';
      const message = r.cancelled
        ? 'Cancelled; the command was stopped on the node.'
        : r.timedOut
          ? `Did not finish within ${req.timeoutS} s; stopped on the node.`
          : r.lostConnection
            ? `Connection lost during the command: ${r.lostConnection}`
            : r.exitCode !== 0
              ? `Exited with status ${r.exitCode ?? r.signal}`
              : undefined;
      return {
        node: name,
        outcome,
        exitCode: r.exitCode,
        stdout: sanitizeBytes(r.stdout),
        stderr: sanitizeBytes(r.stderr),
        droppedBytes: r.droppedBytes.stdout + r.droppedBytes.stderr,
        durationMs: r.durationMs,
        fingerprint: r.fingerprint,
        ...(message ? { message } : {}),
      };
    } catch (err) {
      const e = err instanceof AppErrorException ? err.appError : appError('INTERNAL', String(err), 'Report this.');
      return this.failed(name, e, t0);
    }
  }

  private failed(node: string, e: AppError, t0: number): NodeRunResult {
    return {
      node,
      outcome: OUTCOME_OF_CODE[e.code] ?? 'failed',
      exitCode: null,
      stdout: '',
      stderr: '',
      droppedBytes: 0,
      durationMs: Math.round(performance.now() - t0),
      message: e.message,
      action: e.action,
      ...(this.pool.statusOf(node)?.fingerprint ? { fingerprint: this.pool.statusOf(node)!.fingerprint } : {}),
    };
  }
}
