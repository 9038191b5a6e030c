import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('packaging configuration', () => {
  const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

  it('sets the security fuses the issue requires', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('builds AppImage and deb, NSIS and dmg', () => {
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
  });

  it('points Electron at the bundled main process that the build produces', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; bin: Record<string, string> };
    expect(pkg.main).toBe('dist/electron/main.mjs');
    expect(pkg.bin.edgeward).toBe('dist/electron/cli.mjs');
    const build = fs.readFileSync(path.join(root, 'scripts', 'build-main.mjs'), 'utf8');
    for (const entry of ['main:', 'cli:', 'serve:', 'preload:']) expect(build).toContain(entry);
  });

  it('creates the window with the Electron security checklist settings', () => {
    const win = fs.readFileSync(path.join(root, 'electron', 'adapters', 'window.ts'), 'utf8');
    expect(win).toMatch(/contextIsolation: true/);
    expect(win).toMatch(/sandbox: true/);
    expect(win).toMatch(/nodeIntegration: false/);
    expect(win).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(win).toMatch(/will-navigate/);
  });
});
