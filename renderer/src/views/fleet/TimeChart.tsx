import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TimeZoneSetting } from '../../../../shared/time-format.js';
import { displayTimeZone, formatTime } from '../../time';

export const GPU_COLORS = ['#2f7ed8', '#e4572e', '#29a35a', '#9c6ade', '#d4a017', '#17a2b8', '#c2185b', '#6d7b8d'];

// One formatter each, made once: toLocaleTimeString builds a new Intl formatter per call, and 16
// live charts call it for every tick of every update.
// Per clock (local or UTC, as the settings say), 24-hour like every other time on screen.
const formats = (zone: TimeZoneSetting) => {
  const tz = zone === 'utc' ? { timeZone: 'UTC' } : {};
  return {
    TIME: new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', ...tz }),
    DAY: new Intl.DateTimeFormat([], { month: 'short', day: 'numeric', ...tz }),
  };
};
const BY_ZONE = { local: formats('local'), utc: formats('utc') };

export interface ChartLine {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
}

type Domain = [number | 'auto' | 'dataMin' | 'dataMax', number | 'auto' | 'dataMin' | 'dataMax'];

/**
 * One time-series chart as every view draws them: no animation (data arrives several times a
 * second), nulls break the line (a gap stays a gap), an optional objective line (the SLO).
 */
function TimeChartView({
  title,
  data,
  lines,
  domain = ['auto', 'auto'],
  height = 160,
  threshold,
  long = false,
}: {
  title: string;
  data: readonly Record<string, number | null>[];
  lines: readonly ChartLine[];
  domain?: Domain;
  height?: number;
  threshold?: { value: number; label: string } | undefined;
  /** Ranges over a day label dates, not times. */
  long?: boolean;
}) {
  const { TIME, DAY } = BY_ZONE[displayTimeZone()];
  const fmt = (t: number) => (long ? DAY.format(t) : TIME.format(t));
  return (
    <figure className="chart" aria-label={title} data-testid="chart">
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data as Record<string, number | null>[]} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} tickFormatter={fmt} stroke="var(--text-muted)" fontSize={11} />
          <YAxis domain={domain} stroke="var(--text-muted)" fontSize={11} width={44} />
          <Tooltip labelFormatter={(t) => formatTime(Number(t))} />
          <Legend />
          {threshold ? (
            <ReferenceLine
              y={threshold.value}
              stroke="var(--error)"
              strokeDasharray="6 3"
              label={{ value: threshold.label, fontSize: 11, fill: 'var(--error)' }}
            />
          ) : null}
          {lines.map((l) => (
            <Line
              key={l.key}
              type="linear"
              dataKey={l.key}
              name={l.name}
              stroke={l.color}
              {...(l.dashed ? { strokeDasharray: '4 2' } : {})}
              dot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

type TimeChartProps = Parameters<typeof TimeChartView>[0];

/** Redraws only when its data or its shape changed (the live view hands over new data a chart at a time). */
export const TimeChart = memo(
  TimeChartView,
  (a: TimeChartProps, b: TimeChartProps) =>
    a.data === b.data &&
    a.title === b.title &&
    a.height === b.height &&
    a.long === b.long &&
    a.threshold?.value === b.threshold?.value &&
    a.lines.length === b.lines.length &&
    a.lines.every((l, i) => l.key === b.lines[i]!.key),
);

export const METRICS = [
  { key: 'util', label: 'Utilization (%)', domain: [0, 100] as Domain },
  { key: 'temp', label: 'Temperature (°C)', domain: ['auto', 'auto'] as Domain },
  { key: 'power', label: 'Power (W)', domain: [0, 'auto'] as Domain },
  { key: 'mem', label: 'Memory used (MiB)', domain: [0, 'auto'] as Domain },
] as const;

export type Layout = 'metric' | 'gpu';

type Rows = readonly Record<string, number | null>[];

/**
 * GPU charts for rows with util0/temp0/… columns: one chart per metric (a line per GPU) or per GPU
 * and metric. `data` is one array for all, or each chart's own (by position) when they redraw in turns.
 */
export function GpuCharts({
  data,
  gpus,
  layout,
  long,
}: {
  data: Rows | ((chart: number) => Rows);
  gpus: readonly number[];
  layout: Layout;
  long?: boolean;
}) {
  const rows = (chart: number) => (typeof data === 'function' ? data(chart) : data);
  if (layout === 'metric') {
    return (
      <>
        {METRICS.map((m, c) => (
          <TimeChart
            key={m.key}
            title={m.label}
            data={rows(c)}
            domain={m.domain}
            long={long ?? false}
            lines={gpus.map((i) => ({ key: `${m.key}${i}`, name: `GPU ${i}`, color: GPU_COLORS[i % GPU_COLORS.length]! }))}
          />
        ))}
      </>
    );
  }
  return (
    <>
      {gpus.flatMap((i, g) =>
        METRICS.map((m, c) => (
          <TimeChart
            key={`${i}-${m.key}`}
            title={`GPU ${i} · ${m.label}`}
            data={rows(g * METRICS.length + c)}
            domain={m.domain}
            height={120}
            long={long ?? false}
            lines={[{ key: `${m.key}${i}`, name: `GPU ${i}`, color: GPU_COLORS[i % GPU_COLORS.length]! }]}
          />
        )),
      )}
    </>
  );
}

export const LATENCY_LINES: ChartLine[] = [
  { key: 'p50', name: 'p50', color: '#29a35a' },
  { key: 'p95', name: 'p95', color: '#d4a017' },
  { key: 'p99', name: 'p99', color: '#e4572e', dashed: true },
];
