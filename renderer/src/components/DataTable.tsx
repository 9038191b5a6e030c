import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type ReactNode, type RefObject } from 'react';
import { elementScroll, useVirtualizer, type VirtualizerOptions, type Virtualizer } from '@tanstack/react-virtual';
import { nextSort, sortRows, type SortState } from './table-sort';

export interface Column<R, K extends string = string> {
  key: K;
  header: ReactNode;
  /** Value used for sorting (and shown when no render is given). */
  value: (row: R) => unknown;
  render?: (row: R) => ReactNode;
  align?: 'left' | 'right';
  sortable?: boolean;
  /** Column width (any CSS length); a fixed-rows table lays out by these, not by its content. */
  width?: string;
  /** Hover text of a cell, for what a fixed-height row cuts off (plain-value cells get their text). */
  title?: (row: R) => string | undefined;
}

/**
 * Above this many rows only the ones in view (and a margin) are in the DOM: 2,000 nodes stay quick
 * to filter. Low, because a search that leaves a hundred rows drawn them all (4,000 boxes to lay out,
 * 20 ms a keystroke); below it a table stays whole, for print and the browser's find.
 */
export const WINDOW_ABOVE = 60;
const ROW_ESTIMATE = 34;

/**
 * The scroll box's size from a ResizeObserver only. The library's default also reads it at once on
 * mount, which forces a layout of the whole page in the middle of React's commit (17 ms of a 2,000
 * node first paint); the first render uses the window's height instead, and the observer, which
 * reports after the browser's own layout, corrects it in the same frame.
 */
function observeBoxSize(instance: Virtualizer<HTMLDivElement, Element>, report: (rect: { width: number; height: number }) => void) {
  const box = instance.scrollElement;
  if (!box) return;
  const seen = new ResizeObserver(() => report({ width: box.clientWidth, height: box.clientHeight }));
  seen.observe(box);
  return () => seen.disconnect();
}

/**
 * Scrolls the box, except for the library's first write, on mount, of offset 0 to a box just made
 * (so already at 0): a no-op that would force a layout in the middle of React's commit.
 */
const mounted = new WeakSet<Element>();
const scrollBox: VirtualizerOptions<HTMLDivElement, Element>['scrollToFn'] = (offset, options, instance) => {
  const box = instance.scrollElement;
  const first = box !== null && !mounted.has(box);
  if (box) mounted.add(box);
  if (first && offset + (options.adjustments ?? 0) === 0) return;
  elementScroll(offset, options, instance);
};

/**
 * The height of one drawn row, read from the first one, so a window of same-height rows needs no
 * measuring of each row (a forced layout per row on every keystroke at 2,000 nodes). Read again
 * when the density changes, which the status bar sets on the root element.
 */
function useUniformRowHeight(box: RefObject<HTMLDivElement | null>, enabled: boolean, onChange: () => void): number {
  const [height, setHeight] = useState(ROW_ESTIMATE);
  // Read once rows are drawn, and again after a density change; not on every render, where it
  // would force a layout before React has finished writing the rows.
  const measured = useRef(false);
  const [, remeasure] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    if (!enabled || measured.current) return;
    const first = box.current?.querySelector('tbody tr[data-index]');
    if (!first) return;
    measured.current = true;
    const h = first.getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - height) > 0.5) {
      setHeight(h);
      onChange();
    }
  });
  useEffect(() => {
    if (!enabled) return;
    const seen = new MutationObserver(() => {
      measured.current = false;
      remeasure();
    });
    seen.observe(document.documentElement, { attributes: true, attributeFilter: ['data-density'] });
    return () => seen.disconnect();
  }, [enabled]);
  return height;
}

/**
 * Dense, sortable table. Headers are buttons, so sorting works from the keyboard too. A long table
 * scrolls in its own box and renders only the rows in view; spacer rows keep the scroll height, so
 * it still reads as one table. Rows are measured as drawn (a row whose reason wraps is taller), or,
 * with `fixedRows`, all take the height of one row, read once per density.
 */
export function DataTable<R, K extends string>({
  columns,
  rows,
  rowKey,
  caption,
  initialSort,
  empty,
  fixedRows = false,
}: {
  columns: readonly Column<R, K>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  caption: string;
  initialSort?: SortState<K>;
  empty?: ReactNode;
  /** Every row the same height (a main line and a small one under it; long text cut, whole on hover): a long table scrolls and filters without measuring rows. */
  fixedRows?: boolean;
}) {
  const [sort, setSort] = useState<SortState<K> | undefined>(initialSort);
  const sorted = useMemo(() => {
    const byKey = new Map(columns.map((c) => [c.key, c]));
    return sortRows(rows, sort, (row, key) => byKey.get(key)?.value(row));
  }, [rows, sort, columns]);
  const windowed = sorted.length > WINDOW_ABOVE;
  const scroller = useRef<HTMLDivElement>(null);
  const uniform = windowed && fixedRows;
  const measureAll = useRef<() => void>(() => undefined);
  const rowHeight = useUniformRowHeight(scroller, uniform, () => measureAll.current());
  const virtual = useVirtualizer({
    count: windowed ? sorted.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => (uniform ? rowHeight : ROW_ESTIMATE),
    initialRect: { width: 0, height: window.innerHeight },
    observeElementRect: observeBoxSize,
    scrollToFn: scrollBox,
    overscan: 6,
    getItemKey: (i) => rowKey(sorted[i]!),
  });
  measureAll.current = () => virtual.measure();
  const items = windowed ? virtual.getVirtualItems() : [];
  const top = items[0]?.start ?? 0;
  const bottom = windowed ? virtual.getTotalSize() - (items.at(-1)?.end ?? 0) : 0;

  // A same-height window keys its rows by place: a new filter rewrites the text of the rows already
  // drawn instead of removing every row and building new ones (scrolling still adds one, drops one).
  const row = (r: R, index?: number) => (
    <tr
      key={uniform ? index : rowKey(r)}
      {...(index !== undefined ? { 'data-index': index, ...(uniform ? {} : { ref: virtual.measureElement }) } : {})}
    >
      {columns.map((col) => {
        const text = col.render ? undefined : String(col.value(r) ?? '—');
        const title = col.title ? col.title(r) : fixedRows ? text : undefined;
        return (
          <td key={col.key} className={col.align === 'right' ? 'num' : undefined} {...(title ? { title } : {})}>
            {col.render ? col.render(r) : text}
          </td>
        );
      })}
    </tr>
  );

  const table = (
    <table className={`data-table${fixedRows ? ' fixed-rows' : ''}`} aria-rowcount={windowed ? sorted.length + 1 : undefined}>
      <caption>{caption}</caption>
      {columns.some((c) => c.width) ? (
        <colgroup>
          {columns.map((c) => (
            <col key={c.key} {...(c.width ? { style: { width: c.width } } : {})} />
          ))}
        </colgroup>
      ) : null}
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
