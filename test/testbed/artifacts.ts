import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { run } from './sh.js';
import { TEST_IMAGE } from './layout.js';

const HERE = import.meta.dirname;
const FIXTURES = path.resolve(HERE, '..', 'fixtures', 'nvidia-smi');

/** One TypeScript program bundled into a node-side executable (a `node` script with a shebang). */
async function buildNodeProgram(entry: string, outfile: string, define: Record<string, string> = {}, executable = true): Promise<void> {
  await build({
    entryPoints: [path.join(HERE, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    ...(executable ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    define,
    logLevel: 'warning',
  });
  if (executable) fs.chmodSync(outfile, 0o755);
}

/** The node-side programs shared by all nodes: nvidia-smi and dmesg (simulators), the delay proxy. */
export async function buildNodeBin(bedDir: string): Promise<void> {
  const bin = path.join(bedDir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const bed = { __BED_DIR__: JSON.stringify(bedDir) };
  await buildNodeProgram(path.join('nvidia-smi', 'sim.ts'), path.join(bin, 'nvidia-smi'), {
    ...bed,
    __FIXTURES_DIR__: JSON.stringify(FIXTURES),
  });
  await buildNodeProgram('dmesg-sim.ts', path.join(bin, 'dmesg'), bed);
  await buildNodeProgram('delay-proxy.ts', path.join(bin, 'delay-proxy.mjs'), {}, false);
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

/**
 * A node's `docker`: podman underneath (no Docker engine here), with docker's `--gpus` flag turned
 * into CDI devices as the NVIDIA toolkit does, and every call logged so tests can see what a docker
 * node was asked. Removing this file turns the node into a podman node.
 */
export function writeDockerShim(nodeDir: string): void {
  fs.mkdirSync(path.join(nodeDir, 'bin'), { recursive: true });
  fs.writeFileSync(
    path.join(nodeDir, 'bin', 'docker'),
    `#!/bin/sh
printf '%s\\n' "$*" >> ${path.join(nodeDir, 'docker-calls.log')}
n=$#; i=0
while [ $i -lt $n ]; do
  a=$1; shift; i=$((i + 1))
  if [ "$a" = --gpus ]; then
    v=$1; shift; i=$((i + 1)); v=\${v#\\"}; v=\${v%\\"}
    case "$v" in
      all) set -- "$@" --device nvidia.com/gpu=all ;;
      device=*) for d in $(printf '%s' "\${v#device=}" | tr , ' '); do set -- "$@" --device "nvidia.com/gpu=$d"; done ;;
      *) echo "docker: Error response from daemon: invalid --gpus value: $v" >&2; exit 125 ;;
    esac
  else
    set -- "$@" "$a"
  fi
done
if [ "$(id -u)" -eq 0 ]; then exec podman "$@"; fi
exec sudo -n podman "$@"
`,
    { mode: 0o755 },
  );
}

/** What \`nvidia-ctk cdi generate\` writes for the node's GPUs, with /dev/null standing in for each device. */
export function cdiSpec(count: number): string {
  const devices = Array.from(
    { length: count },
    (_, i) =>
      `  - name: "${i}"\n    containerEdits:\n      deviceNodes:\n        - path: /dev/nvidia${i}\n          hostPath: /dev/null\n      env: [NVIDIA_VISIBLE_DEVICES=${i}]\n`,
  ).join('');
  const all = `  - name: all\n    containerEdits:\n      deviceNodes:\n${Array.from({ length: count }, (_, i) => `        - path: /dev/nvidia${i}\n          hostPath: /dev/null\n`).join('')}`;
  return `cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n${devices}${count ? all : ''}containerEdits:\n  deviceNodes:\n    - path: /dev/nvidiactl\n      hostPath: /dev/null\n`;
}
