import crypto from 'node:crypto';
import fs from 'node:fs';
import { fingerprintOf } from './host-key.js';
import { writeAtomic } from '../common/write-atomic.js';

export interface KnownKey {
  keyType: string;
  /** Base64 of the key blob, as in a known_hosts line. */
  key: string;
  fingerprint: string;
}

/** OpenSSH's name for a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does one host field (plain, comma list, pattern or `|1|salt|hash`) name this host? */
function matches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    if (re.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Keys OpenSSH's known_hosts holds for a host (hashed entries included; CA and revoked lines skipped). */
export function lookupKnownHosts(text: string, host: string, port: number): KnownKey[] {
  const name = hostEntryName(host, port);
  const out: KnownKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, keyType, key] = line.split(/\s+/);
    if (!hosts || !keyType || !key) continue;
    if (!matches(hosts, name)) continue;
    try {
      out.push({ keyType, key, fingerprint: fingerprintOf(Buffer.from(key, 'base64')) });
    } catch {
      /* not base64: skip */
    }
  }
  return out;
}

/**
 * Edgeward's own pinned host keys, in OpenSSH known_hosts format (so `ssh -o UserKnownHostsFile=` can
 * read it too). One key per host and port: pinning replaces, never adds a second accepted key.
 */
export class KnownHostsStore {
  constructor(readonly file: string) {}

  private read(): string {
    return fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8') : '';
  }

  lookup(host: string, port: number): KnownKey | undefined {
    return lookupKnownHosts(this.read(), host, port)[0];
  }

  pin(host: string, port: number, keyType: string, key: string): void {
    const name = hostEntryName(host, port);
    const kept = this.read()
      .split('\n')
      .filter((l) => l.trim() && l.split(/\s+/)[0] !== name);
    kept.push(`${name} ${keyType} ${key}`);
    writeAtomic(this.file, `${kept.join('\n')}\n`);
  }

  forget(host: string, port: number): void {
    const name = hostEntryName(host, port);
    const kept = this.read()
      .split('\n')
      .filter((l) => l.trim() && l.split(/\s+/)[0] !== name);
    fs.writeFileSync(this.file, kept.length ? `${kept.join('\n')}\n` : '', { mode: 0o600 });
  }
}
