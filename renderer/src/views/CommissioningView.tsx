import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import type { AppError } from '../../../shared/errors.js';
import { bridge } from '../bridge';
import { ErrorNote } from '../components/ErrorNote';
import { StatusBadge } from '../components/StatusBadge';
import { useFleet } from '../hooks/useFleet';

const EXAMPLE = `name: Radiology 4 x L40S
gpu: {model: L40S, count: 4, minMemoryMiB: 46000}
driverMin: "550.54"
cudaMin: "12.4"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 60}
modelVolume: {path: /srv/models, minFreeGiB: 1500}
minMemoryGiB: 256
maxClockSkewMs: 500
`;
const BADGE = { pass: 'ok', warn: 'warn', fail: 'error' } as const;
type Run = ResponseOf<'commission.run'>;

/**
 * A field tech's checklist: pick the node (added in Fleet, also by address over a laptop link), paste
 * the expected profile, run the checks, override a failure only with a reason, and keep the report
 * whose hash the audit log holds.
 */
export function CommissioningView() {
  const fleet = useFleet();
  const [node, setNode] = useState('');
  const [profile, setProfile] = useState(EXAMPLE);
  const [run, setRun] = useState<Run>();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [error, setError] = useState<AppError>();
  const [busy, setBusy] = useState(false);
  const [reports, setReports] = useState<string[]>([]);
  useEffect(() => {
    if (!node) return;
    void bridge.invoke('commission.reports', { node }).then((r) => r.ok && setReports(r.value.reports));
  }, [node, run]);
  const start = async () => {
    setBusy(true);
    setError(undefined);
    const overrides = Object.entries(reasons)
      .filter(([, reason]) => reason.trim().length >= 10)
      .map(([id, reason]) => ({ id, reason: reason.trim() }));
    const r = await bridge.invoke('commission.run', { node, profile, overrides });
    setBusy(false);
    if (r.ok) setRun(r.value);
    else setError(r.error);
  };
  return (
    <div className="view">
      <header className="view-header">
        <h1>Commissioning</h1>
      </header>
      <section className="card form wide" aria-label="Commissioning checks">
        <label>
          Node
          <select value={node} onChange={(e) => setNode(e.target.value)} aria-label="Node to commission">
            <option value="">choose a node…</option>
            {(fleet.nodes ?? []).map((n) => (
              <option key={n.name} value={n.name}>
                {n.name} ({n.host})
              </option>
            ))}
          </select>
        </label>
        <label>
          Expected hardware profile (YAML)
          <textarea
            rows={12}
            spellCheck={false}
            value={profile}
            onChange={(e) => setProfile(e.target.value)}
            aria-label="Hardware profile"
          />
        </label>
        <div className="row">
          <button type="button" disabled={!node || busy} onClick={() => void start()}>
            {busy ? 'Checking…' : run ? 'Run the checks again' : 'Run the checks'}
          </button>
          {run ? <StatusBadge kind={BADGE[run.verdict]} label={`Verdict: ${run.verdict.toUpperCase()}`} /> : null}
        </div>
        <ErrorNote error={error} />
      </section>
      {run ? (
        <section className="card" aria-label="Results">
          <table className="data-table" data-testid="commission-results">
            <caption>Checks</caption>
            <thead>
              <tr>
                <th>Check</th>
                <th>Result</th>
                <th>Expected</th>
                <th>Evidence</th>
                <th>Override (reason, audited)</th>
              </tr>
            </thead>
            <tbody>
              {run.results.map((c) => (
                <tr key={c.id} data-check={c.id} data-verdict={c.verdict}>
                  <td>{c.title}</td>
                  <td>
                    <StatusBadge kind={BADGE[c.verdict]} label={c.verdict} />
                  </td>
                  <td>{c.expected}</td>
                  <td className="small">{c.evidence}</td>
                  <td>
                    {c.verdict === 'fail' ? (
                      <input
                        aria-label={`Reason to accept ${c.title}`}
                        placeholder="why this is acceptable (10+ characters)"
                        value={reasons[c.id] ?? ''}
                        onChange={(e) => setReasons({ ...reasons, [c.id]: e.target.value })}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small">
            Report: <code>{run.reportFile}</code> · SHA-256 <code>{run.reportSha256}</code>, recorded in the audit log. Print it to PDF from
            a browser; check any copy with <code>edgeward commission verify FILE</code>.
          </p>
        </section>
      ) : null}
      {reports.length ? (
        <section className="card" aria-label="Reports">
          <h2>Reports for {node}</h2>
          <ul className="small">
            {reports.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
