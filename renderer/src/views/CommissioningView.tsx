import { useCallback, useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract/index.js';
import type { AppError } from '../../../shared/errors.js';
import { sessionVerdict, type CommissionSession, type SectionState } from '../../../shared/commission/session.js';
import { bridge } from '../bridge';
import { ErrorNote } from '../components/ErrorNote';
import { ProgressTask } from '../components/ProgressTask';
import { StatusBadge } from '../components/StatusBadge';
import { useYamlProblems } from '../components/YamlProblems';
import { useFleet } from '../hooks/useFleet';
import { navigate } from '../hooks/useRoute';
import { SignoffBox } from './commission/SignoffBox';
import { ProfileEditor } from './commission/ProfileEditor';
import { formatTime } from '../time';

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
  const [operatorName, setOperatorName] = useState('');
  const [opened, setOpened] = useState<string>();
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

  useEffect(() => {
    void bridge.invoke('settings.get', {}).then((r) => r.ok && setOperatorName(r.value.operatorName));
  }, []);
  // A browser gets a one-time link for a new tab; the desktop app prints a PDF and records its hash.
  const openReport = async (id: string) => {
    setOpened(undefined);
    const r = await bridge.invoke('commission.report.open', { node, id });
    if (!r.ok) return setError(r.error);
    const warn = r.value.intact ? '' : ' Warning: this report no longer matches the hash recorded at sign-off.';
    if (r.value.url) {
      window.open(r.value.url, '_blank', 'noopener');
      setOpened(`Opened in a new tab.${warn}`);
    } else if (r.value.pdf) {
      setOpened(`PDF saved: ${r.value.pdf.file} (SHA-256 ${r.value.pdf.sha256}, recorded in the audit log).${warn}`);
      void refresh(node, id);
    }
  };

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
        <ProfileEditor profile={profile} setProfile={setProfile} problems={problems} />
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
            Started {formatTime(session.startedAt)}
            {session.signoff ? ` · signed off by ${session.signoff.by} ${formatTime(session.signoff.at)}` : ' · not signed off'}
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
          {open && !running && verdict && verdict !== 'incomplete' ? (
            <SignoffBox
              session={session}
              verdict={verdict}
              suggestedName={operatorName}
              onSign={(signer) => void act(() => bridge.invoke('commission.signoff', { node, signer }))}
            />
          ) : null}
          {session.signoff ? (
            <div className="small" data-testid="commission-report">
              <p>
                Signed off by {session.signoff.by}
                {session.signoff.role ? ` (${session.signoff.role})` : ''}. Report: <code>{session.signoff.reportFile}</code> · SHA-256{' '}
                <code>{session.signoff.reportSha256}</code>, recorded in the audit log. Check any copy with{' '}
                <code>edgeward commission verify FILE</code>.
              </p>
              {session.signoff.pdf ? (
                <p>
                  PDF: <code>{session.signoff.pdf.file}</code> · SHA-256 <code>{session.signoff.pdf.sha256}</code>, recorded too.
                </p>
              ) : null}
              <button type="button" onClick={() => void openReport(session.id)}>
                Open report
              </button>
              {opened ? <span role="status"> {opened}</span> : null}
            </div>
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
                  <td>{formatTime(r.signedAt)}</td>
                  <td>{r.by}</td>
                  <td>
                    <StatusBadge kind={BADGE[r.verdict]} label={r.verdict} />
                  </td>
                  <td className="small">
                    <code>{r.file}</code>
                  </td>
                  <td className="row">
                    <button type="button" onClick={() => void refresh(node, r.sessionId)}>
                      Review
                    </button>
                    <button type="button" className="secondary" onClick={() => void openReport(r.sessionId)}>
                      Open report
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
  // A finished section's badge is its verdict, so "done" never sits green beside a FAIL.
  const kind = x.status !== 'done' ? SECTION_BADGE[x.status] : word === 'PASS' ? 'ok' : word === 'FAIL' ? 'error' : 'warn';
  return (
    <li data-section={x.id} data-status={x.status} data-verdict={x.status === 'done' ? word : undefined}>
      <StatusBadge kind={kind} label={x.status === 'done' ? word : x.status} /> {x.title}
      {x.error ? <span className="small"> — {x.error}</span> : null}
    </li>
  );
}
