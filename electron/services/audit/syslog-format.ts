import type { AuditRecord } from '../../../shared/audit.js';
import { atnaMessage } from './atna-message.js';
import { checkpointSeq } from './checkpoints.js';

/**
 * Audit records as RFC 5424 syslog messages, octet-counted for TCP/TLS (RFC 6587 §3.4.1, RFC 5425),
 * the record's sequence number and hash in structured data (so a receiver can drop a retry's
 * duplicates and check the chain), in one of two formats:
 * - `json`: facility 13 (log audit), severity info for a success and warning otherwise, the record
 *   itself as JSON in the message;
 * - `atna`: as DICOM PS3.15 A.6 asks, facility 10 (security/authorization), severity notice for a
 *   success and warning otherwise, MSGID `DICOM+RFC3881`, and the IHE ATNA audit message (XML,
 *   UTF-8 marked with a BOM) in the message.
 */
export const FORWARD_FORMATS = ['json', 'atna'] as const;
export type ForwardFormat = (typeof FORWARD_FORMATS)[number];

const FACILITY_LOG_AUDIT = 13;
const FACILITY_AUTHPRIV = 10;
const BOM = '\ufeff';
/** IANA's example enterprise number (RFC 5612), as private SD-IDs use until one is registered. */
const SD_ID = 'edgeward@32473';

const printAscii = (s: string, max: number) => s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const sdValue = (s: string) => s.replace(/[\\"\]]/g, (c) => `\\${c}`);

export function syslogMessage(line: string, host: string, format: ForwardFormat = 'json'): string {
  const r = JSON.parse(line) as AuditRecord;
  const success = r.outcome === 'ok' || r.outcome === 'intent';
  const sd = `[${SD_ID} seq="${r.seq}" hash="${sdValue(r.hash)}" outcome="${sdValue(r.outcome)}"]`;
  const header = (pri: number, msgid: string) => `<${pri}>1 ${r.ts} ${printAscii(host, 255)} edgeward - ${msgid} ${sd}`;
  if (format === 'atna') return `${header(FACILITY_AUTHPRIV * 8 + (success ? 5 : 4), 'DICOM+RFC3881')} ${BOM}${atnaMessage(r, host)}`;
  return `${header(FACILITY_LOG_AUDIT * 8 + (success ? 6 : 4), printAscii(r.action, 32))} ${line}`;
}

/**
 * A signed checkpoint of the log (C2SP signed note, kept byte for byte with its newlines), sent
 * after the records it signs, in either format: MSGID `checkpoint`, the record it signs in
 * structured data. A collector keeping them holds an outside witness for `audit verify --checkpoints`.
 */
export function checkpointMessage(note: string, host: string): string {
  return `<${FACILITY_LOG_AUDIT * 8 + 5}>1 ${new Date().toISOString()} ${printAscii(host, 255)} edgeward - checkpoint [${SD_ID} checkpoint="${checkpointSeq(note)}"] ${note}`;
}

/** Octet counting: the message's length in bytes, a space, the message. */
export function frame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

/** The sequence number a received message carries (for receivers and tests). */
export function seqOf(message: string): number | undefined {
  const m = /\[edgeward@32473 seq="(\d+)"/.exec(message);
  return m ? Number(m[1]) : undefined;
}
