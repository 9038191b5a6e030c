import { describe, expect, it } from 'vitest';
import { Router } from '../../electron/ipc/router.js';

describe('topic frames checked against the contract', () => {
  it('reports a frame that breaks its schema and still delivers both', () => {
    const bad: string[] = [];
    const router = new Router((topic, problem) => bad.push(`${topic} ${problem}`));
    router.topic('heartbeat', (_params, emit) => {
      emit({ seq: 1, at: new Date().toISOString(), uptimeS: 1 });
      emit({ seq: 'two' } as never);
      return () => undefined;
    });
    const got: unknown[] = [];
    const sub = router.subscribe('heartbeat', {}, (f) => got.push(f), { transport: 'cli', clientId: 't' });
    expect(sub.ok).toBe(true);
    expect(got).toHaveLength(2);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^heartbeat seq: /);
  });
});
