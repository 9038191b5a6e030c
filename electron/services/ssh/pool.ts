import fs from 'node:fs';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { FleetNode, NodeStatus, ConnectionStatus } from '../../../shared/fleet.js';
import { AppErrorException, type AppError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { sshErrors, fail } from './errors.js';
import { fingerprintOf, keyTypeOf } from './host-key.js';
import { judgeKnownHosts, type KnownHostsStore } from './known-hosts.js';
import { passphraseKey, passwordKey, type SecretStore } from './secrets.js';
import { Semaphore } from './semaphore.js';
import { expandHome } from '../common/home-path.js';

export type KeyboardInteractivePrompt = (node: string, prompts: { prompt: string; echo: boolean }[]) => Promise<string[]>;

export interface PoolOptions {
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  readyTimeoutMs: number;
  maxHandshakes: number;
  /** Background reconnect of dropped connections: first delay, doubled up to the max, ±20 % jitter. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
}

export interface PoolDeps {
  getNode(name: string): FleetNode | undefined;
  knownHosts: KnownHostsStore;
  /** OpenSSH's own known_hosts, where first-contact keys may already be vouched for. */
  userKnownHostsFile?: string;
  secrets: SecretStore;
  audit: AuditLog;
  prompt?: KeyboardInteractivePrompt;
  options?: Partial<PoolOptions>;
}

export interface Connection {
  client: Client;
  node: FleetNode;
  fingerprint: string;
}

const DEFAULTS: PoolOptions = {
  keepaliveIntervalMs: 5000,
  keepaliveCountMax: 3,
  readyTimeoutMs: 15_000,
  maxHandshakes: 24,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 60_000,
};

const withNote = (e: AppError, note: string): AppError => (note ? { ...e, message: e.message + note } : e);

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take them from the default.
const { Client: SshClient, utils } = ssh2;

/**
 * One SSH connection per node, shared by every feature: created on first use, kept alive, shared by
 * the nodes behind a gateway, re-established after a drop. Host keys are checked by Edgeward itself
 * (ssh2 leaves that to the caller); every trust decision and refusal is audited.
 */
export class SshPool {
  private readonly live = new Map<string, Promise<Connection>>();
  private readonly status = new Map<string, NodeStatus>();
  private readonly listeners = new Set<(s: NodeStatus) => void>();
  private readonly handshakes: Semaphore;
  private readonly options: PoolOptions;
  private readonly retry = new Map<string, { attempt: number; timer?: NodeJS.Timeout }>();
  private closed = false;

  constructor(private readonly deps: PoolDeps) {
    this.options = { ...DEFAULTS, ...deps.options };
    this.handshakes = new Semaphore(this.options.maxHandshakes);
  }

  statuses(): NodeStatus[] {
    return [...this.status.values()];
  }

  statusOf(name: string): NodeStatus | undefined {
    return this.status.get(name);
  }

  onStatus(listener: (s: NodeStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(name: string, status: ConnectionStatus, detail?: string, fingerprint?: string): void {
    const prev = this.status.get(name);
    const next: NodeStatus = {
      name,
      status,
      ...(detail ? { detail } : {}),
      ...((fingerprint ?? prev?.fingerprint) ? { fingerprint: fingerprint ?? prev?.fingerprint } : {}),
      since: prev?.status === status ? prev.since : new Date().toISOString(),
    };
    this.status.set(name, next);
    for (const l of this.listeners) l(next);
  }

  /** The pooled connection to a node, made (through its gateways) if there is none. */
  connect(name: string): Promise<Connection> {
    const node = this.deps.getNode(name);
    if (!node) return Promise.reject(new AppErrorException(sshErrors.notFound(name)));
    if (!node.enabled) {
      this.setStatus(name, 'disabled', node.disabledReason);
      return Promise.reject(new AppErrorException(sshErrors.disabled(name, node.disabledReason)));
    }
    const existing = this.live.get(name);
    if (existing) return existing;
    const attempt = this.open(node).then(
      (conn) => {
        this.retry.delete(name);
        return conn;
      },
      (err: unknown) => {
        this.live.delete(name);
        throw err;
      },
    );
    this.live.set(name, attempt);
    return attempt;
  }

  /**
   * First contact: connects only far enough to see the host key. With `fingerprint` given and equal
   * to what the node presents, pins it (audited); otherwise returns what was presented so a person
   * can compare it before confirming.
   */
  async trust(name: string, fingerprint?: string): Promise<{ fingerprint: string; pinned: boolean; previous?: string }> {
    const node = this.deps.getNode(name);
    if (!node) fail(sshErrors.notFound(name));
    const n = node as FleetNode;
    const presented = await this.presentedKey(n);
    const previous = this.deps.knownHosts.lookup(n.name)?.fingerprint;
    if (!fingerprint || fingerprint !== presented.fingerprint) {
      if (fingerprint) {
        fail(
          sshErrors.setup(
            name,
            `the server presents ${presented.fingerprint}, not ${fingerprint}`,
            'Nothing was trusted. Check the fingerprint you were given.',
          ),
        );
      }
      return { fingerprint: presented.fingerprint, pinned: false, ...(previous ? { previous } : {}) };
    }
    await this.deps.audit.perform(
      {
        action: previous ? 'hostkey.retrust' : 'hostkey.trust',
        target: { site: n.site, node: n.name },
        params: { fingerprint: presented.fingerprint, ...(previous ? { expected: previous } : {}), source: 'confirmed' },
        hostKey: presented.fingerprint,
      },
      (intent) => this.deps.knownHosts.pin(n.name, presented.keyType, presented.key, intent),
    );
    // A connection made under the old key must not be reused.
    await this.disconnect(name);
    this.setStatus(name, 'idle', undefined, presented.fingerprint);
    return { fingerprint: presented.fingerprint, pinned: true, ...(previous ? { previous } : {}) };
  }

  async disconnect(name: string): Promise<void> {
    const conn = this.live.get(name);
    this.live.delete(name);
    if (conn) (await conn.catch(() => undefined))?.client.end();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    for (const r of this.retry.values()) if (r.timer) clearTimeout(r.timer);
    const all = [...this.live.values()];
    this.live.clear();
    // Connections still being made (a slow handshake, a login question nobody answers) are not
    // waited for: each is ended whenever it settles, and shutting down goes on now.
    for (const c of all) void c.then((conn) => conn.client.end()).catch(() => undefined);
    await Promise.race([Promise.allSettled(all), new Promise((r) => setTimeout(r, 50).unref())]);
  }

  /** Stream to the node's SSH port: direct TCP, or forwarded through its innermost gateway. */
  private async socketFor(node: FleetNode): Promise<Duplex | undefined> {
    const gateway = node.via[node.via.length - 1];
    if (!gateway) return undefined;
    let gw: Connection;
    try {
      gw = await this.connect(gateway);
    } catch (err) {
      const e = err instanceof AppErrorException ? err.appError : undefined;
      throw new AppErrorException(sshErrors.unreachable(node.name, `gateway ${gateway} failed: ${e?.message ?? String(err)}`));
    }
    return new Promise((resolve, reject) => {
      gw.client.forwardOut('127.0.0.1', 0, node.host, node.port, (err, stream) => {
        if (err) reject(new AppErrorException(sshErrors.unreachable(node.name, `through gateway ${gateway}: ${err.message}`)));
        else resolve(stream);
      });
    });
  }

  private authConfig(node: FleetNode): Partial<ConnectConfig> {
    switch (node.auth) {
      case 'agent': {
        // Windows: the OpenSSH agent's named pipe, or Pageant, when no SSH_AUTH_SOCK is set.
        const sock =
          process.env.SSH_AUTH_SOCK ??
          (process.platform === 'win32' ? (process.env.EDGEWARD_WINDOWS_AGENT ?? '\\\\.\\pipe\\openssh-ssh-agent') : undefined);
        if (!sock)
          fail(
            sshErrors.setup(
              node.name,
              'no ssh-agent is running (SSH_AUTH_SOCK is not set)',
              'Start ssh-agent and add your key (ssh-add), or configure a key file for this node.',
            ),
          );
        return { agent: sock };
      }
      case 'key': {
        if (!node.keyPath)
          fail(sshErrors.setup(node.name, 'auth is "key" but no key file is set', 'Set the key file in the node settings.'));
        const file = expandHome(node.keyPath as string);
        let data: Buffer;
        try {
          data = fs.readFileSync(file);
        } catch (err) {
          return fail(
            sshErrors.setup(node.name, `cannot read key ${file}: ${(err as Error).message}`, 'Check the path and its permissions.'),
          );
        }
        const parsed = utils.parseKey(data);
        if (parsed instanceof Error) {
          if (!/encrypted|passphrase/i.test(parsed.message)) {
            fail(
              sshErrors.setup(
                node.name,
                `${file} is not a usable private key: ${parsed.message}`,
                'Use an OpenSSH or PEM ed25519, ecdsa or rsa key.',
              ),
            );
          }
          const passphrase = this.deps.secrets.get(passphraseKey(file));
          if (!passphrase) {
            fail(sshErrors.authFailed(node.name, 'key', `${file} is encrypted and no passphrase was given`));
          }
          if (utils.parseKey(data, passphrase) instanceof Error)
            fail(sshErrors.authFailed(node.name, 'key', `wrong passphrase for ${file}`));
          return { privateKey: data, passphrase };
        }
        return { privateKey: data };
      }
      case 'password': {
        const password = this.deps.secrets.get(passwordKey(node.name));
        if (!password) fail(sshErrors.authFailed(node.name, 'password', 'no password was given for this session'));
        return { password };
      }
      case 'keyboard-interactive':
        if (!this.deps.prompt)
          fail(
            sshErrors.authFailed(
              node.name,
              'keyboard-interactive',
              'it asks questions and nobody is there to answer them here; use the desktop app',
            ),
          );
        return { tryKeyboard: true };
    }
  }

  /** Connects just far enough to read the host key; never authenticates. */
  private async presentedKey(node: FleetNode): Promise<{ fingerprint: string; keyType: string; key: string }> {
    const sock = await this.socketFor(node);
    return this.handshakes.run(
      () =>
        new Promise((resolve, reject) => {
          const client = new SshClient();
          let seen: { fingerprint: string; keyType: string; key: string } | undefined;
          client.on('error', (err) => {
            client.end();
            if (seen) resolve(seen);
            else reject(new AppErrorException(sshErrors.unreachable(node.name, err.message)));
          });
          client.on('ready', () => client.end());
          client.connect({
            host: node.host,
            port: node.port,
            username: node.user,
            ...(sock ? { sock } : {}),
            readyTimeout: this.options.readyTimeoutMs,
            hostVerifier: (blob: Buffer) => {
              seen = { fingerprint: fingerprintOf(blob), keyType: keyTypeOf(blob), key: blob.toString('base64') };
              return false;
            },
          });
        }),
    );
  }

  /** What the user's own OpenSSH known_hosts says of this key (unknown when there is no such file). */
  private userVerdict(node: FleetNode, presented: string): ReturnType<typeof judgeKnownHosts> {
    const file = this.deps.userKnownHostsFile;
    let text = '';
    try {
      if (file) text = fs.readFileSync(file, 'utf8');
    } catch {
      /* no such file: nothing vouches, nothing is revoked */
    }
    return judgeKnownHosts(text, node.host, node.port, presented);
  }

  /** Records a refused key; the connection is refused either way, and a refusal that could not be recorded says so. */
  private async refuseKey(node: FleetNode, presented: string, expected: string, source: string, error: string): Promise<string> {
    return this.deps.audit
      .append({
        action: 'hostkey.mismatch',
        target: { site: node.site, node: node.name },
        params: { expected, presented, source },
        outcome: 'failed',
        error,
        durationMs: 0,
        hostKey: presented,
      })
      .then(
        () => '',
        (err: unknown) =>
          ` This refusal could not be recorded in the audit log: ${err instanceof AppErrorException ? err.appError.message : String(err)}.`,
      );
  }

  /** The host key decision; returns the error to refuse with, or undefined to accept. */
  private async checkHostKey(node: FleetNode, blob: Buffer): Promise<AppError | undefined> {
    const presented = fingerprintOf(blob);
    const user = this.userVerdict(node, presented);
    // A key the user's OpenSSH refuses as revoked is refused here too, pinned or not.
    if (user.kind === 'revoked') {
      const note = await this.refuseKey(
        node,
        presented,
        presented,
        'known_hosts',
        `host key is marked @revoked in ~/.ssh/known_hosts (line ${user.line})`,
      );
      return withNote(sshErrors.hostKeyRevoked(node.name, presented, user.line), note);
    }
    const pinned = this.deps.knownHosts.lookup(node.name);
    if (pinned) {
      if (pinned.fingerprint === presented) return undefined;
      const note = await this.refuseKey(node, presented, pinned.fingerprint, 'pinned', 'host key changed; connection refused');
      return withNote(sshErrors.hostKeyChanged(node.name, pinned.fingerprint, presented), note);
    }
    if (user.kind === 'trusted') {
      await this.deps.audit.perform(
        {
          action: 'hostkey.trust',
          target: { site: node.site, node: node.name },
          params: { fingerprint: presented, source: 'known_hosts' },
          hostKey: presented,
        },
        (intent) => this.deps.knownHosts.pin(node.name, keyTypeOf(blob), blob.toString('base64'), intent),
      );
      return undefined;
    }
    if (user.kind === 'changed') {
      const note = await this.refuseKey(node, presented, user.expected[0]!, 'known_hosts', 'host key differs from ~/.ssh/known_hosts');
      return withNote(sshErrors.hostKeyChanged(node.name, user.expected[0]!, presented), note);
    }
    return sshErrors.hostKeyUnknown(node.name, presented);
  }

  private async open(node: FleetNode): Promise<Connection> {
    if (this.closed) fail(sshErrors.unreachable(node.name, 'Edgeward is shutting down'));
    this.setStatus(node.name, 'connecting');
    let auth: Partial<ConnectConfig>;
    try {
      auth = this.authConfig(node);
    } catch (err) {
      const e = (err as AppErrorException).appError;
      this.setStatus(node.name, 'auth-failed', e?.message);
      throw err;
    }
    let sock: Duplex | undefined;
    try {
      sock = await this.socketFor(node);
    } catch (err) {
      this.setStatus(node.name, 'unreachable', (err as AppErrorException).appError?.message);
      throw err;
    }
    return this.handshakes.run(
      () =>
        new Promise<Connection>((resolve, reject) => {
          const client = new SshClient();
          let refusal: AppError | undefined;
          let fingerprint = '';
          let ready = false;
          let settled = false;
          // ssh2's readyTimeout ends with the key exchange; a login that never completes needs a limit of its own.
          const loginLimitMs = this.options.readyTimeoutMs + (node.auth === 'keyboard-interactive' ? 130_000 : 0);
          const refuse = (e: AppError) => {
            if (settled) return;
            settled = true;
            clearTimeout(loginTimer);
            const status: ConnectionStatus =
              e.code === 'HOSTKEY_CHANGED'
                ? 'hostkey-changed'
                : e.code === 'HOSTKEY_UNKNOWN'
                  ? 'hostkey-unknown'
                  : e.code === 'AUTH_FAILED'
                    ? 'auth-failed'
                    : 'unreachable';
            this.setStatus(node.name, status, e.message, fingerprint || undefined);
            reject(new AppErrorException(e));
          };
          const loginTimer = setTimeout(() => {
            refuse(sshErrors.unreachable(node.name, `the login did not complete within ${Math.round(loginLimitMs / 1000)} s`));
            client.end();
          }, loginLimitMs);
          client.on('ready', () => {
            if (settled) {
              client.end();
              return;
            }
            settled = true;
            clearTimeout(loginTimer);
            ready = true;
            this.setStatus(node.name, 'connected', undefined, fingerprint);
            resolve({ client, node, fingerprint });
          });
          client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
            if (!this.deps.prompt) return finish([]);
            this.deps
              .prompt(
                node.name,
                prompts.map((p) => ({ prompt: p.prompt, echo: p.echo ?? false })),
              )
              .then(finish, (err: unknown) => {
                // Nobody answered, or the user cancelled: stop here rather than send empty answers
                // until the server gives up.
                refusal =
                  err instanceof AppErrorException ? err.appError : sshErrors.authFailed(node.name, 'keyboard-interactive', String(err));
                refuse(refusal);
                client.end();
              });
          });
          client.on('error', (err: Error & { level?: string; code?: string }) => {
            if (ready) return; // handled by 'close'
            if (refusal) return refuse(refusal);
            if (err.level === 'client-authentication') return refuse(sshErrors.authFailed(node.name, node.auth, 'no accepted credentials'));
            if (err.level === 'client-timeout')
              return refuse(sshErrors.unreachable(node.name, `no SSH handshake within ${this.options.readyTimeoutMs / 1000} s`));
            return refuse(sshErrors.unreachable(node.name, err.message));
          });
          client.on('close', () => {
            if (!ready) return refuse(refusal ?? sshErrors.unreachable(node.name, 'the connection closed during login'));
            this.live.delete(node.name);
            if (this.closed) return;
            this.setStatus(node.name, 'unreachable', 'connection lost');
            this.scheduleReconnect(node.name);
          });
          client.connect({
            host: node.host,
            port: node.port,
            username: node.user,
            ...(sock ? { sock } : {}),
            ...auth,
            readyTimeout: this.options.readyTimeoutMs,
            keepaliveInterval: this.options.keepaliveIntervalMs,
            keepaliveCountMax: this.options.keepaliveCountMax,
            hostVerifier: (blob: Buffer, verify: (ok: boolean) => void) => {
              fingerprint = fingerprintOf(blob);
              void this.checkHostKey(node, blob).then(
                (err) => {
                  refusal = err;
                  verify(!err);
                },
                () => verify(false),
              );
            },
          } as ConnectConfig);
        }),
    );
  }

  /** Re-establishes a dropped connection in the background, backing off with jitter while it fails. */
  private scheduleReconnect(name: string): void {
    const state = this.retry.get(name) ?? { attempt: 0 };
    if (state.timer) return;
    const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectBaseMs * 2 ** state.attempt);
    const delay = base * (0.8 + Math.random() * 0.4);
    state.attempt += 1;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.closed || this.live.has(name)) return;
      this.connect(name).catch(() => this.scheduleReconnect(name));
    }, delay);
    state.timer.unref();
    this.retry.set(name, state);
  }
}
