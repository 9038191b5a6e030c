import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { nextSort, sortRows, type SortState } from './table-sort';

export interface Column<R, K extends string = string> {
  key: K;
  header: ReactNode;
  /** Value used for sorting (and shown when no render is given). */
  value: (row: R) => unknown;
  render?: (row: R) => ReactNode;
  align?: 'left' | 'right';
  sortable?: boolean;
}

/** Above this many rows only the ones in view (and a margin) are in the DOM: 2,000 nodes stay quick to filter. */
export const WINDOW_ABOVE = 150;
const ROW_ESTIMATE = 34;

/**
 * Dense, sortable table. Headers are buttons, so sorting works from the keyboard too. A long table
 * scrolls in its own box and renders only the rows in view, each measured as drawn (a row whose
 * reason wraps is taller); spacer rows keep the scroll height, so it still reads as one table.
 */
export function DataTable<R, K extends string>({
  columns,
  rows,
  rowKey,
  caption,
  initialSort,
  empty,
}: {
  columns: readonly Column<R, K>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  caption: string;
  initialSort?: SortState<K>;
  empty?: ReactNode;
}) {
  const [sort, setSort] = useState<SortState<K> | undefined>(initialSort);
  const sorted = useMemo(() => {
    const byKey = new Map(columns.map((c) => [c.key, c]));
    return sortRows(rows, sort, (row, key) => byKey.get(key)?.value(row));
  }, [rows, sort, columns]);
  const windowed = sorted.length > WINDOW_ABOVE;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: windowed ? sorted.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 12,
    getItemKey: (i) => rowKey(sorted[i]!),
  });
  const items = windowed ? virtual.getVirtualItems() : [];
  const top = items[0]?.start ?? 0;
  const bottom = windowed ? virtual.getTotalSize() - (items.at(-1)?.end ?? 0) : 0;

  const row = (r: R, index?: number) => (
    <tr key={rowKey(r)} {...(index !== undefined ? { 'data-index': index, ref: virtual.measureElement } : {})}>
      {columns.map((col) => (
        <td key={col.key} className={col.align === 'right' ? 'num' : undefined}>
          {col.render ? col.render(r) : String(col.value(r) ?? '—')}
        </td>
      ))}
    </tr>
  );

  const table = (
    <table className="data-table" aria-rowcount={windowed ? sorted.length + 1 : undefined}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((col) => {
            const active = sort?.key === col.key;
            const ariaSort = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none';
            return (
              <th key={col.key} scope="col" aria-sort={ariaSort} className={col.align === 'right' ? 'num' : undefined}>
                {col.sortable === false ? (
                  col.header
                ) : (
                  <button type="button" className="sort-button" onClick={() => setSort((s) => nextSort(s, col.key))}>
                    {col.header}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (sort.direction === 'asc' ? '▴' : '▾') : '▵'}
                    </span>
                  </button>
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {sorted.length === 0 ? (
          <tr>
            <td colSpan={columns.length} className="table-empty">
              {empty ?? 'Nothing to show.'}
            </td>
          </tr>
        ) : windowed ? (
          <>
            {top > 0 ? <tr aria-hidden="true" className="spacer-row" style={{ height: top }} /> : null}
            {items.map((it) => row(sorted[it.index]!, it.index))}
            {bottom > 0 ? <tr aria-hidden="true" className="spacer-row" style={{ height: bottom }} /> : null}
          </>
        ) : (
          sorted.map((r) => row(r))
        )}
      </tbody>
    </table>
  );
  // Always the same wrapper, so a filter that crosses the threshold keeps the same table element.
  return (
    <div
      ref={scroller}
      className={windowed ? 'table-window' : 'table-box'}
      // A scrolling box is reachable by keyboard (arrows and Page Down scroll it).
      {...(windowed ? { 'data-testid': 'table-window', tabIndex: 0, role: 'region', 'aria-label': caption } : {})}
    >
      {table}
    </div>
  );
}
