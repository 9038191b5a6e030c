import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { wildcardMatch } from '../ssh/known-hosts.js';
import { expandHome } from '../common/home-path.js';

/**
 * ssh_config read the way OpenSSH's readconf.c reads it, for the options Edgeward imports: Host and
 * Match blocks, first value wins, Include (conditional inside a block, relative to ~/.ssh, globs
 * sorted), `Key value` and `Key=value`, quotes and comments. Reading is bounded (regular files only,
 * sizes and Include depth capped) and evaluation is linear: a block that names only literal hosts is
 * looked up by name, so 2,000 hosts cost 2,000 lookups, not 2,000 scans of the file.
 */

export const LIMITS = { fileBytes: 4 * 1024 * 1024, totalBytes: 16 * 1024 * 1024, includeDepth: 16, files: 1024 };

export interface Origin {
  file: string;
  line: number;
}

export interface Option {
  key: string;
  value: string;
  at: Origin;
}

type Condition = { kind: 'host'; patterns: string[]; at: Origin } | { kind: 'match'; args: string[]; at: Origin };

export interface Block {
  conditions: Condition[];
  options: Option[];
}

export interface ParsedConfig {
  blocks: Block[];
  /** Concrete Host names (no wildcard, no negation), in file order, each with where it is named. */
  hosts: { alias: string; at: Origin }[];
  errors: { file: string; line: number; message: string }[];
}

/** Words of a line as readconf splits them: whitespace or one `=`, double quotes group. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|([^\s"=]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]!);
  return out;
}

/** Reads a file only when it is a regular file within the size bound (a FIFO or /dev/zero must not hang the import). */
export async function readBounded(file: string, budget: { bytes: number; files: number }): Promise<string> {
  if (--budget.files < 0) throw new Error(`more than ${LIMITS.files} files included`);
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > LIMITS.fileBytes) throw new Error(`larger than ${LIMITS.fileBytes / 1024 / 1024} MiB`);
    budget.bytes -= st.size;
    if (budget.bytes < 0) throw new Error(`the included files add up to more than ${LIMITS.totalBytes / 1024 / 1024} MiB`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function globFiles(pattern: string, baseDir: string): Promise<string[]> {
  const expanded = expandHome(pattern);
  const abs = path.isAbsolute(expanded) ? expanded : path.join(baseDir, expanded);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  if (!/[*?]/.test(base)) return [abs];
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((f) => wildcardMatch(f, base))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Parses a config and everything it includes into blocks, each with the conditions it applies under. */
export async function parseSshConfig(text: string, file: string, baseDir: string): Promise<ParsedConfig> {
  const parsed: ParsedConfig = { blocks: [], hosts: [], errors: [] };
  const budget = { bytes: LIMITS.totalBytes - text.length, files: LIMITS.files };
  const seenHosts = new Set<string>();

  const walk = async (src: string, srcFile: string, outer: Condition[], depth: number): Promise<void> => {
    let current: Block = { conditions: outer, options: [] };
    parsed.blocks.push(current);
    const lines = src.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const trimmed = lines[i]!.trim();
      if (!trimmed || trimmed.startsWith('#')) continue;
      const at = { file: srcFile, line: i + 1 };
      const [rawKey, ...args] = words(trimmed);
      if (!rawKey) continue;
      const key = rawKey.toLowerCase();
      if (key === 'host' || key === 'match') {
        const cond: Condition = key === 'host' ? { kind: 'host', patterns: args, at } : { kind: 'match', args, at };
        current = { conditions: [...outer, cond], options: [] };
        parsed.blocks.push(current);
        if (key === 'host')
          for (const a of args)
            if (!/[*?!]/.test(a) && !seenHosts.has(a)) {
              seenHosts.add(a);
              parsed.hosts.push({ alias: a, at });
            }
        continue;
      }
      if (key === 'include') {
        if (depth >= LIMITS.includeDepth) {
          parsed.errors.push({ ...at, message: `Include nested deeper than ${LIMITS.includeDepth} levels: not followed` });
          continue;
        }
        for (const pattern of args) {
          for (const inc of await globFiles(pattern, baseDir)) {
            let sub: string;
            try {
              sub = await readBounded(inc, budget);
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code;
              // OpenSSH skips an Include that names no file; anything else is worth saying.
              if (code !== 'ENOENT') parsed.errors.push({ ...at, message: `Include ${inc}: ${(err as Error).message}: not read` });
              continue;
            }
            await walk(sub, inc, current.conditions, depth + 1);
            current = { conditions: current.conditions, options: [] };
            parsed.blocks.push(current);
          }
        }
        continue;
      }
      current.options.push({ key, value: args.join(' '), at });
    }
  };
  await walk(text, file, [], 0);
  parsed.blocks = parsed.blocks.filter((b) => b.options.length > 0);
  return parsed;
}

/**
 * Host pattern list as OpenSSH matches it: some positive pattern matches and no negated one does.
 * Case-sensitive, as `ssh -G` shows (`Host RAD-02` does not apply to `ssh rad-02`), unlike known_hosts.
 */
function hostListMatches(patterns: string[], name: string): boolean {
  let hit = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (!wildcardMatch(name, negated ? p.slice(1) : p)) continue;
    if (negated) return false;
    hit = true;
  }
  return hit;
}

