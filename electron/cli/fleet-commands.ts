import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import type { FleetNodeInput, Selection } from '../../shared/fleet.js';
import type { FleetRunSummary, NodeRunResult } from '../../shared/fleet-commands.js';
import { FINGERPRINT } from '../services/ssh/host-key.js';
import { redactCommand } from '../../shared/command-redaction.js';
import { invoke } from './through-router.js';
import { previewCsv } from '../services/fleet/import-csv.js';
import { previewSshConfigFile, type ImportPreview } from '../services/fleet/import-ssh-config.js';
import { formatTable } from './table.js';
import type { CliOptions } from './options.js';
import { reportError, type CliOutput } from './output.js';
import { parseDuration } from './alert-commands.js';
import { cliTime } from './time.js';

export interface FleetCliOptions extends CliOptions {
  host?: string;
  port?: string;
  user?: string;
  key?: string;
  agent?: boolean;
  'password-stdin'?: boolean;
  'passphrase-stdin'?: boolean;
  via?: string;
  site?: string;
  dept?: string;
  tag?: string[];
  role?: string;
  reason?: string;
  fingerprint?: string;
  yes?: boolean;
  all?: boolean;
  concurrency?: string;
  timeout?: string;
  commandArgs?: string[];
  count?: string;
}

export interface CliIo {
  readStdin(): Promise<string>;
  isTty: boolean;
  ask(question: string): Promise<string>;
}

export const processIo: CliIo = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  },
  isTty: Boolean(process.stdin.isTTY),
  ask: async (q) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(q);
    } finally {
      rl.close();
    }
  },
};

async function guarded(out: CliOutput, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppErrorException) return reportError(err.appError, out);
    throw err;
  }
}

function printPreview(p: ImportPreview, out: CliOutput): void {
  if (out.json) return;
  out.print(
    formatTable(
      ['NAME', 'HOST', 'PORT', 'USER', 'AUTH', 'VIA'],
      p.nodes.map((n) => [n.name, n.host, String(n.port), n.user, n.auth, n.via.join(',')]),
    ),
  );
  for (const e of p.errors) out.error(`${e.file}:${e.line}: ${e.message}`);
  for (const e of p.skipped ?? []) out.error(`${e.file}:${e.line}: ${e.message}`);
}

function selectionFrom(opts: FleetCliOptions, names: string[]): Selection | string {
  const given = [opts.all ? 1 : 0, opts.site ? 1 : 0, opts.tag?.length ? 1 : 0, names.length ? 1 : 0].reduce((a, b) => a + b, 0);
  if (given !== 1) return 'choose exactly one of --all, --site S, --tag T or node names';
  if (opts.all) return { kind: 'all' };
  if (opts.site) return { kind: 'site', site: opts.site };
  if (opts.tag?.length) return { kind: 'tag', tag: opts.tag[0]! };
  return { kind: 'nodes', nodes: names };
}

const ICON: Record<string, string> = {
  ok: '✔',
  failed: '✖',
  unreachable: '⊘',
  timeout: '⏱',
  cancelled: '■',
  'auth-failed': '✖',
  hostkey: '⚠',
  disabled: '⊘',
  'not-found': '?',
};

function printNodeResult(r: NodeRunResult, out: CliOutput): void {
  out.print(
    `── ${r.node} ${ICON[r.outcome] ?? ''} ${r.outcome} (${(r.durationMs / 1000).toFixed(2)} s)${r.message ? `: ${r.message}` : ''}`,
  );
  if (r.stdout) out.print(r.stdout.replace(/\n$/, ''));
  if (r.stderr) out.print(r.stderr.replace(/\n$/, '').replace(/^/gm, 'stderr: '));
  if (r.droppedBytes) out.print(`   (${r.droppedBytes.toLocaleString('en-US')} more bytes of output not kept)`);
  if (r.action && r.outcome !== 'ok') out.print(`   → ${r.action}`);
}

function summaryLine(s: FleetRunSummary): string {
  const parts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return `${s.total} node${s.total === 1 ? '' : 's'}: ${parts.join(', ')} (${(s.durationMs / 1000).toFixed(2)} s)`;
}

