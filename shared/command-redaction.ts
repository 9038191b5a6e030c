/**
 * Secrets people type into fleet commands, found by shape so they never reach the audit log, and
 * shown to the operator before the command runs (what will be recorded, and why). Each shape has
 * a name; the tests hold a list of real command lines for every one of them.
 */

export interface Redaction {
  shape: string;
  start: number;
  end: number;
}

export interface RedactedCommand {
  /** The command as it is recorded: each secret replaced by [redacted]. */
  text: string;
  redactions: Redaction[];
}

export const REDACTED = '[redacted]';

// A value as a shell reads it: quoted (may hold spaces) or a bare word.
const VALUE = String.raw`(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)`;

interface Shape {
  name: string;
  /** The secret is the named group `s`. */
  re: RegExp;
}

const SHAPES: Shape[] = [
  { name: 'private key', re: /(?<s>-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$))/g },
  // scheme://user:pass@host — the whole user info: a token as the user name is a secret too.
  // Up to the last @ before the host, so an unencoded / or @ in a password is still covered.
  { name: 'URL credentials', re: /[a-z][a-z0-9+.-]*:\/\/(?<s>[^\s?#'"]*)@(?=[^\s@/]*(?:[\s/?#'"]|$))/gi },
  { name: 'authorization header', re: new RegExp(String.raw`\bauthori[sz]ation\s*:\s*(?<s>[^'"\r\n]+)`, 'gi') },
  {
    name: 'API key header',
    re: /\b(?:x-api-key|api-key|apikey|private-token|x-auth-token|x-vault-token|cookie)\s*:\s*(?<s>[^'"\r\n]+)/gi,
  },
  { name: 'bearer or basic token', re: /\b(?:bearer|basic)\s+(?<s>[A-Za-z0-9._~+/=-]{4,})/gi },
  // curl -u user:pass, --user user:pass, -uuser:pass (the password part).
  {
    name: 'curl user:password',
    re: new RegExp(String.raw`\bcurl\b[^|;&\n]*?\s(?:-u\s*|--user(?:=|\s+)|--proxy-user(?:=|\s+))['"]?[^\s:'"]*:(?<s>[^\s'"]+)`, 'g'),
  },
  // mysql -pSECRET (attached: a separate word after -p is a prompt, not a password).
  {
    name: 'mysql -pPASSWORD',
    re: /\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport|mysqlcheck)\b[^|;&\n]*?\s-p(?<s>[^\s'"]+|'[^']*'|"[^"]*")/g,
  },
  { name: 'password option', re: /\b(?:sshpass|redis-cli)\b[^|;&\n]*?\s-[pa]\s+(?<s>'[^']*'|"[^"]*"|[^\s'"]+)/g },
  {
    name: 'secret option',
    re: new RegExp(
      String.raw`--[A-Za-z0-9-]*(?:password|passwd|passphrase|pass|secret|token|api-?key|apikey|credentials?|auth)(?:=|\s+)(?<s>${VALUE})`,
      'gi',
    ),
  },
  { name: 'openssl pass:', re: /-pass(?:in|out)?\s+pass:(?<s>[^\s'"]+)/g },
  {
    name: 'secret variable',
    re: new RegExp(
      String.raw`\b[A-Za-z_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|CREDENTIALS?)[A-Za-z_0-9]*\s*=\s*(?<s>${VALUE})`,
      'gi',
    ),
  },
  { name: 'password assignment', re: new RegExp(String.raw`\b(?:password|passwd|pwd|passphrase|secret|token)\s*:\s*(?<s>${VALUE})`, 'gi') },
];

/** Finds every secret in a command line; overlapping finds are merged. */
export function redactCommand(command: string): RedactedCommand {
  const found: Redaction[] = [];
  for (const shape of SHAPES) {
    shape.re.lastIndex = 0;
    for (const m of command.matchAll(shape.re)) {
      const s = m.groups?.s;
      if (!s || s === REDACTED) continue;
      // The group is the last part of the match except for look-aheads: locate it from the end.
      const start = (m.index ?? 0) + m[0].lastIndexOf(s);
      found.push({ shape: shape.name, start, end: start + s.length });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Redaction[] = [];
  for (const r of found) {
    const last = merged[merged.length - 1];
    if (last && r.start < last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  let text = '';
  let at = 0;
  for (const r of merged) {
    text += command.slice(at, r.start) + REDACTED;
    at = r.end;
  }
  text += command.slice(at);
  return { text, redactions: merged };
}
