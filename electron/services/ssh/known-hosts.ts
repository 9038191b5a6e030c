import crypto from 'node:crypto';
import fs from 'node:fs';
import { fingerprintOf } from './host-key.js';
import { writeAtomic } from '../common/write-atomic.js';
import { withFileLockSync } from '../common/file-lock-sync.js';
import type { Intent } from '../audit/intent.js';

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

/**
 * OpenSSH's wildcard match (match.c): `*` any run, `?` one character, everything else literal —
 * `[` and `]` included, so `[10.0.0.6]:2222` is a plain string. Iterative, so no pattern can make it
 * backtrack exponentially.
 */
export function wildcardMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Does a known_hosts host field name this host? As OpenSSH's match_pattern_list: comma-separated
 * patterns compared without case; a matching `!pattern` vetoes the whole line; `|1|salt|hash` is a
 * hashed name (HMAC-SHA1 of the name under the salt).
 */
export function hostFieldMatches(field: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(lower).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!wildcardMatch(lower, pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

type Marker = 'none' | 'revoked' | 'cert-authority';

interface KnownHostsLine {
  marker: Marker;
  hosts: string;
  keyType: string;
  key: string;
  fingerprint: string;
  line: number;
}

/** The well-formed lines of a known_hosts text (comments, blank and unreadable lines skipped, as ssh does). */
function parseKnownHosts(text: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let marker: Marker = 'none';
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else continue; // an unknown marker: OpenSSH ignores the line
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) continue;
    out.push({ marker, hosts, keyType, key, fingerprint: fingerprintOf(Buffer.from(key, 'base64')), line: i + 1 });
  }
  return out;
}

/** What OpenSSH's client (StrictHostKeyChecking=yes) would decide about a presented key. */
export type KnownHostsVerdict =
  | { kind: 'trusted'; line: number }
  | { kind: 'revoked'; line: number }
  /** The host has keys and this is none of them. */
  | { kind: 'changed'; expected: string[] }
  | { kind: 'unknown' };

/**
 * Judges a presented host key against a known_hosts text the way the OpenSSH client does: a
 * `@revoked` line for this host and key refuses it whatever else vouches for it; `@cert-authority`
 * keys sign host certificates and never vouch for a plain key; otherwise any listed key of the host
 * is accepted, and a host with other keys only is a changed key.
 */
export function judgeKnownHosts(text: string, host: string, port: number, presented: string): KnownHostsVerdict {
  const verdict = judgeName(text, hostEntryName(host, port), presented);
  // OpenSSH: a host+port with no entry at all is checked "without port identifier", and a matching
  // key for the bare host is accepted (a different one is not: that stays a new host).
  if (verdict.kind === 'unknown' && port !== 22) {
    const bare = judgeName(text, host, presented);
    if (bare.kind === 'trusted' || bare.kind === 'revoked') return bare;
  }
  return verdict;
}

function judgeName(text: string, name: string, presented: string): KnownHostsVerdict {
  const forHost = parseKnownHosts(text).filter((l) => hostFieldMatches(l.hosts, name));
  const revoked = forHost.find((l) => l.marker === 'revoked' && l.fingerprint === presented);
  if (revoked) return { kind: 'revoked', line: revoked.line };
  const plain = forHost.filter((l) => l.marker === 'none');
  const hit = plain.find((l) => l.fingerprint === presented);
  if (hit) return { kind: 'trusted', line: hit.line };
  if (plain.length > 0) return { kind: 'changed', expected: [...new Set(plain.map((l) => l.fingerprint))] };
  return { kind: 'unknown' };
}

const HEADER =
  '# Edgeward host key pins: one line per node, named by the node (OpenSSH HostKeyAlias).\n' +
  '# Check one with: ssh -o HostKeyAlias=NODE -o UserKnownHostsFile=THIS_FILE ...\n';

/**
 * Edgeward's own pinned host keys, in OpenSSH known_hosts format, keyed by node name the way
 * `HostKeyAlias` keys them: two nodes at 10.0.0.5:22 behind different gateways are two machines and
 * keep two pins. One key per node: pinning replaces, never adds a second accepted key. Changes ask
 * for the Intent of the audited action they belong to.
 */
export class KnownHostsStore {
  constructor(readonly file: string) {}

  private read(): string {
    return fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8') : '';
  }

  private entries(): { name: string; line: string }[] {
    return this.read()
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((line) => ({ name: line.split(/\s+/)[0]!, line }));
  }

  private write(lines: string[]): void {
    writeAtomic(this.file, HEADER + lines.map((l) => `${l}\n`).join(''));
  }

  lookup(node: string): KnownKey | undefined {
    const entry = this.entries().find((e) => e.name.toLowerCase() === node.toLowerCase());
    if (!entry) return undefined;
    const [, keyType, key] = entry.line.split(/\s+/);
    if (!keyType || !key) return undefined;
    return { keyType, key, fingerprint: fingerprintOf(Buffer.from(key, 'base64')) };
  }

  /** The app and a CLI may pin at the same moment: each change re-reads the file under a lock. */
  private change(f: () => void): void {
    withFileLockSync(`${this.file}.lock`, 'the host key pins', f);
  }

  pin(node: string, keyType: string, key: string, _intent: Intent): void {
    this.change(() => {
      const kept = this.entries().filter((e) => e.name.toLowerCase() !== node.toLowerCase());
      this.write([...kept.map((e) => e.line), `${node} ${keyType} ${key}`]);
    });
  }

  forget(node: string, _intent: Intent): void {
    this.change(() =>
      this.write(
        this.entries()
          .filter((e) => e.name.toLowerCase() !== node.toLowerCase())
          .map((e) => e.line),
      ),
    );
  }

  /**
   * Pins written before pins were per node were keyed by `host` / `[host]:port`. Each moves to every
   * node at that address (exactly what it vouched for before). Planned first, so the move can be
   * audited before it is made; undefined when there is nothing to move.
   */
  planMigration(nodes: { name: string; host: string; port: number }[]): MigrationPlan | undefined {
    const text = this.read();
    if (!text.trim() || text.startsWith(HEADER.split('\n')[0]!)) return undefined;
    const old = parseKnownHosts(text).filter((l) => l.marker === 'none');
    const moved: MigrationPlan['moved'] = [];
    for (const n of nodes) {
      const name = hostEntryName(n.host, n.port);
      const pin = old.find((l) => l.hosts === name);
      if (pin) moved.push({ node: n.name, from: name, line: `${n.name} ${pin.keyType} ${pin.key}` });
    }
    return { moved, keptAs: `${this.file}.before-node-pins` };
  }

  /** Writes a planned migration; the old file is kept beside it. */
  applyMigration(plan: MigrationPlan, _intent: Intent): void {
    this.change(() => {
      fs.copyFileSync(this.file, plan.keptAs);
      this.write(plan.moved.map((m) => m.line));
    });
  }
}

export interface MigrationPlan {
  moved: { node: string; from: string; line: string }[];
  keptAs: string;
}
