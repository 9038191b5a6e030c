import type { FleetNode } from '../../../shared/fleet.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { shellCommand } from '../ssh/shell-quote.js';

/**
 * How agent sessions reach nodes: SSH through the pool in the app; the memory benchmark plugs in a
 * synthetic fleet here to stream an hour of 100 nodes in minutes through the real service.
 */
export interface AgentTransport {
  /** Connects (or reuses the connection) and returns the pinned host key's fingerprint. */
  connect(node: string): Promise<{ fingerprint: string }>;
  run(
    node: string,
    command: string,
    options: { stdin: string; signal: AbortSignal; onStdout: (chunk: Buffer) => void },
  ): Promise<{ lostConnection?: string | undefined }>;
}

export function sshAgentTransport(pool: SshPool): AgentTransport {
  return {
    connect: (node) => pool.connect(node),
    run: (node, command, o) => execOnNode(pool, node, command, { ...o, maxOutputBytes: 0 }),
  };
}

/** Endpoint probes every 5 s by default: each starts a curl on the node (the agent's costliest step). */
export const DEFAULT_PROBE_MS = 5000;

/** The agent's command line: every word validated by the inventory schema, then quoted. */
export function agentCommand(node: Pick<FleetNode, 'endpoints' | 'probeIntervalMs'>, intervalMs: number): string {
  const probeMs = node.probeIntervalMs ?? DEFAULT_PROBE_MS;
  const words = ['sh', '-s', '--', String(Math.max(200, Math.round(intervalMs))), '/', String(probeMs)];
  for (const ep of node.endpoints) words.push(ep.name, String(ep.port), ep.model ?? '-', ep.input);
  return shellCommand(words);
}
