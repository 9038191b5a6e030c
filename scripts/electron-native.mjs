// better-sqlite3 built for Electron, beside the one built for Node. `npm install` compiles the addon
// for Node (the CLI, `serve` and the tests load that one); Electron has its own V8 and module ABI,
// so the desktop app needs a second build, which the main process loads through better-sqlite3's
// `nativeBinding` option. Packaged apps do not need this: electron-builder rebuilds for Electron.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');

/** The NODE_MODULE_VERSION a compiled addon was built for, read from its registration symbol (not loaded). */
export function addonAbi(file) {
  const m = /node_register_module_v(\d+)/.exec(fs.readFileSync(file).toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

export function electronVersion() {
  return require('electron/package.json').version;
}

export function electronAbi(version = electronVersion()) {
  return Number(require('node-abi').getAbi(version, 'electron'));
}

/** The addon Node's CLI and tests load. */
export function nodeBinding() {
  return path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
}

export function electronBindingDir(
  version = electronVersion(),
  abi = electronAbi(version),
  cacheRoot = path.join(root, 'node_modules', '.cache', 'edgeward'),
) {
  return path.join(cacheRoot, `better-sqlite3-electron-v${abi}-${process.platform}-${process.arch}`);
}

/** The line of a failed tool's output that says why (an error over gyp's banner lines). */
const why = (r) => {
  const lines = `${r.error?.message ?? ''}\n${r.stderr ?? ''}\n${r.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.some((l) => /network connectivity/.test(l)))
    return "Electron's headers could not be downloaded (no network route to electronjs.org)";
  return lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|Error:|not found|failed/i.test(l)) ?? lines.at(-1) ?? '';
};

/**
 * The path of a better-sqlite3 addon built for this Electron, fetched or compiled once into a cache.
 * An addon of the wrong ABI is never returned: it is rebuilt, or this throws with what to do.
 */
export function ensureElectronBinding({ version = electronVersion(), cacheRoot, log = () => undefined } = {}) {
  const abi = electronAbi(version);
  const dir = electronBindingDir(version, abi, cacheRoot);
  const addon = path.join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (fs.existsSync(addon) && addonAbi(addon) === abi) return addon;

  log(`Preparing better-sqlite3 for Electron ${version} (ABI ${abi}) once…`);
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of ['package.json', 'binding.gyp', 'lib', 'src', 'deps']) {
    if (fs.existsSync(path.join(pkgDir, entry))) fs.cpSync(path.join(pkgDir, entry), path.join(dir, entry), { recursive: true });
  }
  const env = {
    ...process.env,
    npm_config_runtime: 'electron',
    npm_config_target: version,
    npm_config_disturl: 'https://electronjs.org/headers',
  };
  // A nodedir set for Node's own headers (npm config) would compile against Node's ABI again.
  for (const k of Object.keys(env)) if (/^(npm_config_nodedir|NODEDIR)$/i.test(k)) delete env[k];
  const attempts = [];
  // 1. The prebuilt addon better-sqlite3 publishes for this Electron version.
  const prebuilt = spawnSync(
    process.execPath,
    [
      require.resolve('prebuild-install/bin.js'),
      '--runtime',
      'electron',
      '--target',
      version,
      '--arch',
      process.arch,
      '--platform',
      process.platform,
    ],
    { cwd: dir, env, encoding: 'utf8', timeout: 120_000 },
  );
  attempts.push(`prebuilt download: ${prebuilt.status === 0 ? 'ok' : why(prebuilt) || `exit ${prebuilt.status}`}`);
  // 2. Compiled here against Electron's headers.
  if (!(fs.existsSync(addon) && addonAbi(addon) === abi)) {
    const gyp = spawnSync(
      process.execPath,
      [
        require.resolve('node-gyp/bin/node-gyp.js'),
        'rebuild',
        '--release',
        `--target=${version}`,
        '--runtime=electron',
        '--dist-url=https://electronjs.org/headers',
        '--nodedir=',
      ],
      { cwd: dir, env, encoding: 'utf8', timeout: 600_000 },
    );
    attempts.push(`build from source: ${gyp.status === 0 ? 'ok' : why(gyp) || `exit ${gyp.status}`}`);
  }
  if (fs.existsSync(addon) && addonAbi(addon) === abi) return addon;
  throw new Error(
    `better-sqlite3 for Electron ${version} (module ABI ${abi}) could not be fetched or built; the one npm installed is for Node (ABI ${process.versions.modules}) and would fail in Electron.\n` +
      attempts.map((a) => `  - ${a}`).join('\n') +
      "\nThe desktop app needs either the prebuilt addon (github.com, at first start) or Electron's headers (electronjs.org) and a C++ toolchain.",
  );
}
