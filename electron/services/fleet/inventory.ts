import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { FleetNode, NodePatch, type FleetNodeInput } from '../../../shared/fleet.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { zodDetails } from '../../../shared/zod-details.js';
import { InventoryStore } from './inventory-store.js';
import { stateDbFile } from '../store/state-db.js';
import { DirLock } from '../audit/lock.js';
import type { Intent } from '../audit/intent.js';

// One collator for every sort: localeCompare with options builds one per call, and sorting 2,000 names
// that way took 70 ms of each fleet.list (most of the Fleet view's first paint).
const byName = new Intl.Collator(undefined, { numeric: true }).compare;

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
 * The node inventory, kept in the state store (inventory-store.ts). Every change goes through the
 * audit log first; a change that cannot be recorded does not happen.
 */
export class Inventory {
  private nodes = new Map<string, FleetNode>();
  private readonly listeners = new Set<() => void>();
  /** The store's change counter as last read: another process's change shows as a new value. */
  private seen = -1;
  private readonly lock: DirLock;

  constructor(
    private readonly store: InventoryStore,
    lockDir: string,
    private readonly audit: AuditLog,
  ) {
    fs.mkdirSync(lockDir, { recursive: true, mode: 0o700 });
    this.lock = new DirLock(lockDir, 'the inventory');
    this.load();
  }

  /**
   * A change is checked against the inventory as it is now and then made, and the app and CLIs
   * change it at the same time: under a lock shared by processes (the check, the intent and the
   * write span an await, which no SQLite transaction here can), so no one's change is lost.
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

  /** Reads the store when another process changed it; `force` reads it anyway (under the lock). */
  private load(force = false): void {
    if (!force && this.store.version() === this.seen) return;
    const { nodes, version } = this.store.all();
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.seen = version;
  }

  static open(dataDir: string, audit: AuditLog, sqliteBinding?: string): Inventory {
    const store = InventoryStore.open(stateDbFile(dataDir), path.join(dataDir, 'inventory.json'), sqliteBinding);
    return new Inventory(store, path.join(dataDir, 'locks', 'inventory'), audit);
  }

  list(): FleetNode[] {
    this.load();
    return [...this.nodes.values()].sort((a, b) => byName(a.name, b.name));
  }

  get(name: string): FleetNode | undefined {
    this.load();
    return this.nodes.get(name);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes what changed (in this.nodes already) to the store, in one transaction. */
  private save(intent: Intent, put: FleetNode[], remove: string[] = []): void {
    try {
      this.seen = this.store.write(intent, put, remove);
    } catch (err) {
      // Not written (a full disk): what this process holds in memory is read again before use.
      this.seen = -1;
      throw err;
    }
    for (const l of this.listeners) l();
  }

  close(): void {
    this.store.close();
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
        this.save(intent, [node]);
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
          this.save(intent, nodes);
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
        this.save(intent, [next]);
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
          this.save(intent, [], [name]);
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
          this.save(intent, [next]);
          return next;
        },
      );
    });
  }

  /** Maintenance mode with a reason and an optional end; audited. */
  async drain(name: string, reason: string, until?: number): Promise<FleetNode> {
    return this.locked(async () => {
      const node = this.require(name);
      const why = reason.trim();
      if (!why)
        throw new AppErrorException(
          appError('VALIDATION', 'Draining a node needs a reason', 'Say why (the repair, the ticket): it is recorded.'),
        );
      if (until !== undefined && until <= Date.now())
        throw new AppErrorException(appError('VALIDATION', 'The drain would end in the past', 'Give an end time in the future, or none.'));
      const next: FleetNode = { ...node, drain: { reason: why.slice(0, 500), at: Date.now(), ...(until !== undefined ? { until } : {}) } };
      return this.audit.perform(
        {
          action: 'node.drain',
          target: { site: node.site, node: name },
          reason: why,
          params: until !== undefined ? { until: new Date(until).toISOString() } : {},
        },
        (intent) => {
          this.nodes.set(name, next);
          this.save(intent, [next]);
          return next;
        },
      );
    });
  }

  /**
   * Ends a drain: asked for, or because its end time passed (`ended`). Undefined when the node was
   * not drained (another process undrained it first), so an expiry is recorded once.
   */
  async undrain(name: string, ended?: 'ended'): Promise<FleetNode | undefined> {
    return this.locked(async () => {
      const node = this.require(name);
      if (!node.drain) {
        if (ended) return undefined;
        throw new AppErrorException(appError('CONFLICT', `${name} is not drained`, 'Nothing to undo.'));
      }
      const { drain: _ended, ...rest } = node;
      const next = rest as FleetNode;
      return this.audit.perform(
        {
          action: 'node.undrain',
          target: { site: node.site, node: name },
          ...(ended ? { reason: `the drain ended at ${new Date(node.drain.until ?? Date.now()).toISOString()}` } : {}),
          params: ended ? { ended: true } : {},
        },
        (intent) => {
          this.nodes.set(name, next);
          this.save(intent, [next]);
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
