import type { DicomIngress } from './dicom-target.js';

/**
 * A DICOM ingress as one line of text, for the node editor and the CLI:
 *   ENDPOINT CALLED_AE@HOST:PORT [calling=AE] [result=PORT] [resultAE=AE] [timeout=5s] [every=30s] [uidRoot=1.2.3]
 *     [pacs=http://pacs/dicom-web]   (the result looked for at the PACS by QIDO-RS, not at the probe's SCP)
 *     [find=PACS_AE@HOST:PORT]       (or at the PACS by C-FIND)
 * Only the shape is read here; the inventory's schema judges every value and names the bad one.
 */
export interface IngressLine {
  endpoint: string;
  ingress: Partial<DicomIngress> & { calledAE: string };
}

const KEYS = {
  calling: 'callingAE',
  result: 'resultPort',
  resultAE: 'resultAE',
  timeout: 'timeoutMs',
  every: 'intervalMs',
  uidRoot: 'uidRoot',
  pacs: 'resultQido',
  find: 'resultFind',
} as const;

/** "AE@host:port" (an IPv6 host in brackets; the port may be left out). */
const AE_AT = /^([^@\s]+)@(\[[0-9A-Fa-f:]+\]|[^:\s]+)(?::(\d{1,5}))?$/;
const aeAt = (text: string) => {
  const m = AE_AT.exec(text);
  return m ? { calledAE: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}) } : undefined;
};

/** "5s", "500ms", "2m" → milliseconds; NaN when it is none of these. */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!m) return NaN;
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000));
}

export function parseIngressLine(line: string): IngressLine | { error: string } {
  const [endpoint, where, ...opts] = line.trim().split(/\s+/);
  const at = where ? aeAt(where) : undefined;
  if (!endpoint || !at) return { error: `"${line.trim()}": expected ENDPOINT CALLED_AE@HOST:PORT, e.g. cxr AI_INGRESS@127.0.0.1:104` };
  const ingress: IngressLine['ingress'] = { ...at };
  for (const opt of opts) {
    // At the first '=' only: a URL may hold more.
    const eq = opt.indexOf('=');
    const [k, v] = eq < 0 ? [opt, ''] : [opt.slice(0, eq), opt.slice(eq + 1)];
    const key = KEYS[k as keyof typeof KEYS];
    if (!key || !v) return { error: `"${opt}": options are ${Object.keys(KEYS).join(', ')} (key=value)` };
    if (key === 'timeoutMs' || key === 'intervalMs') {
      const ms = durationMs(v);
      if (!Number.isFinite(ms)) return { error: `"${opt}": a duration such as 500ms, 5s or 2m` };
      ingress[key] = ms;
    } else if (key === 'resultPort') ingress.resultPort = Number(v);
    else if (key === 'resultFind') {
      const find = aeAt(v);
      if (!find) return { error: `"${opt}": the PACS as AE@HOST:PORT, e.g. find=PACS@10.0.0.5:104` };
      ingress.resultFind = { port: 104, ...find };
    } else ingress[key] = v;
  }
  return { endpoint, ingress };
}

const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);
const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

export function formatIngressLine(endpoint: string, d: DicomIngress): string {
  const parts = [
    endpoint,
    `${d.calledAE}@${bracketed(d.host)}:${d.port}`,
    `calling=${d.callingAE}`,
    `result=${d.resultPort}`,
    `resultAE=${d.resultAE}`,
  ];
  parts.push(`timeout=${seconds(d.timeoutMs)}`, `every=${seconds(d.intervalMs)}`);
  if (d.uidRoot) parts.push(`uidRoot=${d.uidRoot}`);
  if (d.resultQido) parts.push(`pacs=${d.resultQido}`);
  if (d.resultFind) parts.push(`find=${d.resultFind.calledAE}@${bracketed(d.resultFind.host)}:${d.resultFind.port}`);
  return parts.join(' ');
}
