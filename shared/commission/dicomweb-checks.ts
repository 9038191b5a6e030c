import { base64Bytes, multipartBoundary, multipartParts, part10Meta } from '../clinical/dicom-part10.js';

/**
 * DICOMweb at commissioning (agents/commission.sh `dicomweb`): the node stores a synthetic instance
 * with STOW-RS, finds its study with QIDO-RS and retrieves it with WADO-RS, and reports each answer
 * as it came. The console judges here: the answers are the node's (and the PACS's) word, parsed as
 * hostile text.
 */

export interface DicomwebAnswer {
  http: string;
  contentType: string;
  /** curl's own error, when the request did not get an answer. */
  error: string;
  body: Uint8Array;
}

export interface DicomwebFacts {
  sent: { study: string; series: string; sop: string } | undefined;
  /** The node could not make the instance (no dcmtk, dump2dcm failed). */
  error: string | undefined;
  stow: DicomwebAnswer | undefined;
  qido: DicomwebAnswer | undefined;
  wado: DicomwebAnswer | undefined;
}

const ANSWERS = ['stow', 'qido', 'wado'] as const;

/** The `dicomweb_*` lines of a section's output; undefined when there are none. */
export function parseDicomwebFacts(text: string): DicomwebFacts | undefined {
  const f: DicomwebFacts = { sent: undefined, error: undefined, stow: undefined, qido: undefined, wado: undefined };
  const bodies: Partial<Record<(typeof ANSWERS)[number], Uint8Array>> = {};
  let any = false;
  for (const line of text.split('\n')) {
    const m = /^dicomweb_(\w+)=(.*)$/.exec(line);
    if (!m) continue;
    any = true;
    const [key, value] = [m[1]!, m[2]!];
    const answer = ANSWERS.find((a) => key === a || key === `${a}_b64`);
    if (key === 'sent') {
      const [study = '', series = '', sop = ''] = value.split('|').map((x) => x.trim().slice(0, 64));
      f.sent = { study, series, sop };
    } else if (key === 'error') f.error = value.trim().slice(0, 400);
    else if (answer && key.endsWith('_b64')) bodies[answer] = base64Bytes(value.trim().slice(0, 24_000));
    else if (answer) {
      const [http = '000', contentType = '', ...error] = value.split('|');
      f[answer] = {
        http: http.trim().slice(0, 3),
        contentType: contentType.trim().slice(0, 300),
        error: error.join('|').trim().slice(0, 300),
        body: new Uint8Array(0),
      };
    }
  }
  for (const a of ANSWERS) if (f[a] && bodies[a]) f[a].body = bodies[a];
  return any ? f : undefined;
}

export type AddCheck = (id: string, title: string, ok: boolean | 'warn', expected: string, evidence: string) => void;

/** An AddCheck that records each check into `out`, its verdict from its `ok` (true, false or 'warn'). */
export function recordChecks(
  out: { id: string; title: string; verdict: 'pass' | 'warn' | 'fail'; expected: string; evidence: string }[],
): AddCheck {
  return (id, title, ok, expected, evidence) =>
    out.push({ id, title, verdict: ok === 'warn' ? 'warn' : ok ? 'pass' : 'fail', expected, evidence });
}

/** DICOM JSON (PS3.18 F.2): a tag's values, tags matched whatever the case of their hex digits. */
function values(obj: unknown, tag: string): unknown[] {
  if (!obj || typeof obj !== 'object') return [];
  for (const [k, v] of Object.entries(obj)) {
    if (k.toUpperCase() === tag && v && typeof v === 'object' && Array.isArray((v as { Value?: unknown }).Value))
      return (v as { Value: unknown[] }).Value;
  }
  return [];
}

function json(a: DicomwebAnswer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(a.body));
  } catch {
    return undefined;
  }
}

const status = (a: DicomwebAnswer | undefined) =>
  !a ? 'no answer' : a.error ? a.error : `HTTP ${a.http}${a.contentType ? ` ${a.contentType}` : ''}`;

