import crypto from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, undefined members dropped. The same record
 * always serializes to the same bytes, which is what makes its hash reproducible.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('audit records hold finite numbers only');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** One-shot hashing (Node ≥ 20.12) is twice as fast as createHash for short inputs; verify hashes millions. */
export const sha256Hex = (data: string | Buffer): string =>
  typeof crypto.hash === 'function' ? crypto.hash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');

/**
 * One record per line: `{"hash":"H",…}` where `{…}` is the canonical JSON of the record without its
 * hash and H is the SHA-256 of exactly those bytes. Verifying a line needs no re-serialization.
 */
const PREFIX = /^\{"hash":"([0-9a-f]{64})",/;
export const LINE_PREFIX_LENGTH = '{"hash":"'.length + 64 + '",'.length;

export function encodeRecord(withoutHash: Record<string, unknown>): { line: string; hash: string } {
  const body = canonicalJson(withoutHash);
  const hash = sha256Hex(body);
  return { line: `{"hash":"${hash}",${body.slice(1)}\n`, hash };
}

export interface DecodedLine {
  /** The hash the line claims. */
  claimed: string;
  /** The hash its bytes actually have. */
  actual: string;
  value: Record<string, unknown>;
}

/** Returns undefined for a line that is not a record at all. */
export function decodeLine(line: string): DecodedLine | undefined {
  const m = PREFIX.exec(line);
  if (!m) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const actual = sha256Hex(`{${line.slice(LINE_PREFIX_LENGTH)}`);
  return { claimed: m[1] as string, actual, value: value as Record<string, unknown> };
}
