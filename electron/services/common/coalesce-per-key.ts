import { coalesce } from './coalesce.js';

/**
 * `coalesce` for each key on its own: a burst of changes to one node merges into its latest, while a
 * change to another node is never held back or dropped behind it.
 */
export function coalescePerKey<T>(
  fn: (value: T) => void,
  ms: number,
  keyOf: (value: T) => string,
): { push: (value: T) => void; cancel: () => void } {
  const byKey = new Map<string, ReturnType<typeof coalesce<T>>>();
  return {
    push(value) {
      const key = keyOf(value);
      let c = byKey.get(key);
      if (!c) byKey.set(key, (c = coalesce(fn, ms)));
      c.push(value);
    },
    cancel() {
      for (const c of byKey.values()) c.cancel();
      byKey.clear();
    },
  };
}
