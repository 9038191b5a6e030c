import crypto from 'node:crypto';
import { syntheticStudy, type SyntheticStudy } from '../../../shared/clinical/dicom-study.js';
import type { DicomIngress, DicomProbeErrorKind, DicomRoundTrip } from '../../../shared/clinical/dicom-target.js';
import { loadAgent } from '../agents/agent-script.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { shellQuote } from '../ssh/shell-quote.js';

/** Where the result is looked for at a PACS, as the operator configured it. */
const atPacs = (t: DicomIngress) =>
  t.resultFind ? `${t.resultFind.calledAE}@${t.resultFind.host}:${t.resultFind.port}` : (t.resultQido ?? '');

/** What each failure means for the one who reads it at 3 a.m., and what to do next. */
const NEXT: Record<DicomProbeErrorKind, (t: DicomIngress) => [string, string]> = {
  tools: () => ['the node lacks dcmtk', 'Install dcmtk on the node (apt install dcmtk).'],
  generate: () => ["the node's dcmtk could not write the synthetic study", 'Check the node’s dcmtk (dump2dcm) version.'],
  refused: (t) => [`nothing answers DICOM at ${t.host}:${t.port}`, 'Check that the AI ingress runs and listens on that port.'],
  rejected: (t) => [
    `the AI ingress rejected the association (called AE ${t.calledAE}, calling AE ${t.callingAE})`,
    'Check both AE titles against the AI’s configuration: it must know the calling AE and answer to the called one.',
  ],
  context: () => [
    'the AI ingress accepted no presentation context for secondary capture',
    'Enable Secondary Capture Image Storage (Explicit or Implicit VR Little Endian) on the AI ingress.',
  ],
  store: () => ['the C-STORE failed', 'See the AI ingress’s log for the status it returned.'],
  result_port: (t) => [
    `the probe cannot listen for the result on port ${t.resultPort}`,
    'Free that port on the node or give another resultPort (and send the AI’s results there).',
  ],
  pacs: (t) =>
    t.resultFind
      ? [`the PACS does not answer C-FIND at ${atPacs(t)}`, 'Check the PACS’s host and port, and that the node reaches it.']
      : [`the PACS does not answer QIDO-RS at ${t.resultQido}`, 'Check the DICOMweb base URL and that the node reaches the PACS.'],
  pacs_refused: (t) => [
    `the PACS at ${atPacs(t)} refused the probe's C-FIND (calling AE ${t.callingAE})`,
    `Check the PACS’s AE title, and add ${t.callingAE} to its known peers with permission to query (C-FIND).`,
  ],
  timeout: (t) =>
    t.resultQido || t.resultFind
      ? [
          `no result for the study appeared at the PACS (${atPacs(t)}) within ${t.timeoutMs} ms`,
          'Check that the AI sends its results to the PACS, and that it is processing.',
        ]
      : [
          `no result for the study arrived within ${t.timeoutMs} ms`,
          `Check that the AI sends its results to ${t.resultAE} on port ${t.resultPort} of the node, and that it is processing.`,
        ],
};

/** Parses the probe script's key=value lines (a hostile or broken node gives nothing usable, not a crash). */
export function parseRoundTrip(out: string, target: DicomIngress, studyUid: string): DicomRoundTrip {
  const num = (k: string) => {
    const m = new RegExp(`^${k}=(\\d{1,9})$`, 'm').exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const sentMs = num('sent_ms');
  const resultMs = num('result_ms');
  const err = /^error=(\w+) ?(.*)$/m.exec(out);
  const base = { studyUid, ...(sentMs !== undefined ? { sentMs } : {}) };
  if (resultMs !== undefined && !err) return { ok: true, resultMs, ...base };
  const kind = (err && err[1]! in NEXT ? err[1] : 'store') as DicomProbeErrorKind;
  const [what, next] = NEXT[kind](target);
  const detail = (err?.[2] ?? out.trim()).replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
  return { ok: false, ...base, error: { kind, message: detail ? `${what}: ${detail}` : what, next } };
}

/** The probe script's arguments, in its order (the dump last: stdin is the script itself). */
export function probeArgs(target: DicomIngress, study: SyntheticStudy): string[] {
  return [
    target.host,
    target.port,
    target.calledAE,
    target.callingAE,
    target.resultPort,
    target.resultAE,
    target.timeoutMs,
    study.studyUid,
    study.sopUid,
    target.resultQido ?? '',
    target.resultFind?.calledAE ?? '',
    target.resultFind?.host ?? '',
    target.resultFind?.port ?? '',
    study.seriesUid,
    study.dump,
  ].map(String);
}

/**
 * One round trip through a radiology AI, the way a study travels: a synthetic study (no patient
 * data, marked as test data) stored to the AI ingress, timed until the AI's result for that study
 * arrives at the probe's own storage SCP on the node.
 */
export async function dicomRoundTrip(pool: SshPool, node: string, target: DicomIngress, signal?: AbortSignal): Promise<DicomRoundTrip> {
  const study = syntheticStudy(target.uidRoot, (n) => crypto.randomBytes(n));
  const args = probeArgs(target, study).map(shellQuote).join(' ');
  const r = await execOnNode(pool, node, `sh -s -- ${args}`, {
    stdin: loadAgent('dicom-roundtrip.sh').text,
    timeoutMs: target.timeoutMs + 30_000,
    ...(signal ? { signal } : {}),
  });
  return parseRoundTrip(r.stdout.toString('utf8'), target, study.studyUid);
}
