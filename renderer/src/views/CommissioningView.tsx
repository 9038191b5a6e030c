import { useCallback, useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import type { AppError } from '../../../shared/errors.js';
import { sessionVerdict, type CommissionSession, type SectionState } from '../../../shared/commission/session.js';
import { bridge } from '../bridge';
import { ErrorNote } from '../components/ErrorNote';
import { ProgressTask } from '../components/ProgressTask';
import { StatusBadge } from '../components/StatusBadge';
import { useYamlProblems, YamlProblemList } from '../components/YamlProblems';
import { useFleet } from '../hooks/useFleet';
import { navigate } from '../hooks/useRoute';

const EXAMPLE = `name: Radiology 4 x L40S
gpu: {model: L40S, count: 4, minMemoryMiB: 46000}
driverMin: "550.54"
cudaMin: "12.4"
pcie: {gen: 4, width: 16}
idle: {maxTempC: 60}
modelVolume: {path: /srv/models, minFreeGiB: 1500}
minMemoryGiB: 256
maxClockSkewMs: 500
# testImage: registry.hospital.local/ai/gpu-test:1
# load: {seconds: 30, command: [gpu-burn, "30"], maxTempC: 85}
# dns: [pacs.hospital.local]
# hub: {url: "https://hub.hospital.local/", maxLatencyMs: 50}
# dicom: {host: pacs.hospital.local, port: 104, calledAE: PACS}
# fhir: {baseUrl: "https://ehr.hospital.local/fhir"}
`;
const BADGE = { pass: 'ok', warn: 'warn', fail: 'error' } as const;
const SECTION_BADGE = { pending: 'pending', running: 'pending', done: 'ok', failed: 'error', cancelled: 'warn' } as const;
type Reports = ResponseOf<'commission.reports'>['reports'];

/**
 * A field tech's checklist: pick the node (added in Fleet, also by address over a laptop link), paste
 * the expected profile, run the checks section by section (stoppable), re-run what failed, override
 * a failure only with a reason, and sign off: the report's hash goes into the audit log. A
 * commissioning cut short resumes; signed-off ones stay reviewable offline.
 */
export function CommissioningView() {
  const fleet = useFleet();
  const [node, setNode] = useState('');
  const [profile, setProfile] = useState(EXAMPLE);
  const [session, setSession] = useState<CommissionSession | null>(null);
  const [running, setRunning] = useState(false);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [error, setError] = useState<AppError>();
  const [reports, setReports] = useState<Reports>([]);
  // Checked as typed, like deployment specs: a bad profile never reaches a node.
  const problems = useYamlProblems(profile, async (text) => {
    const r = await bridge.invoke('commission.validate', { profile: text });
    return r.ok ? r.value.problems : undefined;
  });

  const refresh = useCallback(async (n: string, id?: string) => {
    const r = await bridge.invoke('commission.session', id ? { node: n, id } : { node: n });
    if (r.ok) {
      setSession(r.value.session);
      setRunning(r.value.running);
    }
    const rep = await bridge.invoke('commission.reports', { node: n });
    if (rep.ok) setReports(rep.value.reports);
  }, []);

  useEffect(() => {
    setSession(null);
    setError(undefined);
    if (!node) return;
    void refresh(node);
    return bridge.subscribe('commission.session', { node }, (s) => {
      setSession(s);
      setRunning(s.sections.some((x) => x.status === 'running'));
    });
  }, [node, refresh]);

  const act = async (work: () => Promise<{ ok: true; value: unknown } | { ok: false; error: AppError }>) => {
    setError(undefined);
    const r = await work();
    if (!r.ok) setError(r.error);
    else if (node) void refresh(node);
  };

  const open = session !== null && session.signoff === null;
  const verdict = session ? sessionVerdict(session) : undefined;
  const doneCount = session?.sections.filter((x) => x.status === 'done').length ?? 0;
  const current = session?.sections.find((x) => x.status === 'running');
  const unfinished = open && !running && session.sections.some((x) => x.status !== 'done');
  const anyFailed = session?.sections.some((x) => x.results.some((r) => r.verdict === 'fail')) ?? false;

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
        <p className="small">
          A new server not in the list yet (reached by its address over the laptop link, or through a site gateway):{' '}
          <button type="button" className="secondary" onClick={() => navigate('fleet', 'add')}>
            Add it by address
          </button>
        </p>
        <label>
          Expected hardware profile (YAML)
          <textarea
            rows={12}
            spellCheck={false}
            value={profile}
            onChange={(e) => setProfile(e.target.value)}
            aria-label="Hardware profile"
            aria-invalid={problems.length > 0}
          />
        </label>
        <YamlProblemList problems={problems} testId="profile-problems" />
        <div className="row">
          <button
            type="button"
            disabled={!node || running || problems.length > 0}
            onClick={() => void act(() => bridge.invoke('commission.start', { node, profile }))}
          >
            Run the checks
          </button>
          {unfinished ? (
            <button type="button" onClick={() => void act(() => bridge.invoke('commission.rerun', { node, which: 'remaining' }))}>
              Resume ({session.sections.length - doneCount} left)
            </button>
          ) : null}
          {open && !running && anyFailed ? (
            <button type="button" onClick={() => void act(() => bridge.invoke('commission.rerun', { node, which: 'failed' }))}>
              Re-run failed checks
            </button>
          ) : null}
        </div>
        <ErrorNote error={error} />
      </section>

      {session ? (
        <section className="card" aria-label="Commissioning progress">
          <h2>
            {session.profileName} on {session.node}{' '}
            {verdict && verdict !== 'incomplete' ? (
              <StatusBadge kind={BADGE[verdict]} label={`Verdict: ${verdict.toUpperCase()}`} />
            ) : (
              <StatusBadge kind="pending" label="Not finished" />
            )}
          </h2>
          <p className="small">
            Started {new Date(session.startedAt).toLocaleString()}
            {session.signoff
              ? ` · signed off by ${session.signoff.by} ${new Date(session.signoff.at).toLocaleString()}`
              : ' · not signed off'}
          </p>
          {running ? (
            <ProgressTask
              label={current ? `Checking: ${current.title}` : 'Checking…'}
              done={doneCount}
              total={session.sections.length}
              state="running"
              onCancel={() => void act(() => bridge.invoke('commission.cancel', { node }))}
            />
          ) : null}
          <ol className="small" aria-label="Sections">
            {session.sections.map((x) => (
              <SectionLine key={x.id} section={x} accepted={new Set(session.overrides.map((o) => o.id))} />
            ))}
          </ol>
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
              {session.sections
                .flatMap((x) => x.results)
                .map((c) => {
                  const o = session.overrides.find((x) => x.id === c.id);
                  return (
                    <tr key={c.id} data-check={c.id} data-verdict={c.verdict}>
                      <td>{c.title}</td>
                      <td>
                        <StatusBadge kind={BADGE[c.verdict]} label={o ? `${c.verdict}, overridden` : c.verdict} />
                      </td>
                      <td>{c.expected}</td>
                      <td className="small">{c.evidence}</td>
                      <td>
                        {o ? (
                          <span className="small">
                            {o.reason} ({o.by})
                          </span>
                        ) : c.verdict === 'fail' && open && !running ? (
                          <span className="row">
                            <input
                              aria-label={`Reason to accept ${c.title}`}
                              placeholder="why this is acceptable (10+ characters)"
                              value={reasons[c.id] ?? ''}
                              onChange={(e) => setReasons({ ...reasons, [c.id]: e.target.value })}
                            />
                            <button
                              type="button"
                              disabled={(reasons[c.id] ?? '').trim().length < 10}
                              onClick={() =>
                                void act(() => bridge.invoke('commission.override', { node, check: c.id, reason: reasons[c.id] ?? '' }))
                              }
                            >
                              Accept
                            </button>
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
          {open && !running && verdict !== 'incomplete' ? (
            <div className="row">
              <button type="button" onClick={() => void act(() => bridge.invoke('commission.signoff', { node }))}>
                Sign off as {verdict?.toUpperCase()}
              </button>
              <span className="small">
                Writes the acceptance report; its SHA-256 goes into the audit log. The commissioning is then closed.
              </span>
            </div>
          ) : null}
          {session.signoff ? (
            <p className="small" data-testid="commission-report">
              Report: <code>{session.signoff.reportFile}</code> · SHA-256 <code>{session.signoff.reportSha256}</code>, recorded in the audit
              log. Print it to PDF from a browser; check any copy with <code>edgeward commission verify FILE</code>.
            </p>
          ) : null}
        </section>
      ) : null}

      {reports.length ? (
        <section className="card" aria-label="Reports">
          <h2>Signed-off commissionings of {node}</h2>
          <table className="data-table">
            <thead>
              <tr>
                <th>Signed</th>
                <th>By</th>
                <th>Verdict</th>
                <th>Report</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={r.sessionId}>
                  <td>{new Date(r.signedAt).toLocaleString()}</td>
                  <td>{r.by}</td>
                  <td>
                    <StatusBadge kind={BADGE[r.verdict]} label={r.verdict} />
                  </td>
                  <td className="small">
                    <code>{r.file}</code>
                  </td>
                  <td>
                    <button type="button" onClick={() => void refresh(node, r.sessionId)}>
                      Review
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

function SectionLine({ section: x, accepted }: { section: SectionState; accepted: ReadonlySet<string> }) {
  const failed = x.results.filter((r) => r.verdict === 'fail');
  const word = failed.some((r) => !accepted.has(r.id))
    ? 'FAIL'
    : failed.length
      ? 'FAIL, accepted'
      : x.results.some((r) => r.verdict === 'warn')
        ? 'WARN'
        : 'PASS';
  return (
    <li data-section={x.id} data-status={x.status}>
      <StatusBadge kind={SECTION_BADGE[x.status]} label={x.status} /> {x.title}
      {x.status === 'done' ? ` — ${word}` : ''}
      {x.error ? <span className="small"> — {x.error}</span> : null}
    </li>
  );
}
