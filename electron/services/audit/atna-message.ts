import type { AuditOutcome, AuditRecord } from '../../../shared/audit.js';
import { ATNA_EVENTS, EMERGENCY_OVERRIDE_STARTED, ROLE_APPLICATION, type Code } from './atna-events.js';

/**
 * An audit record as an IHE ATNA audit message (DICOM PS3.15 A.5): the event, the operator and the
 * console as active participants, Edgeward as the audit source, and as participant objects the
 * record itself (its sequence number and hash, so the SIEM can check the chain), the node, site,
 * deployment or service it acted on, and any report it wrote with the report's SHA-256. One line
 * of XML, so that a collector writing one message per line keeps it whole.
 */

// XML 1.0 allows no C0 control but tab, LF and CR; a node's hostile output is cut down to text.
const INVALID_XML = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};
export const xmlText = (s: string) => s.replace(INVALID_XML, '\ufffd').replace(/[&<>"'\n\r\t]/g, (c) => ESCAPES[c]!);

const attrs = (a: Record<string, string | undefined>) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlText(v!)}"`)
    .join('');
const el = (name: string, a: Record<string, string | undefined>, children = '') =>
  children ? `<${name}${attrs(a)}>${children}</${name}>` : `<${name}${attrs(a)}/>`;
const coded = (name: string, c: Code, system = 'DCM') => el(name, { 'csd-code': c.code, codeSystemName: system, originalText: c.meaning });
const detail = (type: string, value: string) =>
  el('ParticipantObjectDetail', { type, value: Buffer.from(value, 'utf8').toString('base64') });

/** EventOutcomeIndicator: 0 success, 4 minor failure, 8 serious failure. */
const OUTCOME: Record<AuditOutcome, { indicator: string; description?: string }> = {
  ok: { indicator: '0' },
  intent: { indicator: '0', description: 'intent: recorded before acting; the outcome follows in its own message' },
  partial: { indicator: '4', description: 'partial: the action succeeded on some targets and not on others' },
  unknown: { indicator: '4', description: 'unknown: the process acting ended before it recorded the outcome' },
  failed: { indicator: '8' },
};

interface ObjectOf {
  id: string;
  name: string;
  idType: Code;
  type: '1' | '2' | '3' | '4';
  role?: string;
  lifeCycle?: string;
  details?: [string, string][];
}

const EDGEWARD = 'Edgeward';
const own = (code: string, meaning: string): Code => ({ code, meaning });

function participantObject(o: ObjectOf): string {
  const system = o.idType.code.startsWith('110') ? 'DCM' : EDGEWARD;
  return el(
    'ParticipantObjectIdentification',
    {
      ParticipantObjectID: o.id,
      ParticipantObjectTypeCode: o.type,
      ParticipantObjectTypeCodeRole: o.role,
      ParticipantObjectDataLifeCycle: o.lifeCycle,
    },
    coded('ParticipantObjectIDTypeCode', o.idType, system) +
      el('ParticipantObjectName', {}, xmlText(o.name)) +
      (o.details ?? []).map(([t, v]) => detail(t, v)).join(''),
  );
}

/** What the record acted on, each as a participant object. */
function objectsOf(r: AuditRecord): ObjectOf[] {
  const out: ObjectOf[] = [
    {
      id: String(r.seq),
      name: r.action,
      idType: own('audit-record', 'Audit record sequence number'),
      type: '2',
      role: '13', // Security Resource
      details: [
        ['seq', String(r.seq)],
        ['hash', r.hash],
        ['prev', r.prev],
        ['outcome', r.outcome],
        ...(r.intent ? ([['intent', String(r.intent)]] as [string, string][]) : []),
        ['params', JSON.stringify(r.params)],
      ],
    },
  ];
  const t = r.target;
  if (t.node)
    out.push({
      id: t.node,
      name: t.node,
      idType: own('110182', 'Node ID'),
      type: '2',
      role: '26', // Processing Element
      details: [
        ...(r.hostKey ? ([['hostKey', r.hostKey]] as [string, string][]) : []),
        ...(r.scriptHash ? ([['scriptHash', r.scriptHash]] as [string, string][]) : []),
      ],
    });
  if (t.site) out.push({ id: t.site, name: t.site, idType: own('site', 'Site'), type: '3', role: '2' /* Location */ });
  if (t.deployment) out.push({ id: t.deployment, name: t.deployment, idType: own('deployment', 'Deployment'), type: '2', role: '4' });
  if (t.service) out.push({ id: t.service, name: t.service, idType: own('service', 'Clinical service'), type: '2', role: '4' });
  // The synthetic study a DICOM round trip stored: a Study Instance UID (PS3.15 A.5.3.4), no patient.
  if (typeof r.params.studyUid === 'string')
    out.push({
      id: r.params.studyUid,
      name: 'Edgeward synthetic test study',
      idType: own('110180', 'Study Instance UID'),
      type: '2',
      role: '3',
    });
  const file = [r.params.pdf, r.params.file].find((f): f is string => typeof f === 'string');
  if (file && typeof r.params.sha256 === 'string')
    out.push({
      id: file,
      name: file.split('/').at(-1) ?? file,
      idType: own('12', 'URI'), // RFC 3881 participant object ID type 12
      type: '2',
      role: '3', // Report
      lifeCycle: r.action === 'audit.export' ? '10' : '9', // Export : Report
      details: [['sha256', r.params.sha256]],
    });
  return out;
}

/** The ATNA audit message of one audit record; `host` is the console's host name. */
export function atnaMessage(r: AuditRecord, host: string): string {
  const event = ATNA_EVENTS[r.action];
  const outcome = OUTCOME[r.outcome];
  const description = [outcome.description, r.error, r.reason].filter(Boolean).join('; ');
  const emergency = typeof r.params.emergency === 'string' || typeof r.params.outsideWindow === 'string';
  const identification = el(
    'EventIdentification',
    { EventActionCode: event.action, EventDateTime: r.ts, EventOutcomeIndicator: outcome.indicator },
    coded('EventID', event.id) +
      (event.type ? coded('EventTypeCode', event.type) : '') +
      (emergency && event.type !== EMERGENCY_OVERRIDE_STARTED ? coded('EventTypeCode', EMERGENCY_OVERRIDE_STARTED) : '') +
      (description ? el('EventOutcomeDescription', {}, xmlText(description)) : ''),
  );
  const operator = el('ActiveParticipant', {
    UserID: r.actor.osUser,
    UserName: r.actor.operator || undefined,
    UserIsRequestor: 'true',
    NetworkAccessPointID: host,
    NetworkAccessPointTypeCode: '1',
  });
  const consoleApp = el(
    'ActiveParticipant',
    {
      UserID: 'edgeward',
      AlternativeUserID: r.proc ? String(r.proc.pid) : undefined,
      UserIsRequestor: 'false',
      NetworkAccessPointID: host,
      NetworkAccessPointTypeCode: '1',
    },
    coded('RoleIDCode', ROLE_APPLICATION),
  );
  // AuditSourceTypeCode 4: an application server process.
  const source = el('AuditSourceIdentification', { AuditSourceID: `edgeward@${host}` }, el('AuditSourceTypeCode', { 'csd-code': '4' }));
  return `<?xml version="1.0" encoding="UTF-8"?><AuditMessage>${identification}${operator}${consoleApp}${source}${objectsOf(r).map(participantObject).join('')}</AuditMessage>`;
}
