import os from 'node:os';
import path from 'node:path';
import { FleetNode, NODE_NAME, type FleetNodeInput } from '../../../shared/fleet.js';
import { expandTokens, parseSshConfig, readBounded, SshConfigIndex, LIMITS, type Computed } from './ssh-config-eval.js';

export interface ImportPreview {
  nodes: FleetNode[];
  /** Hosts (or lines) not imported, each with where it is and why. */
  errors: { line: number; file: string; message: string }[];
  /** Hosts left out on purpose, each with why (ProxyCommand, an unevaluable Match); the rest import. */
  skipped?: { line: number; file: string; message: string }[];
}

/** A host Edgeward leaves out by design, as opposed to one with a bad value. */
class NotImported extends Error {}

const toName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);

/** `[ssh://][user@]host[:port]` of a ProxyJump hop. */
export function parseHop(hop: string): { user?: string; host: string; port?: number } {
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hop.trim());
  if (!m) return { host: hop.trim() };
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

interface Resolved {
  host: string;
  port: number;
  user: string;
  identity?: string;
  jump?: string;
}

/** The settings ssh would use for `alias`, tokens expanded; throws with the reason a host cannot be imported. */
function resolve(computed: Computed, alias: string): Resolved {
  const o = computed.options;
  if (computed.undecidable) {
    const u = computed.undecidable;
    throw new NotImported(`${u.reason} (${u.file}:${u.line}) may change its settings; Edgeward does not run or evaluate that criterion`);
  }
  const proxy = o.get('proxy');
  if (proxy?.key === 'proxycommand' && proxy.value.toLowerCase() !== 'none')
    throw new NotImported(
      `ProxyCommand (${proxy.at.file}:${proxy.at.line}) runs a local program, which Edgeward does not do; add the node with its gateway (via) instead`,
    );
  const local = os.userInfo().username;
  const portText = o.get('port')?.value;
  const port = portText ? Number(portText) : 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Port ${portText} is not a port number`);
  const hostName = o.get('hostname')?.value;
  // ssh lowercases the host it connects to (the name given, or HostName after expansion).
  const host = (hostName ? expandTokens(hostName, { h: alias }) : alias).toLowerCase();
  const userValue = o.get('user')?.value;
  const user = userValue ? expandTokens(userValue, { h: host, n: alias, p: String(port), u: local }) : local;
  const jump = proxy?.key === 'proxyjump' && proxy.value.toLowerCase() !== 'none' ? proxy.value : undefined;
  return {
    host,
    port,
    user,
    ...(o.get('identityfile') ? { identity: o.get('identityfile')!.value } : {}),
    ...(jump ? { jump: expandTokens(jump, { h: host, n: alias, p: String(port), r: user, u: local }) } : {}),
  };
}

/**
 * Turns an ssh_config into inventory nodes: every concrete `Host` alias (wildcard blocks only supply
 * defaults, as in ssh), with HostName, Port, User, IdentityFile and ProxyJump chains. Hops that are
 * not themselves hosts in the file become gateway nodes, configured as ssh would configure them.
 * A host that cannot be imported (ProxyCommand, a Match that needs a command, a bad value) is listed
 * with its reason; the others still are. Nothing is imported until confirmed.
 */
export async function previewSshConfig(
  text: string,
  file = '~/.ssh/config',
  baseDir = path.join(os.homedir(), '.ssh'),
): Promise<ImportPreview> {
  const config = await parseSshConfig(text, file, baseDir);
  const index = new SshConfigIndex(config);
  const aliases = new Set(config.hosts.map((h) => h.alias));
  const nodes = new Map<string, FleetNodeInput>();
  const errors: ImportPreview['errors'] = [...config.errors];
  const skipped: NonNullable<ImportPreview['skipped']> = [];
  const hopNames = new Map<string, string>();

  const gatewayFor = (hop: string): string => {
    const h = parseHop(hop);
    if (aliases.has(h.host)) return toName(h.host);
    const known = hopNames.get(hop);
    if (known) return known;
    // ssh reaches a hop by running itself for that name: the hop gets the config's settings too.
    const r = resolve(index.compute(h.host), h.host);
    const name = toName(h.host);
    hopNames.set(hop, name);
    if (!nodes.has(name))
      nodes.set(name, {
        name,
        host: r.host,
        port: h.port ?? r.port,
        user: h.user ?? r.user,
        auth: r.identity ? 'key' : 'agent',
        ...(r.identity ? { keyPath: r.identity } : {}),
        role: 'gateway',
        notes: `ProxyJump hop from ${file}`,
      });
    return name;
  };

  for (const { alias, at } of config.hosts) {
    const where = { file: at.file, line: at.line };
    const name = toName(alias);
    if (!NODE_NAME.test(name)) {
      errors.push({ ...where, message: `Host ${alias}: cannot make a node name from it` });
      continue;
    }
    let node: FleetNodeInput;
    try {
      const r = resolve(index.compute(alias), alias);
      const via = r.jump ? r.jump.split(',').map(gatewayFor) : [];
      node = {
        name,
        host: r.host,
        port: r.port,
        user: r.user,
        auth: r.identity ? 'key' : 'agent',
        ...(r.identity ? { keyPath: r.identity } : {}),
        via,
        notes: `Imported from ${file}`,
      };
    } catch (err) {
      (err instanceof NotImported ? skipped : errors).push({ ...where, message: `Host ${alias}: not imported: ${(err as Error).message}` });
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
  const out: FleetNode[] = [];
  for (const n of nodes.values()) {
    const parsed = FleetNode.safeParse(n);
    if (parsed.success) out.push(parsed.data);
    else errors.push({ file, line: 0, message: `gateway ${n.name}: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
  }
  // A node whose gateway could not be made cannot be reached either.
  const names = new Set(out.map((n) => n.name));
  return { nodes: out.filter((n) => n.via.every((g) => names.has(g))), errors, skipped };
}

/** Reads and previews a config file; a FIFO, a device or a huge file is refused rather than read. */
export async function previewSshConfigFile(file: string, baseDir = path.join(os.homedir(), '.ssh')): Promise<ImportPreview> {
  const text = await readBounded(file, { bytes: LIMITS.totalBytes, files: LIMITS.files });
  return previewSshConfig(text, file, baseDir);
}
