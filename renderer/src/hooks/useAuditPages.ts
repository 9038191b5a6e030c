import { useCallback, useEffect, useRef, useState } from 'react';
import { bridge } from '../bridge';
import type { AuditFilter, AuditRecord } from '../../../shared/audit.js';
import type { AppError } from '../../../shared/errors.js';

const PAGE = 200;

/**
 * Windowed access to the (possibly 100,000-record) audit log: the total comes first, pages of rows
 * are fetched only when the virtual list scrolls to them, and everything is refetched when the
 * filter changes or the log grows.
 */
export function useAuditPages(filter: AuditFilter) {
  const [total, setTotal] = useState<number>();
  const [error, setError] = useState<AppError>();
  const [version, setVersion] = useState(0);
  const pages = useRef(new Map<number, AuditRecord[]>());
  const inFlight = useRef(new Set<number>());
  const generation = useRef(0);
  const key = JSON.stringify(filter);

  const fetchPage = useCallback(
    async (page: number, gen: number) => {
      if (pages.current.has(page) || inFlight.current.has(page)) return;
      inFlight.current.add(page);
      const result = await bridge.invoke('audit.query', { filter: JSON.parse(key) as AuditFilter, offset: page * PAGE, limit: PAGE });
      inFlight.current.delete(page);
      if (gen !== generation.current) return;
      if (!result.ok) {
        setError(result.error);
        return;
      }
      setError(undefined);
      pages.current.set(page, result.value.records);
      setTotal(result.value.total);
      setVersion((v) => v + 1);
    },
    [key],
  );

  const reset = useCallback(() => {
    generation.current += 1;
    pages.current = new Map();
    inFlight.current = new Set();
    void fetchPage(0, generation.current);
  }, [fetchPage]);

  useEffect(() => {
    setTotal(undefined);
    reset();
  }, [reset]);

  // New records (from this window, the CLI or anything else) arrive as a coalesced head update.
  useEffect(() => bridge.subscribe('audit.appended', {}, () => reset()), [reset]);

  const row = useCallback(
    (index: number): AuditRecord | undefined => {
      const page = Math.floor(index / PAGE);
      const rows = pages.current.get(page);
      if (!rows) void fetchPage(page, generation.current);
      return rows?.[index % PAGE];
    },
    [fetchPage, version],
  );

  return { total, error, row, reload: reset };
}
