import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../electron/app/backend.js';
import { FrameDecoder } from '../../../electron/services/telemetry/decoder.js';
import { TelemetryService } from '../../../electron/services/telemetry/telemetry-service.js';
import type { AgentTransport } from '../../../electron/services/telemetry/agent-transport.js';
import { NODE_BOUNDS, type TelemetryFrame } from '../../../shared/telemetry.js';
import { seeded } from '../../helpers/fuzz.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const FIELDS =
  'index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active';
const row = (i: number) =>
  `${i}, GPU-${i}, NVIDIA L40S, 50, 10, 1000, 46068, 60, 100.50, 350.00, 2000, 0, 0, 4, 16, P0, 0x0000000000000000`;
const line = (o: unknown) => `${JSON.stringify(o)}\n`;

/** A node that lies: valid frames, but without end — ever-new GPUs, a container list that never closes, unique Xid lines. */
function* hostileStream(n: number): Generator<string> {
  yield line({ t: 'hello', agent: 'edgeward-telemetry', v: 1, interval_ms: 1000, host: 'liar', fields: FIELDS });
  yield line({ t: 'xid_source', available: true });
  for (let i = 0; i < n; i++) {
    yield line({ t: 'gpu', csv: row(i % 3 === 0 ? i % 4 : 1000 + i) });
    yield line({ t: 'ctr', name: `c${i}`, state: 'running', health: 'none', restarts: 0, deployment: 'x', revision: '1', image: 'i' });
    yield line({
      t: 'xid',
      line: `[${i}.000000] NVRM: Xid (PCI:0000:${(i % 256).toString(16).padStart(2, '0')}:00): 48, pid=${i}, unique ${i}`,
    });
  }
}

describe('a hostile node cannot grow the console', () => {
  const tmp = makeTempDir('edgeward-hostile-');
  afterAll(() => tmp.cleanup());

  it('bounds GPUs, containers and Xid events per node, counts what it dropped and says so in the frame', async () => {
    const backend = await createBackend({ dataDir: tmp.dir, transport: 'cli' });
    try {
      await backend.inventory.add({ name: 'liar', host: '10.0.0.66', user: 'edge', auth: 'agent' });
      let finish: () => void = () => undefined;
      const fed = new Promise<void>((r) => (finish = r));
      const N = 30_000;
      const transport: AgentTransport = {
        connect: async () => ({ fingerprint: 'SHA256:test' }),
        run: async (_node, _cmd, { onStdout, signal }) => {
          let batch = '';
          for (const l of hostileStream(N)) {
            batch += l;
            if (batch.length > 60_000) {
              onStdout(Buffer.from(batch));
              batch = '';
            }
          }
          onStdout(Buffer.from(batch));
          finish();
          await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
          return {};
        },
      };
      const svc = new TelemetryService(
        backend.pool,
        backend.inventory,
        backend.audit.log,
        { intervalMs: 1000 },
        undefined,
        undefined,
        undefined,
        transport,
      );
      const frames: TelemetryFrame[] = [];
      const stop = svc.watch('liar', (f) => frames.push(f));
      await fed;
      await new Promise((r) => setTimeout(r, 300));
      const last = frames.at(-1)!;
      stop();
      svc.stopAll();
      expect(last.gpus.length).toBeLessThanOrEqual(NODE_BOUNDS.gpus);
      expect(last.xid!.recent.length).toBeLessThanOrEqual(NODE_BOUNDS.xids);
      expect(last.dropped).toMatchObject({
        gpus: expect.any(Number),
        containers: N - NODE_BOUNDS.containers,
        xids: N - NODE_BOUNDS.xids,
      });
      expect(last.dropped!.gpus).toBeGreaterThan(N / 2);
    } finally {
      await backend.close();
    }
  }, 60_000);

  it('decodes random byte streams without throwing and without keeping more than one line', () => {
    const rnd = seeded(42);
    let frames = 0;
    const decoder = new FrameDecoder(() => frames++, 64 * 1024);
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.alloc(1 + Math.floor(rnd() * 4096));
      for (let j = 0; j < chunk.length; j++) chunk[j] = rnd() < 0.02 ? 0x0a : Math.floor(rnd() * 256);
      decoder.push(chunk);
    }
    // Long runs with no newline: skipped, never buffered past the line limit.
    for (let i = 0; i < 200; i++) decoder.push(Buffer.alloc(64 * 1024, 0x7b));
    decoder.push(Buffer.from('\n{"t":"xid","line":"ok"}\n'));
    expect(decoder.stats.oversized).toBeGreaterThan(0);
    expect(decoder.rejected).toBeGreaterThan(100);
    expect((decoder as unknown as { size: number }).size).toBeLessThanOrEqual(64 * 1024);
    expect(frames).toBeGreaterThanOrEqual(1);
  });
});
