import { useEffect, useRef, useState } from 'react';
import type { HistoryRange } from '../../../../shared/telemetry.js';
import type { ResponseOf } from '../../../../shared/contract/index.js';
import { bridge } from '../../bridge';
import { ErrorNote } from '../../components/ErrorNote';
import { LiveTelemetry } from './LiveTelemetry';
import { GpuCharts, LATENCY_LINES, TimeChart, type Layout } from './TimeChart';
import type { AppError } from '../../../../shared/errors.js';
import { formatTime } from '../../time';

type Range = 'live' | HistoryRange;
const RANGES: { id: Range; label: string }[] = [
  { id: 'live', label: 'Live' },
  { id: '1h', label: '1 h' },
  { id: '24h', label: '24 h' },
  { id: '7d', label: '7 d' },
  { id: '30d', label: '30 d' },
  { id: '1y', label: '1 y' },
];

/** A data: URL download: the CSP allows data: (no blob:), and nothing leaves the machine. */
function download(filename: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.click();
}

/**
 * The charts of one node as PNG: each chart's SVG drawn onto one canvas, titled, on the theme's
 * background (a transparent PNG is unreadable pasted into an incident report).
 */
async function chartsToPng(root: HTMLElement, title: string): Promise<string> {
  const figures = [...root.querySelectorAll<HTMLElement>('figure.chart')];
  const width = Math.max(...figures.map((f) => f.clientWidth), 400);
  const heights = figures.map((f) => f.clientHeight + 8);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = 32 + heights.reduce((a, b) => a + b, 0);
  const ctx = canvas.getContext('2d')!;
  const style = getComputedStyle(document.body);
  ctx.fillStyle = style.backgroundColor || '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = style.color || '#000000';
  ctx.font = '14px sans-serif';
  ctx.fillText(title, 8, 20);
  let y = 32;
  for (const [i, f] of figures.entries()) {
    ctx.fillText(f.querySelector('figcaption')?.textContent ?? '', 8, y + 12);
    const svg = f.querySelector('svg.recharts-surface');
    if (svg) {
      const clone = svg.cloneNode(true) as SVGElement;
      clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      const img = new Image();
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
      await img.decode();
      ctx.drawImage(img, 0, y + 16);
    }
    y += heights[i]!;
  }
  return canvas.toDataURL('image/png');
}

/**
 * A node's telemetry: live, or its history from this console's own record. `liveBlockedBy`: why
 * live telemetry must not connect now (a refused login retried every second could lock the account);
 * the history is local and stays shown.
 */
export function TelemetryPanel({ node, liveBlockedBy }: { node: string; liveBlockedBy?: string | undefined }) {
  const [range, setRange] = useState<Range>(liveBlockedBy ? '1h' : 'live');
  useEffect(() => {
    if (liveBlockedBy) setRange((r) => (r === 'live' ? '1h' : r));
  }, [liveBlockedBy]);
  const [layout, setLayout] = useState<Layout>('metric');
  const [error, setError] = useState<AppError>();
  const charts = useRef<HTMLDivElement>(null);
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

  const exportCsv = async () => {
    const r = await bridge.invoke('telemetry.exportCsv', { node, range: range === 'live' ? '1h' : range });
    if (!r.ok) return setError(r.error);
    download(r.value.filename, `data:text/csv;charset=utf-8,${encodeURIComponent(r.value.csv)}`);
  };
  const exportPng = async () => {
    if (!charts.current) return;
    try {
      download(
        `edgeward-${node}-${range}-${stamp()}.png`,
        await chartsToPng(charts.current, `${node} · ${range} · ${formatTime(Date.now())}`),
      );
    } catch (err) {
      setError({
        code: 'INTERNAL',
        message: `Could not draw the PNG: ${String(err)}`,
        action: 'Export CSV instead, or take a screenshot.',
      });
    }
  };

  return (
    <section className="card" aria-label="Telemetry" data-testid="telemetry-panel">
      <div className="row">
        <h2>Telemetry</h2>
        <span className="range-picker" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button
              key={r.id}
              type="button"
              className="secondary"
              aria-pressed={range === r.id}
              disabled={r.id === 'live' && !!liveBlockedBy}
              title={r.id === 'live' && liveBlockedBy ? `Live telemetry is off: ${liveBlockedBy}` : undefined}
              onClick={() => setRange(r.id)}
            >
              {r.label}
            </button>
          ))}
        </span>
        <label className="small">
          Charts{' '}
          <select value={layout} onChange={(e) => setLayout(e.target.value as Layout)} aria-label="Chart layout">
            <option value="metric">one per metric</option>
            <option value="gpu">one per GPU and metric</option>
          </select>
        </label>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => void exportCsv()}>
          Export CSV
        </button>
        <button type="button" className="secondary" onClick={() => void exportPng()}>
          Export PNG
        </button>
      </div>
      {liveBlockedBy ? (
        <p className="small" data-testid="live-blocked">
          Live telemetry is off: {liveBlockedBy}. The history below is this console&apos;s own record.
        </p>
      ) : null}
      <ErrorNote error={error} />
      <div ref={charts}>
        {range === 'live' ? (
          <LiveTelemetry node={node} layout={layout} />
        ) : (
          <HistoryCharts node={node} range={range} layout={layout} width={() => charts.current?.clientWidth} />
        )}
      </div>
    </section>
  );
}

