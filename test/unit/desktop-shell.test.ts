import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, topics } from '../../shared/contract/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The desktop shell as built: the main and preload bundles that `npm start` and the packaged app
 * run, executed in Node against a stand-in `electron` module that records what they do. Nothing
 * here reads source text: a line that is commented out does not pass.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const tmp = makeTempDir('edgeward-shell-');
// Laid out as a packaged app is: resources/app/dist/…, with resources/ beside it.
const resources = path.join(tmp.dir, 'resources');
const out = path.join(resources, 'app', 'dist');
interface Recorded {
  calls: string[];
  schemes: { scheme: string; privileges: Record<string, boolean> }[];
  windows: { options: { webPreferences: Record<string, unknown> }; loadURL?: string }[];
  protocolHandlers: string[];
  ipcHandle: string[];
  ipcOn: string[];
  scenario: Record<string, unknown> & {
    channels: Record<string, { stranger: string; iframe: string; away: string; app: string }>;
    topics: Record<string, { stranger: string; app: string }>;
  };
}
let rec: Recorded;
const desktopAddon = path.join(tmp.dir, 'addon', 'better_sqlite3.node');

beforeAll(() => {
  execFileSync('node', ['scripts/build-main.mjs'], { cwd: root, env: { ...process.env, EDGEWARD_BUILD_OUT: out }, stdio: 'inherit' });
  // A stand-in renderer build: the handler must serve whatever dist/renderer holds.
  fs.mkdirSync(path.join(out, 'renderer'), { recursive: true });
  fs.writeFileSync(path.join(out, 'renderer', 'index.html'), '<!doctype html><title>Edgeward shell test</title>');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(resources, 'app', 'node_modules'));
  const recordFile = path.join(tmp.dir, 'record.json');
  // What `npm start` hands the desktop app: an addon of its own (here Node's, copied: Node runs this).
  fs.mkdirSync(path.join(tmp.dir, 'addon'));
  fs.copyFileSync(path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), desktopAddon);
  const userData = path.join(tmp.dir, 'userData');
  const r = spawnSync(
    process.execPath,
    ['--import', path.join(root, 'test/helpers/electron-standin/register.mjs'), path.join(out, 'electron', 'main.mjs')],
    {
      env: {
        ...process.env,
        EDGEWARD_STANDIN_RECORD: recordFile,
        EDGEWARD_STANDIN_USERDATA: userData,
        EDGEWARD_STANDIN_CHANNELS: JSON.stringify(Object.keys(channels)),
        EDGEWARD_STANDIN_TOPICS: JSON.stringify(Object.keys(topics)),
        EDGEWARD_WATCH_FLEET: '0',
        EDGEWARD_SQLITE_BINDING: desktopAddon,
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (!fs.existsSync(recordFile)) throw new Error(`main bundle did not finish: ${r.status} ${r.stderr}`);
  rec = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as Recorded;
}, 120_000);
afterAll(() => tmp.cleanup());

describe('the built desktop main process', () => {
  it('starts sandboxed, single-instance, and quits only after the backend closed', () => {
    expect(rec.scenario.error).toBeUndefined();
    expect(rec.calls).toEqual(expect.arrayContaining(['app.enableSandbox', 'app.requestSingleInstanceLock', 'app.exit 0']));
    expect(rec.calls.indexOf('will-quit prevented until the backend closed')).toBeLessThan(rec.calls.indexOf('app.exit 0'));
  });

  it('opens one window with the security checklist settings and the built preload', () => {
    expect(rec.windows).toHaveLength(1);
    const prefs = rec.windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs.preload).toBe(path.join(out, 'electron', 'preload.cjs'));
    expect(fs.existsSync(prefs.preload as string)).toBe(true);
    expect(rec.windows[0]!.loadURL).toBe('edgeward://app/index.html#/fleet');
    expect(rec.scenario).toMatchObject({ windowOpen: { action: 'deny' }, navigationAwayPrevented: true, permissionDenied: true });
  });

  it('serves the built renderer on edgeward://app with the CSP, and nothing outside it', () => {
    expect(rec.schemes).toEqual([{ scheme: 'edgeward', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(rec.protocolHandlers).toEqual(['edgeward']);
    expect(rec.scenario.index).toMatchObject({
      status: 200,
      csp: expect.stringContaining("default-src 'self'"),
      body: expect.stringContaining('Edgeward shell test'),
    });
    expect(rec.scenario.root).toMatchObject({ status: 200 });
    expect((rec.scenario.traversal as { status: number }).status).toBeGreaterThanOrEqual(403);
    expect(rec.scenario.otherHost).toMatchObject({ status: 404 });
  });

  it('registers the bridge on ipcMain and checks the sender of every channel and topic', () => {
    expect(rec.ipcHandle).toEqual(['edgeward:invoke']);
    expect(rec.ipcOn.sort()).toEqual(['edgeward:subscribe', 'edgeward:unsubscribe']);
    for (const [ch, r] of Object.entries(rec.scenario.channels)) {
      expect({ ch, ...r }).toMatchObject({ ch, stranger: 'FORBIDDEN_SENDER', iframe: 'FORBIDDEN_SENDER', away: 'FORBIDDEN_SENDER' });
      expect(r.app, ch).not.toMatch(/UNKNOWN_CHANNEL|FORBIDDEN_SENDER|INTERNAL/);
    }
    for (const [t, r] of Object.entries(rec.scenario.topics)) {
      expect(r.stranger, t).toBe('FORBIDDEN_SENDER');
      expect(r.app, t).not.toMatch(/UNKNOWN_TOPIC|FORBIDDEN_SENDER|INTERNAL/);
    }
    expect(Object.keys(rec.scenario.topics)).toHaveLength(Object.keys(topics).length);
    expect(Object.keys(rec.scenario.channels)).toHaveLength(Object.keys(channels).length);
  });

  it('loads the SQLite addon the desktop start hands it, not the one npm built for Node', () => {
    expect(rec.scenario.loadedAddons).toEqual([desktopAddon]);
  });

  it('does not persist a secret when safeStorage only has the basic_text fallback', () => {
    expect(rec.scenario.secretPersisted).toBe(false);
    expect(fs.existsSync(path.join(tmp.dir, 'userData', 'secrets.json'))).toBe(false);
  });
});

describe('the built preload', () => {
  it('is a CommonJS script that needs only what a sandboxed preload may require, and exposes the bridge', () => {
    const code = fs.readFileSync(path.join(out, 'electron', 'preload.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const sandboxAllowed = new Set(['electron', 'events', 'timers', 'url']);
    const ipcRenderer = { invoke: () => Promise.resolve(), on: () => undefined, send: () => undefined, removeListener: () => undefined };
    const module = { exports: {} };
    vm.runInNewContext(code, {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (!sandboxAllowed.has(id)) throw new Error(`a sandboxed preload cannot require ${id}`);
        return { contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) }, ipcRenderer };
      },
      console,
    });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['edgeward']);
    const api = exposed.edgeward as Record<string, unknown>;
    expect(typeof api.invoke).toBe('function');
    expect(typeof api.subscribe).toBe('function');
  });
});

describe('the agents a built app streams to nodes', () => {
  it('come only from the bundle, never from a folder outside it (resources/agents)', () => {
    const hostile = path.join(resources, 'agents');
    fs.mkdirSync(hostile, { recursive: true });
    for (const f of fs.readdirSync(path.join(root, 'agents')).filter((f) => f.endsWith('.sh')))
      fs.writeFileSync(path.join(hostile, f), '#!/bin/sh\necho replaced outside the archive\n');
    const cli = (dataDir: string) =>
      spawnSync(process.execPath, [path.join(out, 'electron', 'cli.mjs'), '--data-dir', dataDir, 'info'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    expect(cli(path.join(tmp.dir, 'd1')).status).toBe(0);
    // Without the bundled copy the app must refuse, not fall back to the copy outside.
    fs.renameSync(path.join(out, 'agents'), path.join(out, 'agents-gone'));
    try {
      const r = cli(path.join(tmp.dir, 'd2'));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`not found in ${path.join(out, 'agents')}`);
    } finally {
      fs.renameSync(path.join(out, 'agents-gone'), path.join(out, 'agents'));
    }
  });
});
