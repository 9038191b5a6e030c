import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { FleetNode, NODE_NAME, type FleetNodeInput } from '../../../shared/fleet.js';

export interface ImportPreview {
  nodes: FleetNode[];
  errors: { line: number; file: string; message: string }[];
}

const expandHome = (p: string) => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);

function globFiles(pattern: string, baseDir: string): string[] {
  const abs = path.isAbsolute(expandHome(pattern)) ? expandHome(pattern) : path.join(baseDir, pattern);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  if (!/[*?]/.test(base)) return fs.existsSync(abs) ? [abs] : [];
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => re.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

/**
 * Inlines `Include` directives the way ssh reads them (relative paths from ~/.ssh, globs sorted),
 * keeping for every line the file and line it came from, for error messages.
 */
function inline(text: string, file: string, baseDir: string, depth = 0): { text: string; origin: { file: string; line: number }[] } {
  const lines: string[] = [];
  const origin: { file: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*Include\s+(.+?)\s*$/i.exec(line);
    if (m && depth < 16) {
      for (const pattern of m[1]!.split(/\s+/)) {
        for (const inc of globFiles(pattern.replace(/^"|"$/g, ''), baseDir)) {
          const sub = inline(fs.readFileSync(inc, 'utf8'), inc, baseDir, depth + 1);
          lines.push(...sub.text.split('\n'));
          origin.push(...sub.origin);
        }
      }
      return;
    }
    lines.push(line);
    origin.push({ file, line: i + 1 });
  });
  return { text: lines.join('\n'), origin };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const toName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);

/** `[user@]host[:port]` of a ProxyJump hop. */
function parseHop(hop: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
  if (!m) return { host: hop.trim() };
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

/**
 * Turns an ssh_config into inventory nodes: every concrete `Host` alias (wildcard blocks only supply
 * defaults, as in ssh), with HostName, Port, User, IdentityFile and ProxyJump chains. Hops that are
 * not themselves hosts in the file become gateway nodes. Nothing is imported until confirmed.
 */
export function previewSshConfig(text: string, file = '~/.ssh/config', baseDir = path.join(os.homedir(), '.ssh')): ImportPreview {
  const { text: full, origin } = inline(text, file, baseDir);
  const config = SSHConfig.parse(full);
  const lineOf = (alias: string) => {
    const idx = full
      .split('\n')
      .findIndex((l) => new RegExp(`^\\s*Host\\s+(?:.*\\s)?${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`, 'i').test(l));
    return origin[idx] ?? { file, line: 0 };
  };
  const aliases: string[] = [];
  for (const section of config) {
    if (!('param' in section) || section.param.toLowerCase() !== 'host') continue;
    const values = Array.isArray(section.value) ? section.value : String(section.value).split(/\s+/);
    for (const v of values) {
      const alias = typeof v === 'string' ? v : (v as { val: string }).val;
      if (alias && !/[*?!]/.test(alias) && !aliases.includes(alias)) aliases.push(alias);
    }
  }
  const nodes = new Map<string, FleetNodeInput>();
  const errors: ImportPreview['errors'] = [];
  const hopNames = new Map<string, string>();

  const nodeFor = (alias: string): FleetNodeInput => {
    const c = config.compute(alias, { ignoreCase: true }) as Record<string, string | string[]>;
    const identity = first(c.identityfile);
    const jump = first(c.proxyjump);
    const via: string[] = [];
    if (jump && jump.toLowerCase() !== 'none') {
      for (const hop of jump.split(',')) {
        const h = parseHop(hop);
        if (aliases.includes(h.host)) via.push(toName(h.host));
        else {
          const name = hopNames.get(hop) ?? toName(h.host);
          hopNames.set(hop, name);
          if (!nodes.has(name))
            nodes.set(name, {
              name,
              host: h.host,
              port: h.port ?? 22,
              user: h.user ?? 'root',
              auth: 'agent',
              role: 'gateway',
              notes: `ProxyJump hop from ${file}`,
            });
          via.push(name);
        }
      }
    }
    return {
      name: toName(alias),
      host: first(c.hostname) ?? alias,
      port: c.port ? Number(first(c.port)) : 22,
      user: first(c.user) ?? os.userInfo().username,
      auth: identity ? 'key' : 'agent',
      ...(identity ? { keyPath: identity } : {}),
      via,
      notes: `Imported from ${file}`,
    };
  };

  for (const alias of aliases) {
    const node = nodeFor(alias);
    const where = lineOf(alias);
    if (!NODE_NAME.test(node.name)) {
      errors.push({ ...where, message: `Host ${alias}: cannot make a node name from it` });
      continue;
    }
    const parsed = FleetNode.safeParse(node);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push({ ...where, message: `Host ${alias}: ${issue?.path.join('.')}: ${issue?.message}` });
      continue;
    }
    nodes.set(node.name, node);
  }
  // Hops used by some host that also appear as hosts get the gateway role.
  for (const n of nodes.values())
    for (const g of n.via ?? []) {
      const gw = nodes.get(g);
      if (gw) gw.role = 'gateway';
    }
  return { nodes: [...nodes.values()].map((n) => FleetNode.parse(n)), errors };
}
