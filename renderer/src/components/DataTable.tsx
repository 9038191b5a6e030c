import { useMemo, useState, type ReactNode } from 'react';
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

/** Dense, sortable table. Headers are buttons, so sorting works from the keyboard too. */
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

  return (
    <table className="data-table">
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
        ) : (
          sorted.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((col) => (
                <td key={col.key} className={col.align === 'right' ? 'num' : undefined}>
                  {col.render ? col.render(row) : String(col.value(row) ?? '—')}
                </td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
