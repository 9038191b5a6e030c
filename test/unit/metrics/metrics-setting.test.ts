import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { freePort } from '../../helpers/free-port.js';

describe('the app serving /metrics from Settings', () => {
  it('starts where Settings says, moves when it changes, and stops when emptied', async () => {
    const tmp = makeTempDir('edgeward-metrics-setting-');
    const app = await createBackend({ dataDir: tmp.dir, transport: 'loopback' });
    const ctx = { transport: 'loopback' as const, clientId: 't' };
    const scrape = (port: number) =>
      fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text' } }).then(
        async (r) => ({ type: r.headers.get('content-type'), body: await r.text() }),
        () => undefined,
      );
    try {
      const [a, b] = [await freePort(), await freePort()];
      expect((await app.router.invoke('settings.set', { metricsListen: `127.0.0.1:${a}` }, ctx)).ok).toBe(true);
      await expect.poll(() => scrape(a).then((r) => r?.body.endsWith('# EOF\n'))).toBe(true);
      expect((await scrape(a))!.type).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      expect((await scrape(a))!.body).toMatch(/^edgeward_sessions\{state="live"\} 0$/m);
      await app.router.invoke('settings.set', { metricsListen: `127.0.0.1:${b}` }, ctx);
      await expect.poll(() => scrape(b).then((r) => r !== undefined)).toBe(true);
      await expect.poll(() => scrape(a)).toBeUndefined();
      await app.router.invoke('settings.set', { metricsListen: '' }, ctx);
      await expect.poll(() => scrape(b)).toBeUndefined();
      const bad = await app.router.invoke('settings.set', { metricsListen: 'everywhere' }, ctx);
      expect(bad.ok).toBe(false);
    } finally {
      await app.close();
      tmp.cleanup();
    }
  });
});
