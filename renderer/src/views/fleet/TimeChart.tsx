import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export const GPU_COLORS = ['#2f7ed8', '#e4572e', '#29a35a', '#9c6ade', '#d4a017', '#17a2b8', '#c2185b', '#6d7b8d'];

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
export function TimeChart({
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
  const fmt = (t: number) =>
    long ? new Date(t).toLocaleDateString([], { month: 'short', day: 'numeric' }) : new Date(t).toLocaleTimeString();
  return (
    <figure className="chart" aria-label={title} data-testid="chart">
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data as Record<string, number | null>[]} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} tickFormatter={fmt} stroke="var(--text-muted)" fontSize={11} />
          <YAxis domain={domain} stroke="var(--text-muted)" fontSize={11} width={44} />
          <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
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

export const METRICS = [
  { key: 'util', label: 'Utilization (%)', domain: [0, 100] as Domain },
  { key: 'temp', label: 'Temperature (°C)', domain: ['auto', 'auto'] as Domain },
  { key: 'power', label: 'Power (W)', domain: [0, 'auto'] as Domain },
  { key: 'mem', label: 'Memory used (MiB)', domain: [0, 'auto'] as Domain },
] as const;

export type Layout = 'metric' | 'gpu';

/** GPU charts for rows with util0/temp0/… columns: one chart per metric (a line per GPU) or per GPU and metric. */
export function GpuCharts({
  data,
  gpus,
  layout,
  long,
}: {
  data: readonly Record<string, number | null>[];
  gpus: readonly number[];
  layout: Layout;
  long?: boolean;
}) {
  if (layout === 'metric') {
    return (
      <>
        {METRICS.map((m) => (
          <TimeChart
            key={m.key}
            title={m.label}
            data={data}
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
      {gpus.flatMap((i) =>
        METRICS.map((m) => (
          <TimeChart
            key={`${i}-${m.key}`}
            title={`GPU ${i} · ${m.label}`}
            data={data}
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