export async function runFleetCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: FleetCliOptions,
  io: CliIo,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, ...rest] = args;
  const { inventory, pool, runner } = backend;

  if (command === 'nodes' && sub === 'add' && rest.length === 1) {
    return guarded(out, async () => {
      const authFlags = [opts.key ? 'key' : '', opts.agent ? 'agent' : '', opts['password-stdin'] ? 'password' : ''].filter(Boolean);
      if (authFlags.length > 1) return usageError('choose one of --key, --agent, --password-stdin');
      if (!opts.host) return usageError('nodes add needs --host');
      const input: FleetNodeInput = {
        name: rest[0]!,
        host: opts.host,
        ...(opts.port ? { port: Number(opts.port) } : {}),
        ...(opts.user ? { user: opts.user } : {}),
        auth: (authFlags[0] as FleetNodeInput['auth']) ?? 'agent',
        ...(opts.key ? { keyPath: path.resolve(opts.key.replace(/^~(?=\/)/, os.homedir())) } : {}),
        via: opts.via ? opts.via.split(',') : [],
        ...(opts.site ? { site: opts.site } : {}),
        ...(opts.dept ? { department: opts.dept } : {}),
        tags: opts.tag ?? [],
        ...(opts.role ? { role: opts.role as FleetNodeInput['role'] } : {}),
      };
      const node = await invoke(backend, 'fleet.node.add', input);
      // The CLI never stores a password: it is used for this run only (e.g. the test below), set
      // through the same channel as the window's, so which secret was set is audited the same way.
      if (opts['password-stdin'])
        await invoke(backend, 'fleet.node.setSecret', { name: node.name, kind: 'password', value: await io.readStdin(), persist: false });
      if (out.json) out.print(JSON.stringify(node));
      else
        out.print(
          `added ${node.name} (${node.user}@${node.host}:${node.port}, ${node.auth}${node.via.length ? ` via ${node.via.join(',')}` : ''}); next: edgeward trust ${node.name}`,
        );
      return 0;
    });
  }
  if (command === 'nodes' && (sub === 'ls' || sub === 'list') && rest.length === 0) {
    const nodes = inventory.list();
    // The same health the Fleet view shows, from the same model.
    const health = new Map((await invoke(backend, 'fleet.health', {})).nodes.map((h) => [h.node, h]));
    if (out.json) out.print(JSON.stringify(nodes.map((n) => ({ ...n, health: health.get(n.name) }))));
    else if (nodes.length === 0)
      out.print('No nodes yet. Add one: edgeward nodes add NAME --host H, or import ~/.ssh/config: edgeward nodes import-ssh-config');
    else {
      out.print(
        formatTable(
          ['NAME', 'HEALTH', 'HOST', 'USER', 'SITE', 'DEPT', 'ROLE', 'TAGS', 'VIA', 'WHY'],
          nodes.map((n) => [
            n.name,
            health.get(n.name)?.level.toUpperCase() ?? '?',
            `${n.host}:${n.port}`,
            n.user,
            n.site,
            n.department,
            n.role,
            n.tags.join(','),
            n.via.join(','),
            health.get(n.name)?.reason ?? '',
          ]),
        ),
      );
    }
    return 0;
  }
  if (command === 'nodes' && sub === 'show' && rest.length === 1) {
    const n = inventory.get(rest[0]!);
    if (!n) return reportError({ code: 'NOT_FOUND', message: `No node named ${rest[0]}`, action: 'See edgeward nodes ls.' }, out);
    const pinned = backend.pool.statusOf(n.name)?.fingerprint;
    if (out.json) out.print(JSON.stringify({ ...n, fingerprint: pinned }));
    else
      out.print(
        formatTable(
          ['KEY', 'VALUE'],
          Object.entries({ ...n, fingerprint: pinned ?? '(see: edgeward trust)' }).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(',') : String(v ?? ''),
          ]),
        ),
      );
    return 0;
  }
  if (command === 'nodes' && sub === 'rm' && rest.length === 1) {
    return guarded(out, async () => {
      await invoke(backend, 'fleet.node.remove', { name: rest[0]! });
      out.print(out.json ? JSON.stringify({ removed: rest[0] }) : `removed ${rest[0]}`);
      return 0;
    });
  }
  if (command === 'nodes' && (sub === 'disable' || sub === 'enable') && rest.length === 1) {
    return guarded(out, async () => {
      const n = await invoke(backend, 'fleet.node.setEnabled', {
        name: rest[0]!,
        enabled: sub === 'enable',
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      out.print(out.json ? JSON.stringify(n) : `${sub}d ${n.name}`);
      return 0;
    });
  }
  if (command === 'nodes' && sub === 'drain' && rest.length === 1) {
    if (!opts.reason?.trim()) return usageError('drain needs --reason TEXT (the repair, the ticket): it is recorded');
    let until: number | undefined;
    if (opts.until !== undefined) {
      const inMs = parseDuration(opts.until);
      until = inMs !== undefined ? Date.now() + inMs : Date.parse(opts.until);
      if (!Number.isFinite(until)) return usageError('--until takes a time (2026-12-01T18:00+01:00) or a duration (30m, 4h, 2d)');
    }
    return guarded(out, async () => {
      const n = await invoke(backend, 'fleet.node.drain', {
        name: rest[0]!,
        reason: opts.reason!,
        ...(until !== undefined ? { until } : {}),
      });
      out.print(
        out.json ? JSON.stringify(n) : `drained ${n.name}${n.drain?.until ? ` until ${cliTime(n.drain.until)}` : ' until undrained'}`,
      );
      return 0;
    });
  }
  if (command === 'nodes' && sub === 'undrain' && rest.length === 1) {
    return guarded(out, async () => {
      const n = await invoke(backend, 'fleet.node.undrain', { name: rest[0]! });
      out.print(out.json ? JSON.stringify(n) : `undrained ${n.name}`);
      return 0;
    });
  }
  if (command === 'nodes' && (sub === 'import-ssh-config' || sub === 'import-csv') && rest.length <= 1) {
    return guarded(out, async () => {
      const file = rest[0] ?? (sub === 'import-ssh-config' ? path.join(os.homedir(), '.ssh', 'config') : undefined);
      if (!file) return usageError('import-csv needs a FILE');
      let preview: ImportPreview;
      try {
        preview =
          sub === 'import-csv'
            ? previewCsv(fs.readFileSync(file, 'utf8'), file)
            : await previewSshConfigFile(file, path.join(os.homedir(), '.ssh'));
      } catch (err) {
        return reportError(
          { code: 'NOT_FOUND', message: `cannot read ${file}: ${(err as Error).message}`, action: 'Give a regular, readable file.' },
          out,
        );
      }
      printPreview(preview, out);
      if (preview.errors.length) {
        if (out.json) out.print(JSON.stringify(preview));
        out.error(`${preview.errors.length} problem(s): nothing imported. Fix them and run again.`);
        return 2;
      }
      if (!opts.yes) {
        if (!io.isTty) {
          out.error(`Preview only: ${preview.nodes.length} node(s). Run again with --yes to import them.`);
          return out.json ? (out.print(JSON.stringify(preview)), 0) : 0;
        }
        if (!/^y(es)?$/i.test(await io.ask(`Import ${preview.nodes.length} node(s)? [y/N] `))) return 1;
      }
      const added = await invoke(backend, 'fleet.import.commit', { nodes: preview.nodes, source: file.slice(0, 200) });
      out.print(out.json ? JSON.stringify({ imported: added.count }) : `imported ${added.count} node(s)`);
      return 0;
    });
  }

  if (command === 'trust' && sub !== undefined && rest.length === 0) {
    return guarded(out, async () => {
      if (opts.fingerprint !== undefined && !FINGERPRINT.test(opts.fingerprint))
        return usageError('--fingerprint must look like SHA256: followed by 43 base64 characters');
      const seen = await pool.trust(sub, opts.fingerprint);
      if (seen.pinned) {
        out.print(
          out.json ? JSON.stringify(seen) : `trusted ${sub}: ${seen.fingerprint}${seen.previous ? ` (replaces ${seen.previous})` : ''}`,
        );
        return 0;
      }
      const changed = seen.previous ? `\nWARNING: this differs from the key trusted before (${seen.previous}).` : '';
      const confirm =
        opts.yes ||
        (io.isTty &&
          /^y(es)?$/i.test(
            await io.ask(`${sub} presents ${seen.fingerprint}.${changed}\nCompare it with the server's console. Trust it? [y/N] `),
          ));
      if (!confirm) {
        if (out.json) out.print(JSON.stringify(seen));
        else
          out.error(
            `${sub} presents ${seen.fingerprint}. Not trusted.${changed}\n  → Compare it with the server, then: edgeward trust ${sub} --fingerprint ${seen.fingerprint}`,
          );
        return 1;
      }
      const pinned = await invoke(backend, 'fleet.node.trust', { name: sub, fingerprint: seen.fingerprint });
      out.print(out.json ? JSON.stringify(pinned) : `trusted ${sub}: ${pinned.fingerprint}`);
      return 0;
    });
  }

  if (command === 'exec') {
    return guarded(out, async () => {
      const names = [sub, ...rest].filter((x): x is string => x !== undefined);
      const selection = selectionFrom(opts, names);
      if (typeof selection === 'string') return usageError(selection);
      const cmd = (opts.commandArgs ?? []).join(' ');
      if (!cmd) return usageError('exec needs a command after --');
      const recorded = redactCommand(cmd);
      if (recorded.redactions.length)
        out.error(
          `The audit log records this command as: ${recorded.text}\n  (${recorded.redactions.length} secret(s) redacted: ${[...new Set(recorded.redactions.map((r) => r.shape))].join(', ')})`,
        );
      if (opts['passphrase-stdin']) {
        const value = await io.readStdin();
        // One per key file (the passphrase belongs to the key, not to the node), for this run only.
        const byKey = new Map(
          inventory
            .list()
            .filter((n) => n.keyPath)
            .map((n) => [n.keyPath!, n.name]),
        );
        for (const name of byKey.values())
          await invoke(backend, 'fleet.node.setSecret', { name, kind: 'passphrase', value, persist: false });
      }
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        const summary = await runner.run(
          {
            selection,
            command: cmd,
            confirmed: true, // typing it on the command line is the confirmation
            concurrency: opts.concurrency ? Number(opts.concurrency) : 32,
            timeoutS: opts.timeout ? Number(opts.timeout) : 60,
          },
          (f) => {
            if (!out.json && 'done' in f) printNodeResult(f.done, out);
          },
          ac.signal,
        );
        if (out.json) out.print(JSON.stringify(summary));
        else out.print(summaryLine(summary));
        return summary.counts.ok === summary.total ? 0 : 1;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
  }
  return undefined;
}