export function dicomwebChecks(baseUrl: string, f: DicomwebFacts | undefined, add: AddCheck): void {
  const base = baseUrl.replace(/\/$/, '');
  const sent = f?.sent;
  const sop = sent?.sop ?? '?';

  // STOW-RS: 200 with our SOP instance in the Referenced SOP Sequence and nothing failed.
  const stow = f?.stow;
  const stowExpected = `POST ${base}/studies stores a synthetic instance (HTTP 200, it in the Referenced SOP Sequence)`;
  if (f?.error) add('dicomweb.stow', 'DICOMweb STOW-RS stores an instance', false, stowExpected, f.error);
  else if (!stow || stow.http !== '200')
    add('dicomweb.stow', 'DICOMweb STOW-RS stores an instance', false, stowExpected, stowFailure(stow));
  else {
    const doc = json(stow);
    const stored = values(doc, '00081199').some((item) => values(item, '00081155')[0] === sop);
    const failed = values(doc, '00081198').length;
    add(
      'dicomweb.stow',
      'DICOMweb STOW-RS stores an instance',
      stored && failed === 0,
      stowExpected,
      stored
        ? `HTTP 200, stored SOP instance ${sop}`
        : `HTTP 200 but ${sop} is not in the Referenced SOP Sequence${failed ? `; ${failed} failed` : ''}`,
    );
  }

  // QIDO-RS: application/dicom+json, and the study just stored among the matches.
  const qido = f?.qido;
  const qidoExpected = `GET ${base}/studies?StudyInstanceUID=… answers application/dicom+json with that study`;
  if (!qido || qido.http !== '200') add('dicomweb.qido', 'DICOMweb QIDO-RS finds the study', false, qidoExpected, status(qido));
  else {
    const doc = json(qido);
    const isDicomJson = /^application\/dicom\+json\b/i.test(qido.contentType);
    const matches = Array.isArray(doc) ? doc : undefined;
    const found = matches?.some((study) => values(study, '0020000D')[0] === sent?.study) ?? false;
    add(
      'dicomweb.qido',
      'DICOMweb QIDO-RS finds the study',
      isDicomJson && found,
      qidoExpected,
      !isDicomJson
        ? `HTTP 200 as ${qido.contentType || 'no content type'}, not application/dicom+json`
        : !matches
          ? 'HTTP 200 application/dicom+json, but not a JSON array of studies'
          : `HTTP 200 application/dicom+json, ${matches.length} ${matches.length === 1 ? 'study' : 'studies'} matched${found ? '' : `, not ${sent?.study ?? 'the stored one'}`}`,
    );
  }

  // WADO-RS: a multipart of application/dicom whose first part is our instance.
  const wado = f?.wado;
  const wadoExpected = `GET ${base}/studies/…/series/…/instances/… returns that instance as multipart/related application/dicom`;
  if (!wado || wado.http !== '200') add('dicomweb.wado', 'DICOMweb WADO-RS retrieves it', false, wadoExpected, status(wado));
  else {
    const [ok, evidence] = wadoVerdict(wado, sop);
    add('dicomweb.wado', 'DICOMweb WADO-RS retrieves it', ok, wadoExpected, evidence);
  }
}

function stowFailure(a: DicomwebAnswer | undefined): string {
  if (!a || a.error || a.http === '000') return status(a);
  // A refusal names its reason per instance: Failure Reason (0008,1197) in the Failed SOP Sequence.
  const reasons = values(json(a), '00081198').map((item) => values(item, '00081197')[0]);
  const reason = reasons.find((r) => typeof r === 'number');
  return `HTTP ${a.http}${typeof reason === 'number' ? `, failure reason 0x${reason.toString(16).toUpperCase().padStart(4, '0')}` : ''}`;
}

function wadoVerdict(a: DicomwebAnswer, sop: string): [boolean, string] {
  const boundary = multipartBoundary(a.contentType);
  if (!/^multipart\/related\b/i.test(a.contentType) || !boundary)
    return [false, `HTTP 200 as ${a.contentType || 'no content type'}, not multipart/related`];
  const parts = multipartParts(a.body, boundary);
  if (parts.length === 0) return [false, 'HTTP 200 multipart/related with no part (or more than the 16 KiB the node sends)'];
  const meta = part10Meta(parts[0]!.body);
  if ('error' in meta) return [false, `HTTP 200, ${parts.length} part(s), the first ${meta.error}`];
  return meta.sopInstanceUid === sop
    ? [true, `HTTP 200, ${parts.length} part(s), SOP instance ${sop} (transfer syntax ${meta.transferSyntaxUid})`]
    : [false, `HTTP 200 but the instance is ${meta.sopInstanceUid}, not ${sop}`];
}
