import { describe, expect, it, vi } from 'vitest';
import { coalescePerKey } from '../../electron/services/common/coalesce-per-key.js';

describe('coalescing per node', () => {
  it('merges a burst for one node into its latest, and never holds back another node behind it', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const c = coalescePerKey(
        (v: { name: string; status: string }) => out.push(`${v.name}:${v.status}`),
        100,
        (v) => v.name,
      );
      c.push({ name: 'a', status: 'connecting' });
      c.push({ name: 'a', status: 'auth' });
      c.push({ name: 'b', status: 'connecting' });
      c.push({ name: 'a', status: 'connected' });
      // The first of each node goes out at once; a's later changes wait and merge.
      expect(out).toEqual(['a:connecting', 'b:connecting']);
      vi.advanceTimersByTime(100);
      expect(out).toEqual(['a:connecting', 'b:connecting', 'a:connected']);
      c.push({ name: 'b', status: 'auth' });
      c.push({ name: 'b', status: 'failed' });
      // Unsubscribed: what was still pending is not sent to a listener that is gone.
      c.cancel();
      vi.advanceTimersByTime(200);
      expect(out.slice(3)).toEqual(['b:auth']);
    } finally {
      vi.useRealTimers();
    }
  });
});
