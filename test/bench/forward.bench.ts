import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '../../electron/app/backend.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { testRsyslog } from '../helpers/rsyslog.js';

export interface ForwardBench {
  queued: number;
  catchUpS: number;
  recordsPerS: number;
  received: number;
}

/**
 * 10,000 audit records queued while no collector is configured, then one delivery to Debian's
 * rsyslog over TLS: the time until rsyslog has them all in its file (catch-up) and the throughput.
 */
export async function benchForward(records = 10_000): Promise<ForwardBench> {
  const tmp = makeTempDir('edgeward-bench-forward-');
  const syslog = await testRsyslog(tmp.dir);
  await syslog.start();
  const backend = await createBackend({ dataDir: path.join(tmp.dir, 'data'), transport: 'cli' });
  try {
    // Appended straight to the log (no settings file behind each): the queue to forward.
    for (let i = 0; i < records; i++)
      await backend.audit.log.append({ action: 'fleet.exec', params: { command: `uptime #${i}` }, outcome: 'ok', durationMs: 1 });
    const url = `syslog+tls://localhost:${syslog.port}`;
    await backend.forwarding.add(url, { ca: syslog.ca });
    const total = backend.audit.head().seq;
    const t0 = performance.now();
    await backend.forwarding.deliver(url);
    // Delivered means the connection closed cleanly; rsyslog writes its file a moment later.
    const lines = () => (fs.existsSync(syslog.received) ? fs.readFileSync(syslog.received, 'utf8').split('\n').filter(Boolean).length : 0);
    while (lines() < total) await new Promise((r) => setTimeout(r, 20));
    const catchUpS = (performance.now() - t0) / 1000;
    return { queued: total, catchUpS, recordsPerS: total / catchUpS, received: lines() };
  } finally {
    await backend.close();
    await syslog.stop();
    tmp.cleanup();
  }
}
