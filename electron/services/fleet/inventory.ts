import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FleetNode, NodePatch, type FleetNodeInput } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { zodDetails } from '../../../shared/zod-details.js';
import { writeAtomic } from '../common/write-atomic.js';
import { DirLock } from '../audit/lock.js';
import type { Intent } from '../audit/intent.js';

const InventoryFile = z.strictObject({ version: z.literal(1), nodes: z.array(FleetNode) });

function invalid(what: string, error: z.ZodError): AppErrorException {
  const details = zodDetails(error);
  return new AppErrorException(
    appError(
      'VALIDATION',
      `Invalid ${what}: ${details[0]?.path}: ${details[0]?.message}`,
      'Correct the highlighted fields and try again.',
      details,
    ),
  );
}

/**
 * The node inventory in `inventory.json` (written atomically). Every change goes through the audit
 * log first; a change that cannot be recorded does not happen.
 */
export class Inventory {
  private nodes = new Map<string, FleetNode>();
  private readonly listeners = new Set<() => void>();

  /** mtime and size of the file as last read or written, to notice edits by another process (the CLI). */
  private seen = '';

  private readonly lock: DirLock;

  constructor(
    private readonly file: string,
    private readonly audit: AuditLog,
  ) {
    const lockDir = path.join(path.dirname(file), 'locks', 'inventory');
    fs.mkdirSync(lockDir, { recursive: true, mode: 0o700 });
    this.lock = new DirLock(lockDir, 'the inventory');
    this.load();
  }

  /**
   * Every change is a read-modify-write of the whole file, and the app and CLIs change it at the
   * same time: under a lock shared by processes, on what is on disk now, so no one's write is lost.
   */
  private async locked<T>(change: () => Promise<T>): Promise<T> {
    try {
      await this.lock.acquire(15_000);
    } catch (err) {
      throw new AppErrorException(
        appError('UNAVAILABLE', (err as Error).message, 'Wait for the other Edgeward process to finish, then try again.'),
      );
    }
    try {
      this.load(true);
      return await change();
    } finally {
      await this.lock.release();
    }
  }

  private stamp(): string {
    try {
      const st = fs.statSync(this.file);
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return '';
    }
  }

  /** Reads the file when it changed since; `force` reads it whatever the stamp says (under the lock). */
  private load(force = false): void {
    const stamp = this.stamp();
    if (stamp === this.seen && !force) return;
    const nodes = new Map<string, FleetNode>();
    if (stamp) {
      const parsed = InventoryFile.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      if (!parsed.success) {
        // Keep the user's file; refuse to silently start empty over it.
        throw new AppErrorException(
          appError(
            'INTERNAL',
            `The inventory file ${this.file} is damaged: ${parsed.error.issues[0]?.message}`,
            `Restore it from a backup, or move it aside to start with an empty inventory.`,
          ),
        );
      }
      for (const n of parsed.data.nodes) nodes.set(n.name, n);
    }
    this.nodes = nodes;
    this.seen = stamp;
  }

  static open(dataDir: string, audit: AuditLog): Inventory {
    return new Inventory(path.join(dataDir, 'inventory.json'), audit);
  }

