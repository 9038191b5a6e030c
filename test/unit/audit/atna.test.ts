import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, type AuditOutcome, type AuditRecord } from '../../../shared/audit.js';
import { ATNA_EVENTS } from '../../../electron/services/audit/atna-events.js';
import { atnaMessage } from '../../../electron/services/audit/atna-message.js';
import { seqOf, syslogMessage } from '../../../electron/services/audit/syslog-format.js';
import { atnaProblems } from '../../helpers/atna-schema.js';

const OUTCOMES: AuditOutcome[] = ['ok', 'failed', 'partial', 'intent', 'unknown'];
const hex = (n: number) => n.toString(16).padStart(64, '0');

function record(i: number, over: Partial<AuditRecord> = {}): AuditRecord {
  const action = AUDIT_ACTIONS[i % AUDIT_ACTIONS.length]!;
  return {
    seq: i + 1,
    ts: new Date(Date.UTC(2026, 11, 1, 20, 0, i)).toISOString(),
    actor: { osUser: 'radadmin', operator: 'Dana (night shift)' },
    action,
    target: {
      node: `node-${i}`,
      ...(i % 2 ? { site: 'north' } : {}),
      ...(i % 3 ? { deployment: 'ct-triage' } : { service: 'sepsis-cds' }),
    },
    params: { n: i },
    outcome: OUTCOMES[i % OUTCOMES.length]!,
    durationMs: i,
    prev: hex(i),
    hash: hex(i + 1),
    ...over,
  };
}

/** The base64 value of a ParticipantObjectDetail of the given type, decoded. */
const detailOf = (xml: string, type: string) => {
  const m = new RegExp(`<ParticipantObjectDetail type="${type}" value="([^"]*)"/>`).exec(xml);
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : undefined;
};

describe('IHE ATNA audit messages', () => {
  it('every action, with every outcome, is a valid DICOM audit message (xmllint against PS3.15 A.5.1)', () => {
    const records = AUDIT_ACTIONS.flatMap((_, i) => [record(i), record(i + AUDIT_ACTIONS.length * 2, { target: {} })]);
    const docs = records.map((r) => atnaMessage(r, 'console-1'));
    expect(atnaProblems(docs)).toEqual(docs.map(() => []));
  });

  it('says what happened in the DICOM vocabulary and carries the seq and hash for the SIEM to check the chain', () => {
    const r = record(0, { action: 'node.add', outcome: 'ok', target: { node: 'ct-edge-01', site: 'north' }, hostKey: 'SHA256:abc' });
    const xml = atnaMessage(r, 'console-1');
    expect(ATNA_EVENTS['node.add']).toMatchObject({ id: { code: '110113' }, type: { code: '110128' }, action: 'C' });
    expect(xml).toContain('<EventID csd-code="110113" codeSystemName="DCM" originalText="Security Alert"/>');
    expect(xml).toContain('<EventTypeCode csd-code="110128" codeSystemName="DCM" originalText="Network Configuration"/>');
    expect(xml).toMatch(/EventActionCode="C" EventDateTime="2026-12-01T20:00:00.000Z" EventOutcomeIndicator="0"/);
    expect(xml).toContain('UserID="radadmin" UserName="Dana (night shift)" UserIsRequestor="true"');
    expect(xml).toMatch(/ParticipantObjectID="ct-edge-01"[^>]*><ParticipantObjectIDTypeCode csd-code="110182" codeSystemName="DCM"/);
    expect(detailOf(xml, 'seq')).toBe('1');
    expect(detailOf(xml, 'hash')).toBe(r.hash);
    expect(detailOf(xml, 'hostKey')).toBe('SHA256:abc');
    expect(JSON.parse(detailOf(xml, 'params')!)).toEqual({ n: 0 });
  });

  it('marks failures and emergency changes, and names a written report with its SHA-256', () => {
    const failed = atnaMessage(record(1, { action: 'deploy.apply', outcome: 'failed', error: 'no node was touched' }), 'c');
    expect(failed).toContain('EventOutcomeIndicator="8"');
    expect(failed).toContain('<EventOutcomeDescription>no node was touched</EventOutcomeDescription>');
    const emergency = atnaMessage(record(2, { action: 'deploy.apply', params: { emergency: 'sepsis model recall' } }), 'c');
    expect(emergency).toContain('csd-code="110127"');
    const report = atnaMessage(record(3, { action: 'audit.export', params: { file: '/srv/exports/q3.csv', sha256: 'ff00' } }), 'c');
    expect(report).toMatch(
      /ParticipantObjectID="\/srv\/exports\/q3.csv" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3" ParticipantObjectDataLifeCycle="10"/,
    );
    expect(detailOf(report, 'sha256')).toBe('ff00');
    expect(atnaProblems([failed, emergency, report])).toEqual([[], [], []]);
  });

  it('keeps hostile text (a node that lies) as text: escaped, control characters replaced, still valid', () => {
    const evil = 'x"/><Injected a="1"/>&amp;\u0000\u001b[31m]]><!--\ud800';
    const r = record(4, {
      action: 'fleet.exec',
      outcome: 'failed',
      error: evil,
      target: { node: evil, deployment: evil },
      actor: { osUser: evil, operator: evil },
      params: { output: evil },
    });
    const xml = atnaMessage(r, evil);
    expect(xml).not.toContain('<Injected');
    expect(xml.match(/<AuditMessage>/g)).toHaveLength(1);
    expect(atnaProblems([xml])).toEqual([[]]);
    expect(JSON.parse(detailOf(xml, 'params')!)).toEqual({ output: evil });
  });

  it('frames it as DICOM PS3.15 A.6 asks: facility 10, notice or warning, MSGID DICOM+RFC3881, UTF-8 with a BOM', () => {
    const ok = syslogMessage(JSON.stringify(record(5, { outcome: 'ok' })), 'console-1', 'atna');
    expect(ok).toMatch(
      /^<85>1 2026-12-01T20:00:05.000Z console-1 edgeward - DICOM\+RFC3881 \[edgeward@32473 seq="6" hash="[0-9a-f]{64}" outcome="ok"\] \ufeff<\?xml/,
    );
    expect(seqOf(ok)).toBe(6);
    expect(syslogMessage(JSON.stringify(record(6, { outcome: 'failed' })), 'c', 'atna')).toMatch(/^<84>1 /);
    expect(syslogMessage(JSON.stringify(record(6, { outcome: 'failed' })), 'c', 'json')).toMatch(/^<108>1 .* \{"seq":7/);
  });
});
