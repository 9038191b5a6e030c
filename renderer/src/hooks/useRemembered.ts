import { useEffect, useState } from 'react';

const PREFIX = 'edgeward.view.';

/** Reads a remembered view choice; anything unreadable or not among `allowed` is the default. */
export function remembered<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = window.localStorage.getItem(PREFIX + key);
    return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * A view choice (table or tiles, a filter, the density) kept on this machine across reloads: a
 * display preference, not a setting, so it is neither audited nor shared with other consoles.
 */
export function useRemembered<T extends string>(key: string, allowed: readonly T[], fallback: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => remembered(key, allowed, fallback));
  useEffect(() => {
    try {
      window.localStorage.setItem(PREFIX + key, value);
    } catch {
      // Storage full or disabled: the choice lasts for this window only.
    }
  }, [key, value]);
  return [value, setValue];
}