export interface Computed {
  options: Map<string, Option>;
  /** Set when a Match block that Edgeward cannot evaluate would decide this host's settings. */
  undecidable?: Origin & { reason: string };
}

const EVALUABLE = new Set(['all', 'host', 'originalhost', 'user', 'localuser']);

/** An index over the blocks so that computing one host visits only the blocks that can apply to it. */
export class SshConfigIndex {
  private readonly general: number[] = [];
  private readonly byName = new Map<string, number[]>();

  constructor(private readonly config: ParsedConfig) {
    config.blocks.forEach((b, i) => {
      const hostConds = b.conditions.filter((c) => c.kind === 'host');
      const literal = b.conditions.every((c) => c.kind === 'host') && hostConds.length > 0;
      const last = hostConds[hostConds.length - 1];
      if (literal && last && last.patterns.every((p) => !/[*?!]/.test(p))) {
        for (const p of new Set(last.patterns)) {
          const list = this.byName.get(p) ?? [];
          list.push(i);
          this.byName.set(p, list);
        }
      } else this.general.push(i);
    });
  }

  /** The options in force for `alias`, first value winning, as `ssh -G alias` would compute them. */
  compute(alias: string): Computed {
    const specific = this.byName.get(alias) ?? [];
    // Merge the two ascending lists so blocks are visited in file order.
    const order: number[] = [];
    for (let a = 0, b = 0; a < this.general.length || b < specific.length;) {
      if (b >= specific.length || (a < this.general.length && this.general[a]! < specific[b]!)) order.push(this.general[a++]!);
      else order.push(specific[b++]!);
    }
    const out: Computed = { options: new Map() };
    for (const i of order) {
      const block = this.config.blocks[i]!;
      let applies = true;
      for (const c of block.conditions) {
        if (c.kind === 'host') applies = hostListMatches(c.patterns, alias);
        else {
          const r = this.matchApplies(c.args, alias, out.options);
          if (r === 'unknown') {
            out.undecidable ??= { ...c.at, reason: `Match ${c.args.join(' ')}` };
            applies = false;
          } else applies = r;
        }
        if (!applies) break;
      }
      if (!applies) continue;
      for (const o of block.options) {
        // ProxyJump and ProxyCommand compete for one slot: whichever comes first wins (ssh_config(5)).
        const slot = o.key === 'proxycommand' || o.key === 'proxyjump' ? 'proxy' : o.key;
        if (!out.options.has(slot)) out.options.set(slot, o);
      }
    }
    return out;
  }

  /** readconf.c's match_cfg_line for the criteria that need no command run: true, false, or unknown. */
  private matchApplies(args: string[], alias: string, so_far: Map<string, Option>): boolean | 'unknown' {
    let unknown = false;
    for (let k = 0; k < args.length; k++) {
      let crit = args[k]!.toLowerCase();
      const negate = crit.startsWith('!');
      if (negate) crit = crit.slice(1);
      if (crit === 'all') {
        if (negate) return false;
        continue;
      }
      if (!EVALUABLE.has(crit)) {
        // exec, canonical, final, localnetwork, tagged…: they need a command run or a later pass.
        unknown = true;
        if (!['canonical', 'final'].includes(crit)) k++;
        continue;
      }
      const arg = args[++k] ?? '';
      const hostName = so_far.get('hostname')?.value;
      const subject =
        crit === 'host'
          ? (hostName ? expandHostName(hostName, alias) : alias).toLowerCase()
          : crit === 'originalhost'
            ? alias
            : crit === 'user'
              ? (so_far.get('user')?.value ?? os.userInfo().username)
              : os.userInfo().username;
      const hit = hostListMatches(arg.split(','), subject ?? alias);
      if (hit === negate) return false;
    }
    return unknown ? 'unknown' : true;
  }
}

/** HostName's tokens: OpenSSH expands `%h` (the name given) and `%%` there, and nothing else. */
export function expandHostName(value: string, alias: string): string {
  return expandTokens(value, { h: alias });
}

/** `%x` tokens from a table; `%%` is a percent sign; an unknown token is an error, as in OpenSSH. */
export function expandTokens(value: string, table: Record<string, string>): string {
  return value.replace(/%(.)?/g, (_m, t: string | undefined) => {
    if (t === '%') return '%';
    if (t !== undefined && t in table) return table[t]!;
    throw new Error(
      `unknown token %${t ?? ''} (${Object.keys(table)
        .map((k) => `%${k}`)
        .join(' ')} and %% are expanded here)`,
    );
  });
}
