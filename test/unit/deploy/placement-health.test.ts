import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { gpuSample } from '../../helpers/gpu-sample.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SPEC = `name: cxr
image: registry.local/cxr:1
gpus: {count: 1}
ports: [{container: 8000, host: 18000}]
targets: {nodes: [rad-01]}
`;

describe('placement and node health', () => {
  const tmp = makeTempDir('edgeward-placement-health-');
  afterAll(() => tmp.cleanup());

  it('refuses a node whose GPU alert is critical, saying why, before anything is asked of the node', async () => {
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const ctx = { transport: 'cli' as const, clientId: 't' };
      // An address nothing answers on: a probe would fail with another reason.
      expect(
        (await b.router.invoke('fleet.node.add', { name: 'rad-01', host: '127.0.0.1', port: 9, auth: 'agent', tags: [], via: [] }, ctx)).ok,
      ).toBe(true);
      b.alerts.evaluate({
        node: 'rad-01',
        at: Date.now(),
        session: 'live',
        gpuHealth: 'ok',
        gpus: [gpuSample({ index: 0, tempC: 95 })],
        rejected: 0,
      });
      const plan = await b.router.invoke('deploy.plan', { text: SPEC }, ctx);
      expect(plan.ok && (plan.value as { refused: unknown[] }).refused).toEqual([
        {
          node: 'rad-01',
          reason: expect.stringMatching(/^its health is critical \(GPU 0 .*95 °C.*\): fix it or leave it out of the targets$/),
        },
      ]);
      const applied = await b.router.invoke('deploy.apply', { text: SPEC }, ctx);
      expect(applied).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION', message: expect.stringContaining('its health is critical') },
      });
    } finally {
      await b.close();
    }
  });

  it('refuses a drained node, saying until when and why, and takes it again once undrained', async () => {
    const b = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      const ctx = { transport: 'cli' as const, clientId: 't' };
      await b.inventory.add({ name: 'rad-02', host: '127.0.0.1', port: 9 });
      await b.inventory.drain('rad-02', 'PSU swap INC-9', Date.now() + 3_600_000);
      const spec = SPEC.replace('cxr', 'cxr2').replace('[rad-01]', '[rad-02]');
      const plan = await b.router.invoke('deploy.plan', { text: spec }, ctx);
      expect(plan.ok && (plan.value as { refused: unknown[] }).refused).toEqual([
        {
          node: 'rad-02',
          reason: expect.stringMatching(/^it is drained for maintenance until \d{4}-.* \(PSU swap INC-9\): undrain it or leave it out/),
        },
      ]);
      await b.inventory.undrain('rad-02');
      const again = await b.router.invoke('deploy.plan', { text: spec }, ctx);
      // Undrained, it is probed again (and nothing answers on port 9: another reason).
      expect(again.ok && (again.value as { refused: { reason: string }[] }).refused[0]!.reason).not.toMatch(/drained/);
    } finally {
      await b.close();
    }
  });
});
