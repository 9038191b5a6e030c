import { useEffect, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TelemetryFrame } from '../../../../shared/telemetry.js';

/** Points kept for the live window (at 4 frames a second, about two minutes). */
const WINDOW = 480;
const COLORS = ['#2f7ed8', '#e4572e', '#29a35a', '#9c6ade', '#d4a017', '#17a2b8', '#c2185b', '#6d7b8d'];

type Point = { t: number } & Record<string, number | null>;
const METRICS = [
  { key: 'util', label: 'Utilization (%)', pick: (g: TelemetryFrame['gpus'][number]) => g.utilGpu, domain: [0, 100] as [number, number] },
  {
    key: 'temp',
    label: 'Temperature (°C)',
    pick: (g: TelemetryFrame['gpus'][number]) => g.tempC,
    domain: ['auto', 'auto'] as unknown as [number, number],
  },
  {
    key: 'power',
    label: 'Power (W)',
    pick: (g: TelemetryFrame['gpus'][number]) => g.powerW,
    domain: [0, 'auto'] as unknown as [number, number],
  },
  {
    key: 'mem',
    label: 'Memory used (MiB)',
    pick: (g: TelemetryFrame['gpus'][number]) => g.memUsedMiB,
    domain: [0, 'auto'] as unknown as [number, number],
  },
] as const;

/**
 * The live window as charts, one line per GPU. A frame without data (session lost) adds a point of
 * nulls, so the line breaks there: a gap is drawn as a gap, never bridged.
 */
export function LiveCharts({ frame }: { frame: TelemetryFrame | undefined }) {
  const [points, setPoints] = useState<Point[]>([]);
  const gpus = useRef(new Set<number>());
  useEffect(() => {
    if (!frame || frame.session === 'starting') return;
    const p: Point = { t: frame.at };
    for (const g of frame.gpus) {
      gpus.current.add(g.index);
      for (const m of METRICS) p[`${m.key}${g.index}`] = m.pick(g);
    }
    if (frame.gpus.length === 0) for (const i of gpus.current) for (const m of METRICS) p[`${m.key}${i}`] = null;
    setPoints((prev) => [...prev.slice(-(WINDOW - 1)), p]);
  }, [frame]);
  const indexes = [...gpus.current].sort((a, b) => a - b);
  if (points.length < 2) return null;
  return (
    <div className="charts" data-testid="live-charts">
      {METRICS.map((m) => (
        <figure key={m.key} className="chart" aria-label={m.label}>
          <figcaption>{m.label}</figcaption>
          <ResponsiveContainer width="100%" height={160}>
            <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis
                dataKey="t"
                type="number"
                domain={['dataMin', 'dataMax']}
                tickFormatter={(t: number) => new Date(t).toLocaleTimeString()}
                stroke="var(--text-muted)"
                fontSize={11}
              />
              <YAxis domain={m.domain} stroke="var(--text-muted)" fontSize={11} width={44} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} />
              <Legend />
              {indexes.map((i) => (
                <Line
                  key={i}
                  type="linear"
                  dataKey={`${m.key}${i}`}
                  name={`GPU ${i}`}
                  stroke={COLORS[i % COLORS.length]}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </figure>
      ))}
    </div>
  );
}
