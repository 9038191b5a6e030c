import { createBackend } from '../app/backend.js';
import { startMetricsServer } from '../services/metrics/metrics-server.js';
import { checkpointOrigin, checkpointsFile, readKeyFile, startCheckpointing } from '../services/audit/checkpoints.js';

/**
 * `edgeward collector [--listen 127.0.0.1:9464]`: the app's telemetry sessions, alerts, history and
 * service probes without a window, for a hub that watches a site or the fleet, with `/metrics` for
 * Prometheus. Runs until SIGTERM or SIGINT, then stops cleanly (sessions, history, audit closed).
 */
export async function runCollector(
  dataDir: string,
  listen: string,
  print: (line: string) => void,
  checkpointKey?: string,
): Promise<number> {
  // The key is read before anything starts: a bad key file stops the collector with the reason.
  const key = checkpointKey ? readKeyFile(checkpointKey) : undefined;
  const backend = await createBackend({ dataDir, transport: 'loopback', watchFleet: true });
  // With a key, the head is signed every 1,000 records or 10 minutes: an outside witness of the log.
  const stopCheckpoints = key
    ? startCheckpointing(backend.audit.log, key, checkpointOrigin(), checkpointsFile(backend.audit.log.dir), {
        onError: (e) => print(`edgeward collector: a checkpoint could not be written: ${(e as Error).message}`),
      })
    : undefined;
  let server;
  try {
    server = await startMetricsServer(backend.telemetry, backend.inventory, listen, backend.queues);
  } catch (err) {
    stopCheckpoints?.();
    await backend.close();
    print(`edgeward collector: cannot listen on ${listen}: ${(err as Error).message}`);
    return 1;
  }
  print(
    `edgeward collector: watching ${backend.inventory.list().filter((n) => n.enabled).length} node(s); metrics at http://${server.address}/metrics`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  print('edgeward collector: stopping');
  stopCheckpoints?.();
  await server.close();
  await backend.close();
  return 0;
}
