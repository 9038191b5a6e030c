import { useEffect, useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import type { DrillResult } from '../../../../shared/service/drill.js';
import { bridge } from '../../bridge';
import { ConfirmBox } from '../../components/ConfirmBox';
import { ErrorNote } from '../../components/ErrorNote';
import { ProgressTask } from '../../components/ProgressTask';
import { StatusBadge } from '../../components/StatusBadge';
import { useStream } from '../../hooks/useBridge';

/** A guided failover drill: pick the member and the time, watch it run (cancel any time), read the verdict and the report. */
export function DrillBox({ service, members, onEnded }: { service: string; members: string[]; onEnded: () => void }) {
  const [member, setMember] = useState(members[0] ?? '');
  const [seconds, setSeconds] = useState(30);
  const [outsideWindow, setOutsideWindow] = useState('');
  const [asking, setAsking] = useState(false);
  const [id, setId] = useState<string>();
  const [error, setError] = useState<AppError>();
  const [opened, setOpened] = useState<string>();
  const start = async () => {
    setAsking(false);
    setError(undefined);
    const r = await bridge.invoke('drill.start', {
      service,
      member,
      seconds,
      ...(outsideWindow.trim() ? { outsideWindow: outsideWindow.trim() } : {}),
    });
    if (r.ok) setId(r.value.id);
    else setError(r.error);
  };
  const openReport = async (drill: string) => {
    const r = await bridge.invoke('drill.report.open', { id: drill });
    if (!r.ok) return setError(r.error);
    const warn = r.value.intact ? '' : ' Warning: the file no longer matches the hash in the audit log.';
    if (r.value.url) {
      window.open(r.value.url, '_blank', 'noopener');
      setOpened(`Opened in a new tab. File: ${r.value.file}.${warn}`);
    } else setOpened(`Report: ${r.value.file}.${warn}`);
  };
  return (
    <section className="card" aria-label="Failover drill">
      <h3>Failover drill</h3>
      {id ? (
        <DrillRun id={id} onOpen={(x) => void openReport(x)} onEnded={onEnded} onAgain={() => setId(undefined)} />
      ) : (
        <div className="row">
          <label>
            Take out{' '}
            <select value={member} onChange={(e) => setMember(e.target.value)}>
              {members.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            for (s) <input type="number" min={5} max={600} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} />
          </label>
          <label>
            Reason to run outside the maintenance window (if it is closed){' '}
            <input value={outsideWindow} onChange={(e) => setOutsideWindow(e.target.value)} maxLength={500} />
          </label>
          <button type="button" disabled={!member || !(seconds >= 5 && seconds <= 600)} onClick={() => setAsking(true)}>
            Run drill…
          </button>
        </div>
      )}
      {asking ? (
        <ConfirmBox
          label="Confirm drill"
          confirm={`Stop ${member} for ${seconds} s`}
          onConfirm={() => void start()}
          onCancel={() => setAsking(false)}
        >
          <p>
            The container of {service} on {member} is stopped for {seconds} s while the front door and the other members are probed; then it
            is started again and checked ready. It is refused if the other members could not carry the service. Cancel puts it back at once.
          </p>
        </ConfirmBox>
      ) : null}
      <ErrorNote error={error} />
      {opened ? <p className="small">{opened}</p> : null}
    </section>
  );
}

function DrillRun({
  id,
  onOpen,
  onEnded,
  onAgain,
}: {
  id: string;
  onOpen: (id: string) => void;
  onEnded: () => void;
  onAgain: () => void;
}) {
  const { frame, error } = useStream('drill', { id });
  const result = frame?.result;
  // The service's members changed state: its view reads them again once the drill is over.
  useEffect(() => {
    if (result) onEnded();
  }, [result !== undefined]);
  const state = !frame || !result ? 'running' : result.cancelled ? 'cancelled' : result.verdict === 'pass' ? 'done' : 'failed';
  return (
    <div data-testid="drill">
      <ProgressTask
        label={`Drill: ${frame?.member ?? ''} out`}
        done={Math.round((frame?.progress ?? 0) * 100)}
        total={100}
        state={state}
        detail={frame ? `${frame.phase}: ${frame.detail} · ${frame.probes} probes, ${frame.failures} failed` : 'starting'}
        {...(!result ? { onCancel: () => void bridge.invoke('drill.cancel', { id }) } : {})}
      />
      <ErrorNote error={error} />
      {result ? <DrillVerdict r={result} onOpen={() => onOpen(id)} onAgain={onAgain} /> : null}
    </div>
  );
}

function DrillVerdict({ r, onOpen, onAgain }: { r: DrillResult; onOpen: () => void; onAgain: () => void }) {
  return (
    <div data-testid="drill-result">
      <p>
        <StatusBadge kind={r.verdict === 'pass' ? 'ok' : 'error'} label={r.verdict === 'pass' ? 'Drill passed' : 'Drill failed'} />{' '}
        {r.reasons.join('; ')} {r.restored ? `${r.member} is ready again.` : `${r.member} is NOT ready again: ${r.restoredDetail}`}
      </p>
      <table className="data-table" aria-label="Drill probes">
        <thead>
          <tr>
            <th scope="col">Probed</th>
            <th scope="col">Probes</th>
            <th scope="col">Failed</th>
            <th scope="col">p50</th>
            <th scope="col">p99</th>
          </tr>
        </thead>
        <tbody>
          {[...(r.frontDoor ? [r.frontDoor] : []), ...r.members].map((s) => (
            <tr key={s.target}>
              <td>{s.target}</td>
              <td>{s.probes}</td>
              <td>{s.failures}</td>
              <td>{s.p50Ms ?? '–'} ms</td>
              <td>{s.p99Ms ?? '–'} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" onClick={onOpen}>
          Open report
        </button>
        <span className="small">SHA-256 {r.sha256.slice(0, 16)}… recorded in the audit log</span>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={onAgain}>
          New drill
        </button>
      </div>
    </div>
  );
}
