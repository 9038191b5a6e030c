import { useEffect, useRef, useState } from 'react';
import type { TelemetryFrame } from '../../../../shared/telemetry.js';
import { dicomSeries } from '../../../../shared/clinical/dicom-target.js';
import { GpuCharts, LATENCY_LINES, TimeChart, type Layout } from './TimeChart';

/** Points kept for the live window (at 4 frames a second, about two minutes). */
const WINDOW = 480;
/**
 * Charts redraw once a second, a quarter of them every 250 ms (the tables above them update with
 * every frame): one recharts redraw costs a few milliseconds per chart, so 16 at once would drop
 * frames, four at a time do not.
 */
const GROUPS = 4;
/** An endpoint's OIP probe and its DICOM round trip are two series (endpoint names have no "/"). */
const seriesKey = (e: NonNullable<TelemetryFrame['endpoints']>[number]) => (e.probe === 'dicom' ? dicomSeries(e.name) : e.name);
const TICK_MS = 250;

type Point = Record<string, number | null>;

/**
 * The live window as charts. A frame without data (session lost) adds a point of nulls, so the line
 * breaks there: a gap is drawn as a gap, never bridged. Endpoints get a latency chart with the SLO line.
 */
export function LiveCharts({ frame, layout }: { frame: TelemetryFrame | undefined; layout: Layout }) {
  const [drawn, setDrawn] = useState<Point[][]>(() => Array.from({ length: GROUPS }, () => []));
  const buffer = useRef<Point[]>([]);
  const gpus = useRef(new Set<number>());
  useEffect(() => {
    let group = 0;
    const t = setInterval(() => {
      group = (group + 1) % GROUPS;
      const g = group;
      setDrawn((prev) => (prev[g] === buffer.current ? prev : prev.map((d, i) => (i === g ? buffer.current : d))));
    }, TICK_MS);
    return () => clearInterval(t);
  }, []);
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
      const k = seriesKey(e);
      p[`${k}:p50`] = live ? e.p50Ms : null;
      p[`${k}:p95`] = live ? e.p95Ms : null;
      p[`${k}:p99`] = live ? e.p99Ms : null;
    }
    buffer.current = [...buffer.current.slice(-(WINDOW - 1)), p];
  }, [frame]);
  const indexes = [...gpus.current].sort((a, b) => a - b);
  if (Math.max(...drawn.map((d) => d.length)) < 2) return null;
  const dataFor = (chart: number) => drawn[chart % GROUPS]!;
  const gpuCharts = layout === 'metric' ? 4 : indexes.length * 4;
  return (
    <div className="charts" data-testid="live-charts">
      <GpuCharts data={dataFor} gpus={indexes} layout={layout} />
      {(frame?.endpoints ?? []).map((e, i) => (
        <TimeChart
          key={seriesKey(e)}
          title={`${e.name} ${e.probe === 'dicom' ? 'DICOM round trip' : 'latency'} (ms, 5-minute window)`}
          data={dataFor(gpuCharts + i)}
          domain={[0, 'auto']}
          threshold={e.objectiveMs !== null ? { value: e.objectiveMs, label: e.objective ?? 'SLO' } : undefined}
          lines={LATENCY_LINES.map((l) => ({ ...l, key: `${seriesKey(e)}:${l.key}` }))}
        />
      ))}
    </div>
  );
}
