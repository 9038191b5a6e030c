import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { run } from './sh.js';
import { TEST_IMAGE } from './layout.js';

const HERE = import.meta.dirname;
const FIXTURES = path.resolve(HERE, '..', 'fixtures', 'nvidia-smi');

/** The node-side programs: nvidia-smi and dmesg (simulators) and docker (podman, through sudo for non-root). */
export async function buildNodeBin(bedDir: string): Promise<void> {
  const bin = path.join(bedDir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  await build({
    entryPoints: [path.join(HERE, 'nvidia-smi', 'sim.ts')],
    outfile: path.join(bin, 'nvidia-smi'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __FIXTURES_DIR__: JSON.stringify(FIXTURES), __BED_DIR__: JSON.stringify(bedDir) },
    logLevel: 'warning',
  });
  fs.chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  await build({
    entryPoints: [path.join(HERE, 'dmesg-sim.ts')],
    outfile: path.join(bin, 'dmesg'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __BED_DIR__: JSON.stringify(bedDir) },
    logLevel: 'warning',
  });
  fs.chmodSync(path.join(bin, 'dmesg'), 0o755);
  fs.writeFileSync(
    path.join(bin, 'docker'),
    `#!/bin/sh
# No Docker engine on the bed: docker is podman. Non-root users reach it through sudo (podman only).
if [ "$(id -u)" -eq 0 ]; then exec podman "$@"; fi
exec sudo -n podman "$@"
`,
    { mode: 0o755 },
  );
  await build({
    entryPoints: [path.join(HERE, 'delay-proxy.ts')],
    outfile: path.join(bin, 'delay-proxy.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/**
 * The test image: a rootfs holding only the node binary, its libraries and the OIP server, imported
 * into the bed's shared image store (no registry is reachable here).
 */
export async function buildTestImage(bedDir: string): Promise<void> {
  const rootfs = path.join(bedDir, 'image-rootfs');
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.mkdirSync(path.join(rootfs, 'srv'), { recursive: true });
  const node = fs.realpathSync(process.execPath);
  const copy = (src: string, dest = src) => {
    fs.mkdirSync(path.dirname(path.join(rootfs, dest)), { recursive: true });
    fs.copyFileSync(src, path.join(rootfs, dest));
  };
  copy(node, '/usr/bin/node');
  for (const line of run('ldd', [node]).split('\n')) {
    const lib = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1];
    if (lib) copy(lib);
  }
  fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 });
  await build({
    entryPoints: [path.join(HERE, 'oip-server', 'server.ts')],
    outfile: path.join(rootfs, 'srv', 'oip-server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const tar = path.join(bedDir, 'image-rootfs.tar');
  run('tar', ['-C', rootfs, '-cf', tar, '.']);
  run('podman', [
    '--root',
    path.join(bedDir, 'image-store'),
    '--runroot',
    path.join(bedDir, 'image-run'),
    'import',
    '--change',
    'CMD ["/usr/bin/node", "/srv/oip-server.mjs"]',
    '--change',
    'EXPOSE 8000',
    '--change',
    'ENV MODEL_NAME=chest-xray',
    tar,
    TEST_IMAGE,
  ]);
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.rmSync(tar, { force: true });
}
