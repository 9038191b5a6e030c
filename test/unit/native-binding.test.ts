import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addonAbi,
  electronAbi,
  electronBindingDir,
  electronVersion,
  ensureElectronBinding,
  nodeBinding,
} from '../../scripts/electron-native.mjs';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('the SQLite addon each runtime loads', () => {
  const tmp = makeTempDir('edgeward-native-');
  afterAll(() => tmp.cleanup());

  it("the CLI, serve and the tests load an addon built for this Node's ABI", () => {
    expect(addonAbi(nodeBinding())).toBe(Number(process.versions.modules));
    expect(new Database(':memory:', { nativeBinding: nodeBinding() }).prepare('select 1 as x').get()).toEqual({ x: 1 });
  });

  it("the desktop start never hands Electron an addon of another ABI: it gets Electron's or refuses, saying why", () => {
    const version = electronVersion();
    const abi = electronAbi(version);
    expect(abi).not.toBe(Number(process.versions.modules));
    // A cached addon of the wrong ABI (Node's, as a plain npm install leaves it) must not be taken.
    const dir = electronBindingDir(version, abi, tmp.dir);
    fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(nodeBinding(), path.join(dir, 'build', 'Release', 'better_sqlite3.node'));
    let chosen: string | undefined;
    let refusal = '';
    try {
      chosen = ensureElectronBinding({ version, cacheRoot: tmp.dir });
    } catch (err) {
      refusal = (err as Error).message;
    }
    if (chosen) expect(addonAbi(chosen)).toBe(abi);
    else {
      // Where neither the prebuilt addon nor Electron's headers can be fetched (this machine), it says so.
      expect(refusal).toContain(`better-sqlite3 for Electron ${version} (module ABI ${abi}) could not be fetched or built`);
      expect(refusal).toMatch(/prebuilt download: .+\n\s+- build from source: .+/);
    }
  }, 900_000);
});
