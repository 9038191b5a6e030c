import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from './app/backend.js';
import { DocumentShelf } from './ipc/document-shelf.js';
import { startLoopbackServer } from './ipc/loopback-server.js';
import { defaultDataDir } from './services/data-dir.js';

/**
 * `npm run serve`: the Edgeward UI in a local browser through the loopback bridge, for machines
 * without a desktop session. Prints the URL (with its one-time token) and serves until Ctrl+C.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'static-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`edgeward serve: --port must be 0..65535, got ${values.port}`);
    process.exit(2);
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const staticDir = path.resolve(values['static-dir'] ?? path.join(here, '..', 'renderer'));
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // Watching the whole fleet is what the app does; EDGEWARD_WATCH_FLEET=0 turns it off (tests with
  // hundreds of made-up nodes).
  // The page loads while the back end opens (its scripts take as long as the data): the server starts
  // first and holds bridge messages until the router is there.
  const documents = new DocumentShelf();
  const opening = createBackend({ dataDir, transport: 'loopback', watchFleet: process.env.EDGEWARD_WATCH_FLEET !== '0', documents });
  opening.catch(() => undefined); // awaited below; a failed server start must not leave it unhandled
  const server = await startLoopbackServer({ router: opening.then((b) => b.router), staticDir, port, documents });
  if (values.json) console.log(JSON.stringify({ url: server.url, port: server.port, dataDir }));
  else {
    console.log(`Edgeward is serving its UI on the loopback bridge.`);
    console.log(`  Open:      ${server.url}`);
    console.log(`  Data dir:  ${dataDir}`);
    console.log(`The token in the URL is new each start; only this machine can connect. Ctrl+C stops.`);
  }
  let backend: Awaited<typeof opening>;
  try {
    backend = await opening;
  } catch (err) {
    await server.close();
    throw err;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Whatever happens below, the process is gone within 5 s of the signal.
    setTimeout(() => {
      console.error('edgeward serve: shutdown took longer than 5 s; exiting anyway');
      process.exit(1);
    }, 5000).unref();
    await server.close();
    await backend.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`edgeward serve: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
