import crypto from 'node:crypto';

/** The key type named inside an SSH public key blob (string length + name, per RFC 4253). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('ascii') : 'unknown';
}

/** `SHA256:…` as `ssh-keygen -l` and OpenSSH's prompts print it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
