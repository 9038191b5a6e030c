import type { CheckResult, CommissionFacts, Verdict } from './checks.js';
import type { HardwareProfile } from './profile.js';

export interface ReportInput {
  node: string;
  address: string;
  hostKey: string;
  technician: string;
  role?: string;
  /** The sign-off time; the checks ran between startedAt and it. */
  at: string;
  startedAt: string;
  sessionId: string;
  profile: HardwareProfile;
  facts: CommissionFacts;
  results: CheckResult[];
  overrides: { id: string; reason: string }[];
  verdict: Verdict;
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The acceptance report: one self-contained HTML page (no scripts, no external resources), printable
 * to PDF. Every value from the node is escaped: a hostile serial number is text, not markup.
 */
export function renderReport(r: ReportInput): string {
  const rows = r.results
    .map((c) => {
      const o = r.overrides.find((x) => x.id === c.id);
      return `<tr class="${c.verdict}"><td>${esc(c.title)}</td><td class="v">${esc(c.verdict.toUpperCase())}${o ? ' (overridden)' : ''}</td><td>${esc(c.expected)}</td><td>${esc(c.evidence)}${o ? `<br><em>Override: ${esc(o.reason)}</em>` : ''}</td></tr>`;
    })
    .join('\n');
  const gpus = r.facts.gpus
    .map(
      (g) =>
        `<tr><td>${esc(g.index)}</td><td>${esc(g.name)}</td><td>${esc(g.uuid)}</td><td>${esc(g.serial)}</td><td>${esc(g.memoryMiB ?? '?')} MiB</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Acceptance report — ${esc(r.node)} — ${esc(r.verdict.toUpperCase())}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}h1{margin:0 0 .2em}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
td,th{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}
.pass .v{color:#176c2f}.warn .v{color:#8a5a00}.fail .v{color:#b00020;font-weight:700}.verdict{font-size:1.4em;font-weight:700}
@media print{body{margin:1cm}}
</style></head><body>
<h1>GPU server acceptance report</h1>
<p class="verdict" data-verdict="${esc(r.verdict)}">Verdict: ${esc(r.verdict.toUpperCase())}</p>
<table><tr><th>Node</th><td>${esc(r.node)} (${esc(r.facts.hostname)}), ${esc(r.address)}</td></tr>
<tr><th>Host key</th><td>${esc(r.hostKey)}</td></tr>
<tr><th>Profile</th><td>${esc(r.profile.name)}: ${esc(r.profile.gpu.count)} × ${esc(r.profile.gpu.model)}${r.profile.driverMin ? `, driver ≥ ${esc(r.profile.driverMin)}` : ''}${r.profile.cudaMin ? `, CUDA ≥ ${esc(r.profile.cudaMin)}` : ''}${r.profile.pcie ? `, PCIe Gen${esc(r.profile.pcie.gen)} x${esc(r.profile.pcie.width)}` : ''}</td></tr>
<tr><th>Signed off by</th><td>${esc(r.technician)}${r.role ? ` (${esc(r.role)})` : ''}, ${esc(r.at)}</td></tr>
<tr><th>Checks started</th><td>${esc(r.startedAt)} (commissioning ${esc(r.sessionId)})</td></tr>
<tr><th>Driver / CUDA</th><td>${esc(r.facts.gpus[0]?.driver ?? 'unknown')} / ${esc(r.facts.cuda ?? 'unknown')}</td></tr></table>
<h2>GPUs</h2>
<table><tr><th>#</th><th>Model</th><th>UUID</th><th>Serial</th><th>Memory</th></tr>
${gpus || '<tr><td colspan="5">No GPU reported</td></tr>'}</table>
<h2>Checks</h2>
<table><tr><th>Check</th><th>Result</th><th>Expected</th><th>Evidence</th></tr>
${rows}</table>
<p>The SHA-256 of this file is recorded in the Edgeward audit log. Check it with <code>edgeward commission verify FILE</code>.</p>
</body></html>
`;
}
