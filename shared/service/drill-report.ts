import type { DrillResult, ProbeStats } from './drill.js';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);

function statsRow(s: ProbeStats): string {
  return `<tr><td>${esc(s.target)}</td><td>${s.probes}</td><td>${s.failures}</td><td>${ms(s.p50Ms)}</td><td>${ms(s.p95Ms)}</td><td>${ms(s.p99Ms)}</td><td>${ms(s.maxMs)}</td></tr>`;
}

/**
 * The drill report: one self-contained HTML page (no scripts, no external resources), like the
 * commissioning report. Its SHA-256 goes into the audit log, so `edgeward drill verify FILE` can
 * tell the copy in a change ticket is the one Edgeward wrote. `at` formats an instant in the
 * chosen clock. Everything that came from a node or the service file is escaped.
 */
export function renderDrillReport(r: Omit<DrillResult, 'report' | 'sha256'>, at: (ms: number) => string): string {
  const failed = [...(r.frontDoor ? [r.frontDoor] : []), ...r.members].flatMap((s) =>
    s.failed.map((f) => `<li>${esc(at(f.at))} ${esc(s.target)}: ${esc(f.detail)}</li>`),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Failover drill: ${esc(r.service)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:4px 8px;text-align:left}.pass{color:#064}.fail{color:#a00}</style>
</head><body>
<h1>Failover drill: ${esc(r.service)}</h1>
<p class="${r.verdict}"><strong>Verdict: ${r.verdict.toUpperCase()}</strong>${r.reasons.length ? ` — ${r.reasons.map(esc).join('; ')}` : ''}</p>
<table>
<tr><th>Service</th><td>${esc(r.service)}</td></tr>
<tr><th>Member taken out</th><td>${esc(r.member)} (its container stopped)</td></tr>
<tr><th>Remaining members</th><td>${r.others.map(esc).join(', ')}</td></tr>
<tr><th>Objective</th><td>${esc(r.objective ?? 'none set')}</td></tr>
<tr><th>Operator</th><td>${esc(r.operator)}</td></tr>
<tr><th>Started</th><td>${esc(at(r.startedAt))}</td></tr>
<tr><th>Member out</th><td>${r.outAt ? esc(at(r.outAt)) : 'never taken out'}</td></tr>
<tr><th>Member ready again</th><td>${r.backAt ? esc(at(r.backAt)) : 'NOT READY'} — ${esc(r.restoredDetail)}</td></tr>
<tr><th>Ended</th><td>${esc(at(r.endedAt))}</td></tr>
<tr><th>Probing</th><td>${r.seconds} s${r.cancelled ? ' (cancelled early)' : ''}</td></tr>
<tr><th>Drill id</th><td>${esc(r.id)}</td></tr>
</table>
<h2>Probes while the member was out</h2>
<table><tr><th>Target</th><th>Probes</th><th>Failed</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>
${[...(r.frontDoor ? [r.frontDoor] : []), ...r.members].map(statsRow).join('\n')}
</table>
${failed.length ? `<h2>Failed probes (first ones)</h2><ul>${failed.join('')}</ul>` : '<p>No probe failed.</p>'}
</body></html>
`;
}