  list(): FleetNode[] {
    this.load();
    return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  get(name: string): FleetNode | undefined {
    this.load();
    return this.nodes.get(name);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private save(_intent: Intent): void {
    writeAtomic(this.file, JSON.stringify({ version: 1, nodes: this.list() }, null, 2));
    this.seen = this.stamp();
    for (const l of this.listeners) l();
  }

  private checkGateways(node: FleetNode, pending: Map<string, FleetNode> = this.nodes): void {
    for (const g of node.via) {
      if (g === node.name)
        throw new AppErrorException(appError('VALIDATION', `${node.name} cannot be its own gateway`, 'Pick another node as gateway.'));
      if (!pending.has(g))
        throw new AppErrorException(
          appError('VALIDATION', `Gateway ${g} of ${node.name} is not in the inventory`, `Add ${g} first, or import both together.`),
        );
    }
  }

  async add(input: FleetNodeInput): Promise<FleetNode> {
    return this.locked(async () => {
      const parsed = FleetNode.safeParse(input);
      if (!parsed.success) throw invalid('node', parsed.error);
      const node = parsed.data;
      if (this.nodes.has(node.name))
        throw new AppErrorException(
          appError('CONFLICT', `A node named ${node.name} already exists`, 'Choose another name, or edit the existing node.'),
        );
      this.checkGateways(node);
      return this.audit.perform({ action: 'node.add', target: { site: node.site, node: node.name }, params: { ...node } }, (intent) => {
        this.nodes.set(node.name, node);
        this.save(intent);
        return node;
      });
    });
  }

  /** Adds many at once (imports): all valid or none, one audit record. */
  async addMany(inputs: FleetNodeInput[], source: string): Promise<FleetNode[]> {
    return this.locked(async () => {
      const nodes: FleetNode[] = [];
      const pending = new Map(this.nodes);
      for (const input of inputs) {
        const parsed = FleetNode.safeParse(input);
        if (!parsed.success) throw invalid(`node ${String((input as { name?: unknown }).name ?? '?')}`, parsed.error);
        if (pending.has(parsed.data.name))
          throw new AppErrorException(
            appError(
              'CONFLICT',
              `A node named ${parsed.data.name} already exists`,
              'Rename it in the source, or remove the existing node first.',
            ),
          );
        pending.set(parsed.data.name, parsed.data);
        nodes.push(parsed.data);
      }
      for (const n of nodes) this.checkGateways(n, pending);
      return this.audit.perform(
        { action: 'nodes.import', params: { source, count: nodes.length, name: nodes.map((n) => n.name).join(',') } },
        (intent) => {
          for (const n of nodes) this.nodes.set(n.name, n);
          this.save(intent);
          return nodes;
        },
      );
    });
  }

  async edit(name: string, patch: NodePatch): Promise<FleetNode> {
    return this.locked(async () => {
      const current = this.require(name);
      const p = NodePatch.safeParse(patch);
      if (!p.success) throw invalid('change', p.error);
      const next = FleetNode.parse({ ...current, ...p.data });
      this.checkGateways(next);
      return this.audit.perform({ action: 'node.edit', target: { site: next.site, node: name }, params: { changes: p.data } }, (intent) => {
        this.nodes.set(name, next);
        this.save(intent);
        return next;
      });
    });
  }

  /** `alsoForget` runs in the same action: what else goes with the node (its host key pin). */
  async remove(name: string, alsoForget: (intent: Intent) => void = () => undefined): Promise<void> {
    return this.locked(async () => {
      const node = this.require(name);
      const dependants = this.list().filter((n) => n.via.includes(name));
      if (dependants.length) {
        throw new AppErrorException(
          appError(
            'CONFLICT',
            `${name} is the gateway of ${dependants.map((n) => n.name).join(', ')}`,
            'Move those nodes to another gateway first.',
          ),
        );
      }
      await this.audit.perform(
        { action: 'node.remove', target: { site: node.site, node: name }, params: { host: node.host } },
        (intent) => {
          this.nodes.delete(name);
          this.save(intent);
          alsoForget(intent);
        },
      );
    });
  }

  /** Disabling takes a reason: it goes into the audit record and is shown on the node. */
  async setEnabled(name: string, enabled: boolean, reason?: string): Promise<FleetNode> {
    return this.locked(async () => {
      const node = this.require(name);
      if (!enabled && !reason?.trim())
        throw new AppErrorException(
          appError('VALIDATION', 'Disabling a node needs a reason', 'Say why (it is recorded in the audit log).'),
        );
      const next: FleetNode = {
        ...node,
        enabled,
        ...(enabled ? { disabledReason: undefined } : { disabledReason: reason!.trim().slice(0, 500) }),
      };
      return this.audit.perform(
        { action: enabled ? 'node.enable' : 'node.disable', target: { site: node.site, node: name }, reason: reason?.trim() },
        (intent) => {
          this.nodes.set(name, next);
          this.save(intent);
          return next;
        },
      );
    });
  }

  private require(name: string): FleetNode {
    const n = this.nodes.get(name);
    if (!n) throw new AppErrorException(appError('NOT_FOUND', `No node named ${name}`, 'Check the name in the Fleet view.'));
    return n;
  }
}
