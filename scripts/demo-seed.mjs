// The demo's fleet in the console: every node the bed started is added to the demo's data directory
// and its host key pinned. The demo made those keys itself, so it can vouch for them; a real fleet's
// keys are confirmed by a person (edgeward trust).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function fingerprintOf(pubFile) {
  const blob = Buffer.from(fs.readFileSync(pubFile, 'utf8').split(' ')[1], 'base64');
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Adds and trusts the bed's nodes in `dataDir` with the built CLI; returns their names. */
export function seedDemoFleet(state, dataDir, cli = path.join(root, 'dist', 'electron', 'cli.mjs')) {
  const run = (...args) => {
    const r = spawnSync(process.execPath, [cli, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`edgeward ${args.join(' ')} failed: ${r.stderr.trim()}`);
  };
  const names = [];
  for (const node of state.nodes.filter((n) => !n.behind)) {
    run(
      'nodes',
      'add',
      node.name,
      '--host',
      node.address,
      '--user',
      'root',
      '--key',
      state.privateKey,
      '--site',
      'demo',
      '--dept',
      'radiology',
      '--tag',
      'demo',
    );
    run('trust', node.name, '--fingerprint', fingerprintOf(path.join(node.dir, 'ssh_host_ed25519_key.pub')));
    names.push(node.name);
  }
  return names;
}
