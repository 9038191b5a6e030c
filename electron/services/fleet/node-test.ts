import type { NodeTestResult } from '../../../shared/contract/channels.js';
import { AppErrorException } from '../../../shared/errors.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';

/** "Test connection": reach the node, log in, run `true`; on first contact return the key to confirm. */
export async function testNode(pool: SshPool, name: string): Promise<NodeTestResult> {
  const t0 = performance.now();
  try {
    const r = await execOnNode(pool, name, 'true', { timeoutMs: 20_000 });
    const ok = r.exitCode === 0;
    return {
      name,
      ok,
      status: pool.statusOf(name)?.status ?? 'connected',
      fingerprint: r.fingerprint,
      needsTrust: false,
      latencyMs: Math.round(performance.now() - t0),
      ...(ok
        ? {}
        : { message: r.lostConnection ?? `the test command exited with ${r.exitCode}`, action: 'Check the node’s shell for the user.' }),
    };
  } catch (err) {
    if (!(err instanceof AppErrorException)) throw err;
    const status = pool.statusOf(name);
    return {
      name,
      ok: false,
      status: status?.status ?? 'unreachable',
      ...(status?.fingerprint ? { fingerprint: status.fingerprint } : {}),
      needsTrust: err.appError.code === 'HOSTKEY_UNKNOWN',
      message: err.appError.message,
      action: err.appError.action,
    };
  }
}
