import type { AuditRecord } from '../../../shared/audit.js';

/**
 * Audit records as RFC 5424 syslog messages, octet-counted for TCP/TLS (RFC 6587 §3.4.1, RFC 5425):
 * facility 13 (log audit), severity info for a success and warning otherwise, the record's sequence
 * number and hash in structured data (so a receiver can drop a retry's duplicates and check the
 * chain), and the record itself as JSON in the message.
 */
const FACILITY_LOG_AUDIT = 13;
/** IANA's example enterprise number (RFC 5612), as private SD-IDs use until one is registered. */
const SD_ID = 'edgeward@32473';

const printAscii = (s: string, max: number) => s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const sdValue = (s: string) => s.replace(/[\\"\]]/g, (c) => `\\${c}`);

export function syslogMessage(line: string, host: string): string {
  const r = JSON.parse(line) as AuditRecord;
  const severity = r.outcome === 'ok' || r.outcome === 'intent' ? 6 : 4;
  const sd = `[${SD_ID} seq="${r.seq}" hash="${sdValue(r.hash)}" outcome="${sdValue(r.outcome)}"]`;
  return `<${FACILITY_LOG_AUDIT * 8 + severity}>1 ${r.ts} ${printAscii(host, 255)} edgeward - ${printAscii(r.action, 32)} ${sd} ${line}`;
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
