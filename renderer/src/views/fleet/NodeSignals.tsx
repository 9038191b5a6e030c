import { useState } from 'react';
import type { TelemetryFrame } from '../../../../shared/telemetry.js';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import { formatTime } from '../../time';
import { xidRunbook } from '../../../../shared/xid-runbook.js';

const ms = (x: number | null) => (x === null ? '—' : `${Math.round(x)} ms`);
const rate = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)}×`);

/** The node's inference endpoints (with their SLO), managed containers and recent Xid events. */
export function NodeSignals({ frame }: { frame: TelemetryFrame | undefined }) {
  const [log, setLog] = useState<{ container: string; text: string }>();
  if (!frame) return null;
  const showLog = async (deployment: string, container: string) => {
    const r = await bridge.invoke('deploy.logs', { name: deployment, node: frame.node, tail: 200 });
    setLog({ container, text: r.ok ? r.value.text || '(empty)' : `${r.error.message}. ${r.error.action}` });
  };
  const endpoints = frame.endpoints ?? [];
  return (
    <>
      {endpoints.length ? (
        <table className="data-table" data-testid="endpoints">
          <caption>Inference endpoints (5-minute window; burn rate 5 min / 1 h)</caption>
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Last probe</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
              <th className="num">p99</th>
              <th className="num">Available</th>
              <th>Objective</th>
              <th className="num">Burn rate</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr key={`${e.name}/${e.probe ?? 'oip'}`} data-endpoint={e.name} data-probe={e.probe ?? 'oip'}>
                <td>
                  {e.name}
                  {e.probe === 'dicom' ? <span className="small"> · DICOM round trip (study in → AI result)</span> : null}
                  {e.model ? <span className="small"> · {e.model}</span> : null}
                </td>
                <td>
                  {e.lastOk === null ? (
                    <StatusBadge kind="pending" label="waiting" />
                  ) : e.lastOk ? (
                    <StatusBadge kind="ok" label={ms(e.lastMs)} />
                  ) : (
                    <StatusBadge kind="error" label="failing" title={e.lastError} />
                  )}
                  {e.lastOk === false && e.lastError ? <div className="small">{e.lastError}</div> : null}
                </td>
                <td className="num">{ms(e.p50Ms)}</td>
                <td className="num">{ms(e.p95Ms)}</td>
                <td className="num">{ms(e.p99Ms)}</td>
                <td className="num">{e.availabilityPct === null ? '—' : `${e.availabilityPct.toFixed(2)} %`}</td>
                <td>
                  {e.objective ?? 'none (no workload profile)'}{' '}
                  {e.meetsSlo === null ? null : e.meetsSlo ? (
                    <StatusBadge kind="ok" label="met" />
                  ) : (
                    <StatusBadge kind="error" label="missed" />
                  )}
                </td>
                <td className="num">
                  {rate(e.burnRateShort)} / {rate(e.burnRateLong)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {frame.dropped || frame.rejected ? (
        <p className="small" role="status" data-testid="dropped">
          <StatusBadge kind="warn" label="node output dropped" /> This node sent more than Edgeward keeps for one node
          {frame.dropped
            ? `: ${frame.dropped.gpus} GPU sample(s) beyond 16 GPUs, ${frame.dropped.containers} container(s) beyond 256, ${frame.dropped.xids} Xid event(s) beyond 100`
            : ''}
          {frame.rejected ? ` · ${frame.rejected} line(s) refused (too long, not JSON or not a known frame)` : ''}. Check the agent and the
          node&apos;s tools (nvidia-smi, the container runtime).
        </p>
      ) : null}
      {frame.containers ? (
        <table className="data-table" data-testid="containers">
          <caption>
            Managed containers ({frame.containers.runtime === 'none' ? 'no container runtime on the node' : frame.containers.runtime}
            {frame.containers.at ? `, as of ${formatTime(frame.containers.at)}` : ''})
          </caption>
          <thead>
            <tr>
              <th>Container</th>
              <th>State</th>
              <th>Health</th>
              <th className="num">Restarts</th>
              <th>Deployment / revision</th>
              <th>Image</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {frame.containers.list.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>
                  <StatusBadge kind={c.state === 'running' ? 'ok' : c.state === 'restarting' ? 'warn' : 'error'} label={c.state} />
                </td>
                <td>{c.health || '—'}</td>
                <td className="num">{c.restarts}</td>
                <td>
                  {c.deployment} / {c.revision}
                </td>
                <td className="small">{c.image}</td>
                <td>
                  {/^[a-z0-9][a-z0-9-]{0,47}$/.test(c.deployment) ? (
                    <button type="button" className="secondary" onClick={() => void showLog(c.deployment, c.name)}>
                      Logs
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {frame.containers.list.length === 0 ? (
              <tr>
                <td colSpan={7} className="table-empty">
                  No containers deployed by Edgeward on this node.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : null}
      {log ? (
        <div>
          <div className="row">
            <strong>Log of {log.container}</strong>
            <span className="spacer" />
            <button type="button" className="secondary" onClick={() => setLog(undefined)}>
              Close log
            </button>
          </div>
          <pre className="output">{log.text}</pre>
        </div>
      ) : null}
      {frame.xid ? (
        <div data-testid="xid">
          {frame.xid.available === false ? <p className="small">{frame.xid.message}</p> : null}
          {frame.xid.recent.length ? (
            <ul className="small">
              {frame.xid.recent.map((x) => (
                <li key={`${x.at}-${x.code}-${x.pci}`}>
                  {formatTime(x.at)} · {x.gpu !== null ? `GPU ${x.gpu}` : x.pci} · Xid {x.code}: {x.text}
                  {xidRunbook(x.code) ? <div>Do now: {xidRunbook(x.code)!.immediate.action}</div> : null}
                </li>
              ))}
            </ul>
          ) : frame.xid.available ? (
            <p className="small">No Xid events in the last 10 minutes.</p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
