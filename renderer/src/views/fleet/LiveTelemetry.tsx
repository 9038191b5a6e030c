import { StatusBadge } from '../../components/StatusBadge';
import { useStream } from '../../hooks/useBridge';
import { LiveCharts } from './LiveCharts';
import { NodeSignals } from './NodeSignals';
import type { Layout } from './TimeChart';
import { clockEventReasons } from '../../../../shared/throttle.js';
import { ageText } from '../../../../shared/age.js';
import type { TelemetryFrame } from '../../../../shared/telemetry.js';
import { useEffect, useState } from 'react';
import { bridge } from '../../bridge';
import { formatTime } from '../../time';

/** The node's last known frame from the local history, fetched when it is needed (not live). */
function useLastFrame(node: string, wanted: boolean): { at: number; frame: TelemetryFrame } | undefined {
  const [known, setKnown] = useState<{ at: number; frame: TelemetryFrame }>();
  useEffect(() => {
    if (!wanted) return;
    let alive = true;
    void bridge.invoke('telemetry.lastFrame', { node }).then((r) => alive && r.ok && setKnown(r.value.known ?? undefined));
    return () => {
      alive = false;
    };
  }, [node, wanted]);
  return known;
}

const v = (x: number | null, unit = '') => (x === null ? '—' : `${x}${unit}`);

/** The node's GPUs as they are now; watching this panel keeps the node's agent session running. */
export function LiveTelemetry({ node, layout }: { node: string; layout: Layout }) {
  const { frame: live, error } = useStream('telemetry.node', { node });
  const session = live?.session ?? 'starting';
  // Not live: the last known state, with its age, greyed; never an empty page.
  const last = useLastFrame(node, session !== 'live');
  if (error) return <p role="alert">{error.message}</p>;
  const stale = session !== 'live' && last !== undefined && (live?.gpus.length ?? 0) === 0;
  const frame = stale ? { ...last.frame, session } : live;
  return (
    <section className="card" aria-label="Live telemetry" data-testid="live-telemetry" data-session={session}>
      <div className="row">
        <h2>Live</h2>
        <StatusBadge
          kind={session === 'live' ? 'ok' : session === 'lost' ? 'offline' : 'pending'}
          label={session === 'live' ? 'Live' : session === 'lost' ? 'No data (reconnecting)' : 'Starting'}
        />
        {frame && frame.gpuHealth !== 'ok' && frame.gpuHealth !== 'unknown' ? (
          <StatusBadge kind="error" label={`GPU ${frame.gpuHealth}`} title={frame.gpuMessage} />
        ) : null}
        {frame?.host ? (
          <span className="small">
            load {frame.host.load1} · memory {v(frame.host.memUsedPct, '%')} · {frame.host.diskFreeGiB} GiB free
          </span>
        ) : null}
      </div>
      {live?.gpuMessage ? <p className="small">{live.gpuMessage}</p> : null}
      {stale ? (
        <p className="small" data-testid="last-known">
          Last known, {ageText(Date.now() - last.at)} ({formatTime(last.at)}): not current.
        </p>
      ) : null}
      <table className={stale ? 'data-table stale' : 'data-table'}>
        <thead>
          <tr>
            <th>GPU</th>
            <th>Model</th>
            <th className="num">Util</th>
            <th className="num">Memory</th>
            <th className="num">Temp</th>
            <th className="num">Power</th>
            <th className="num">SM clock</th>
            <th>P-state</th>
            <th className="num">ECC corr. / uncorr.</th>
            <th>PCIe</th>
            <th>Clocks held back by</th>
          </tr>
        </thead>
        <tbody>
          {(frame?.gpus ?? []).map((g) => (
            <tr key={g.index} data-gpu={g.index} data-sampled={g.sampledAt ?? undefined}>
              <td>{g.index}</td>
              <td>{g.name}</td>
              <td className="num">{v(g.utilGpu, ' %')}</td>
              <td className="num">
                {v(g.memUsedMiB)} / {v(g.memTotalMiB)} MiB
              </td>
              <td className="num" data-testid={`temp-${g.index}`}>
                {v(g.tempC, ' °C')}
              </td>
              <td className="num">{v(g.powerW, ' W')}</td>
              <td className="num">{v(g.smClockMHz, ' MHz')}</td>
              <td>{g.pstate ?? '—'}</td>
              <td className="num">
                {v(g.eccCorrected)} / {v(g.eccUncorrected)}
              </td>
              <td>
                Gen{v(g.pcieGen)} x{v(g.pcieWidth)}
              </td>
              <td data-testid={`throttle-${g.index}`}>{clockEventReasons(g.throttleReasons).join(', ') || 'nothing'}</td>
            </tr>
          ))}
          {frame && frame.gpus.length === 0 ? (
            <tr>
              <td colSpan={11} className="table-empty">
                {session === 'live' ? 'No GPU samples right now.' : 'No current data; nothing shown is invented.'}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <NodeSignals frame={frame} />
      <LiveCharts frame={live} layout={layout} />
    </section>
  );
}