/**
 * Points to ask for: one bucket (its minimum and maximum, two points) per pixel of one chart's plot.
 * The charts sit in a grid of columns at least 360 px wide (app.css .charts, 12 px apart); each
 * plot loses its 44 px value axis and 8 px of margin. More points than pixels only cost drawing.
 */
export function chartPoints(areaPx: number): number {
  const columns = Math.max(1, Math.floor((areaPx + 12) / (360 + 12)));
  const plotPx = (areaPx - 12 * (columns - 1)) / columns - 52;
  return Math.min(2000, Math.max(200, Math.round(2 * plotPx)));
}

/** Charts from Prometheus when Settings names one, else (and offline) from local history; each says its source. */
function HistoryCharts({
  node,
  range,
  layout,
  width,
}: {
  node: string;
  range: HistoryRange;
  layout: Layout;
  /** The charts' area now, in CSS pixels. */
  width: () => number | undefined;
}) {
  const [data, setData] = useState<ResponseOf<'telemetry.history'>>();
  const [error, setError] = useState<AppError>();
  useEffect(() => {
    let live = true;
    const maxPoints = chartPoints(width() ?? window.innerWidth);
    const load = () =>
      void bridge.invoke('telemetry.history', { node, range, maxPoints }).then((r) => {
        if (!live) return;
        if (r.ok) setData(r.value);
        else setError(r.error);
      });
    load();
    const t = setInterval(load, range === '1h' ? 10_000 : 60_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [node, range]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p className="small">Loading history…</p>;
  // From the data shown, not the range just clicked: until the new range's data arrives the charts
  // keep the old data, and relabelling their ticks meanwhile redrew every chart for nothing.
  const long = data.to - data.from > 3 * 86_400_000;
  const resolution = { raw: 'every sample', '1m': '1-minute rollups (min/max kept)', '1h': '1-hour rollups (min/max kept)' }[
    data.resolution
  ];
  return (
    <div className="charts" data-testid="history-charts" data-points={data.points.length}>
      <p className="small">
        {data.source === 'prometheus' ? `From Prometheus, a point every ${data.stepS} s` : `From local history, ${resolution}`}:{' '}
        {formatTime(data.from)} – {formatTime(data.to)}. {data.fallback ? `${data.fallback}. ` : ''}
        {data.points.length === 0 ? 'No samples in this range.' : `${data.points.length} points drawn.`}
      </p>
      <GpuCharts data={data.points} gpus={data.gpus} layout={layout} long={long} />
      {data.latency.map((l) => (
        <TimeChart
          key={l.endpoint}
          title={`${l.endpoint} latency (ms)`}
          data={l.points}
          domain={[0, 'auto']}
          long={long}
          threshold={l.objectiveMs !== null ? { value: l.objectiveMs, label: `SLO ${l.objectiveMs} ms` } : undefined}
          lines={LATENCY_LINES}
        />
      ))}
    </div>
  );
}
