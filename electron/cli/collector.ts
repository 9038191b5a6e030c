import { createBackend } from '../app/backend.js';
import { startMetricsServer } from '../services/metrics/metrics-server.js';

/**
 * `edgeward collector [--listen 127.0.0.1:9464]`: the app's telemetry sessions, alerts, history and
 * service probes without a window, for a hub that watches a site or the fleet, with `/metrics` for
 * Prometheus. Runs until SIGTERM or SIGINT, then stops cleanly (sessions, history, audit closed).
 */
export async function runCollector(dataDir: string, listen: string, print: (line: string) => void): Promise<number> {
  const backend = await createBackend({ dataDir, transport: 'loopback', watchFleet: true });
  let server;
  try {
    server = await startMetricsServer(backend.telemetry, backend.inventory, listen);
  } catch (err) {
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
  await server.close();
  await backend.close();
  return 0;
}
