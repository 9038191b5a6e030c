import { useEffect, useRef, useState } from 'react';
import type { TelemetryFrame } from '../../../../shared/telemetry.js';
import { GpuCharts, LATENCY_LINES, TimeChart, type Layout } from './TimeChart';

/** Points kept for the live window (at 4 frames a second, about two minutes). */
const WINDOW = 480;

type Point = Record<string, number | null>;

/**
 * The live window as charts. A frame without data (session lost) adds a point of nulls, so the line
 * breaks there: a gap is drawn as a gap, never bridged. Endpoints get a latency chart with the SLO line.
 */
export function LiveCharts({ frame, layout }: { frame: TelemetryFrame | undefined; layout: Layout }) {
  const [points, setPoints] = useState<Point[]>([]);
  const gpus = useRef(new Set<number>());
  useEffect(() => {
    if (!frame || frame.session === 'starting') return;
    const p: Point = { ts: frame.at };
    for (const g of frame.gpus) {
      gpus.current.add(g.index);
      p[`util${g.index}`] = g.utilGpu;
      p[`temp${g.index}`] = g.tempC;
      p[`power${g.index}`] = g.powerW;
      p[`mem${g.index}`] = g.memUsedMiB;
    }
    if (frame.gpus.length === 0) for (const i of gpus.current) for (const m of ['util', 'temp', 'power', 'mem']) p[`${m}${i}`] = null;
    for (const e of frame.endpoints ?? []) {
      const live = frame.session === 'live';
      p[`${e.name}:p50`] = live ? e.p50Ms : null;
      p[`${e.name}:p95`] = live ? e.p95Ms : null;
      p[`${e.name}:p99`] = live ? e.p99Ms : null;
    }
    setPoints((prev) => [...prev.slice(-(WINDOW - 1)), p]);
  }, [frame]);
  const indexes = [...gpus.current].sort((a, b) => a - b);
  if (points.length < 2) return null;
  return (
    <div className="charts" data-testid="live-charts">
      <GpuCharts data={points} gpus={indexes} layout={layout} />
      {(frame?.endpoints ?? []).map((e) => (
        <TimeChart
          key={e.name}
          title={`${e.name} latency (ms, 5-minute window)`}
          data={points}
          domain={[0, 'auto']}
          threshold={e.objectiveMs !== null ? { value: e.objectiveMs, label: e.objective ?? 'SLO' } : undefined}
          lines={LATENCY_LINES.map((l) => ({ ...l, key: `${e.name}:${l.key}` }))}
        />
      ))}
    </div>
  );
}
