import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ageText } from '../../../../shared/age.js';
import { HEALTH_RANK, type HealthLevel } from '../../../../shared/health-level.js';
import type { NodeHealth } from '../../../../shared/node-health.js';
import type { NodeSummary } from '../../../../shared/telemetry.js';
import { bridge } from '../../bridge';
import { Sparkline } from '../../components/Sparkline';
import { StatusBadge } from '../../components/StatusBadge';
import { useStream } from '../../hooks/useBridge';
import { useHealth } from '../../hooks/useHealth';

type SortKey = 'worst' | 'name' | 'temp' | 'util' | 'latency';
const TILE_W = 248;
const ROW_H = 132;
const LEVEL_BADGE = {
  ok: 'ok',
  warning: 'warn',
  critical: 'error',
  unknown: 'unknown',
  unreachable: 'offline',
  drained: 'pending',
  disabled: 'pending',
} as const;
const levelOf = (h: NodeHealth | undefined): HealthLevel => h?.level ?? 'unknown';

interface LastKnown {
  at: number;
  gpuHealth: string;
  hottestC: number | null;
}

/**
 * One tile per node with its health (the same model as every view: level and reason) and its live
 * figures and sparklines, worst first. Only the rows on screen are
 * in the DOM, so 500 nodes redraw once a second without dropping frames. A node with no live data
 * shows its last known state from local history, with its age: nothing pretends to be live.
 */
export function FleetOverview() {
  const { frame, error } = useStream('telemetry.fleet', {});
  const health = useHealth()?.byNode;
  const [sort, setSort] = useState<SortKey>('worst');
  // undefined until local history has answered: until then a tile must not claim "never seen".
  const [seen, setSeen] = useState<Record<string, LastKnown>>();
  useEffect(() => {
    void bridge.invoke('telemetry.lastKnown', {}).then((r) => {
      if (r.ok) setSeen(Object.fromEntries(r.value.nodes.map((n) => [n.node, n])));
    });
  }, []);
  const nodes = useMemo(() => {
    const list = [...(frame?.nodes ?? [])];
    const by: Record<SortKey, (a: NodeSummary, b: NodeSummary) => number> = {
      worst: (a, b) => HEALTH_RANK[levelOf(health?.[a.node])] - HEALTH_RANK[levelOf(health?.[b.node])] || a.node.localeCompare(b.node),
      name: (a, b) => a.node.localeCompare(b.node),
      temp: (a, b) => (b.hottestC ?? -1) - (a.hottestC ?? -1),
      util: (a, b) => (b.utilPct ?? -1) - (a.utilPct ?? -1),
      latency: (a, b) => (b.p95Ms ?? -1) - (a.p95Ms ?? -1),
    };
    return list.sort(by[sort]);
  }, [frame, sort, health]);

  const scroller = useRef<HTMLDivElement>(null);
  const [perRow, setPerRow] = useState(4);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setPerRow(Math.max(1, Math.floor(el.clientWidth / TILE_W)));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const rows = Math.ceil(nodes.length / perRow);
  const virtual = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 2 });
  const counts: Record<HealthLevel, number> = { critical: 0, unreachable: 0, warning: 0, unknown: 0, drained: 0, ok: 0, disabled: 0 };
  for (const n of nodes) counts[levelOf(health?.[n.node])]++;

  return (
    <section className="card fleet-overview" aria-label="Fleet overview" data-testid="fleet-overview">
      <div className="row">
        <h2>Overview</h2>
        <span className="small" data-testid="overview-counts">
          {frame
            ? `${counts.critical} critical · ${counts.unreachable} unreachable · ${counts.warning} warning · ${counts.unknown} unknown · ${counts.drained} drained · ${counts.ok} ok`
            : 'Connecting to the fleet…'}
        </span>
        <span className="spacer" />
        <label>
          Sort{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} aria-label="Sort tiles">
            <option value="worst">worst first</option>
            <option value="name">name</option>
            <option value="temp">hottest GPU</option>
            <option value="util">utilization</option>
            <option value="latency">p95 latency</option>
          </select>
        </label>
      </div>
      {error ? <p role="alert">{error.message}</p> : null}
      <div ref={scroller} className="tile-scroller">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((row) => (
            <div key={row.index} className="tile-row" style={{ transform: `translateY(${row.start}px)` }}>
              {nodes.slice(row.index * perRow, row.index * perRow + perRow).map((n) => (
                <Tile key={n.node} n={n} health={health?.[n.node]} seen={seen ? seen[n.node] : 'loading'} now={frame?.at ?? Date.now()} />
              ))}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}

function Tile({
  n,
  health,
  seen,
  now,
}: {
  n: NodeSummary;
  health: NodeHealth | undefined;
  seen: LastKnown | undefined | 'loading';
  now: number;
}) {
  const level = levelOf(health);
  const live = n.session === 'live';
  const age = live ? null : seen === 'loading' ? 'reading local history…' : seen ? `last seen ${ageText(now - seen.at)}` : 'never seen';
  return (
    <a
      className={`tile level-${level}`}
      href={`#/node/${encodeURIComponent(n.node)}`}
      data-testid="tile"
      data-node={n.node}
      data-level={level}
    >
      <div className="tile-head">
        <strong>{n.node}</strong>
        <StatusBadge kind={LEVEL_BADGE[level]} label={level} />
      </div>
      <div className="tile-worst small" title={health?.raw ?? health?.reason ?? n.worst}>
        {health?.reason ?? n.worst}
      </div>
      <div className="tile-figures small">
        {live ? (
          <>
            <span>{n.hottestC !== null ? `${n.hottestC} °C` : '— °C'}</span>
            <span>{n.utilPct !== null ? `${n.utilPct} %` : '— %'}</span>
            {n.p95Ms !== null ? <span>p95 {n.p95Ms} ms</span> : null}
          </>
        ) : (
          <span data-testid="tile-age">
            {age}
            {seen !== 'loading' && seen?.hottestC != null ? ` · was ${seen.hottestC} °C` : ''}
          </span>
        )}
      </div>
      <div className="tile-sparks">
        <Sparkline values={n.sparkUtil} min={0} max={100} label={`${n.node} utilization, last minute`} width={104} />
        <Sparkline values={n.sparkTemp} label={`${n.node} hottest GPU temperature, last minute`} width={104} />
      </div>
    </a>
  );
}
