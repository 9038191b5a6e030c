export type SortDirection = 'asc' | 'desc';
export interface SortState<K extends string> {
  key: K;
  direction: SortDirection;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Sorts rows by one column: numbers numerically, text in natural order ("node-2" before "node-10"),
 * missing values always last whatever the direction, ties keep their original order.
 */
export function sortRows<R, K extends string>(rows: readonly R[], sort: SortState<K> | undefined, value: (row: R, key: K) => unknown): R[] {
  if (!sort) return [...rows];
  const sign = sort.direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, v: value(row, sort.key) }))
    .sort((a, b) => {
      const aMissing = a.v === undefined || a.v === null || a.v === '';
      const bMissing = b.v === undefined || b.v === null || b.v === '';
      if (aMissing || bMissing) return aMissing === bMissing ? a.index - b.index : aMissing ? 1 : -1;
      let c: number;
      if (typeof a.v === 'number' && typeof b.v === 'number') c = a.v - b.v;
      else c = collator.compare(String(a.v), String(b.v));
      return c !== 0 ? c * sign : a.index - b.index;
    })
    .map((x) => x.row);
}

/** Clicking the sorted column flips it; another column starts ascending. */
export function nextSort<K extends string>(current: SortState<K> | undefined, key: K): SortState<K> {
  if (current?.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: 'asc' };
}
