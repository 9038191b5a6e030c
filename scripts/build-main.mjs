// Bundles the main side (Electron main, preload, CLI, loopback server) with esbuild.
// Native and Electron modules stay external; the preload is CommonJS because sandboxed
// preloads cannot be ES modules.
import { build } from 'esbuild';
import { cpSync, readFileSync } from 'node:fs';

// EDGEWARD_BUILD_OUT: build somewhere else than dist/ (the desktop-shell test builds into a temp dir).
const out = process.env.EDGEWARD_BUILD_OUT ?? 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = ['electron', 'ssh2', 'cpu-features', 'better-sqlite3'];
const define = { __EDGEWARD_VERSION__: JSON.stringify(pkg.version), __EDGEWARD_BUNDLED__: 'true' };
// ESM bundles of CJS dependencies need a require() of their own.
const banner = {
  js: "import { createRequire as __ewCreateRequire } from 'node:module'; const require = __ewCreateRequire(import.meta.url);",
};

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, external, define, logLevel: 'warning' };

await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'electron/main.ts', cli: 'electron/cli/main.ts', serve: 'electron/serve.ts' },
    outdir: `${out}/electron`,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    banner,
  }),
  build({
    ...common,
    entryPoints: { preload: 'electron/preload.ts' },
    outdir: `${out}/electron`,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  }),
]);

// The node-side agents travel with the app (streamed to `sh -s`, never installed on nodes).
cpSync('agents', `${out}/agents`, { recursive: true });
