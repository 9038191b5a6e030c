import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROFILE_SLOS } from '../../shared/slo.js';
import { SettingsService } from '../../electron/services/settings/settings-service.js';
import { AppErrorException } from '../../shared/errors.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fixtureIntent } from '../helpers/intent.js';

describe('settings service', () => {
  const tmp = makeTempDir();
  afterEach(() => fs.rmSync(path.join(tmp.dir, 'settings.json'), { force: true }));

  it('starts from defaults and persists changes across reopen', () => {
    const a = SettingsService.open(tmp.dir);
    expect(a.get()).toEqual({
      operatorName: '',
      theme: 'system',
      slo: PROFILE_SLOS,
      timeZone: 'local',
      alertmanagers: [],
      prometheusUrl: '',
      metricsListen: '',
      registries: [],
    });
    a.set({ operatorName: 'night shift', theme: 'dark' }, fixtureIntent('settings.update'));
    expect(SettingsService.open(tmp.dir).get()).toEqual({
      operatorName: 'night shift',
      theme: 'dark',
      slo: PROFILE_SLOS,
      timeZone: 'local',
      alertmanagers: [],
      prometheusUrl: '',
      metricsListen: '',
      registries: [],
    });
    expect(fs.statSync(path.join(tmp.dir, 'settings.json')).mode & 0o077).toBe(0);
  });

  it('rejects control characters in the operator name', () => {
    const s = SettingsService.open(tmp.dir);
    expect(() => s.set({ operatorName: 'evil\u001b[2J' }, fixtureIntent('settings.update'))).toThrow(AppErrorException);
    expect(s.get().operatorName).toBe('');
  });

  it('keeps an unreadable settings file aside instead of crashing or deleting it', () => {
    fs.writeFileSync(path.join(tmp.dir, 'settings.json'), '{ half written');
    const s = SettingsService.open(tmp.dir);
    expect(s.get().theme).toBe('system');
    expect(s.recoveredFrom).toBeDefined();
    expect(fs.readFileSync(s.recoveredFrom!, 'utf8')).toBe('{ half written');
  });

  it('falls back to defaults for a hand-edited invalid value', () => {
    fs.writeFileSync(path.join(tmp.dir, 'settings.json'), JSON.stringify({ theme: 'neon', operatorName: 'x' }));
    expect(SettingsService.open(tmp.dir).get().theme).toBe('system');
  });

  it("sees another process's save and a hand edit, on the next read", () => {
    const a = SettingsService.open(tmp.dir);
    const b = SettingsService.open(tmp.dir);
    expect(a.get().operatorName).toBe('');
    b.set({ operatorName: 'night shift' }, fixtureIntent('settings.update'));
    expect(a.get().operatorName).toBe('night shift');
    const file = path.join(tmp.dir, 'settings.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), operatorName: 'on call' }));
    expect(a.get().operatorName).toBe('on call');
    expect(a.get()).toBe(a.get()); // unchanged file: the same read, not parsed again
  });
});
