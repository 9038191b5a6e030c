import os from 'node:os';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { SecretStore } from '../ssh/secrets.js';
import type { AuditLog } from './audit-log.js';
import {
  checkpointOrigin,
  checkpointsFile,
  createKey,
  parseKey,
  startCheckpointing,
  verifierKey,
  type CheckpointKey,
} from './checkpoints.js';

/** The secret the desktop app keeps its checkpoint signing key under (encrypted with safeStorage). */
export const CHECKPOINT_SECRET = 'checkpoint-key';

export interface CheckpointSigningStatus {
  signing: boolean;
  /** The verifier key to give the SIEM (`NAME+KEYID+BASE64`). */
  verifier?: string;
  /** Whether this process can keep a key encrypted (the OS keychain through safeStorage). */
  canKeepKey: boolean;
}

/**
 * Signed checkpoints in the desktop app: the Ed25519 key is kept in the secret store (encrypted
 * with the OS keychain through safeStorage, never in the clear on disk), and while the app runs it
 * signs the head every 1,000 records or 10 minutes, as the collector does with its key file.
 * A process whose store cannot encrypt (no keychain) does not make a key: it would be lost at exit.
 */
export class CheckpointSigning {
  private key: CheckpointKey | undefined;
  private stopSigning: (() => void) | undefined;

  constructor(
    private readonly log: AuditLog,
    private readonly secrets: SecretStore,
    private readonly o: { every?: number; everyMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /** Starts signing with the key the store keeps, if it keeps one. */
  resume(): void {
    const text = this.secrets.get(CHECKPOINT_SECRET);
    if (!text || this.stopSigning) return;
    try {
      this.begin(parseKey(text, 'The kept checkpoint key'));
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  status(): CheckpointSigningStatus {
    return {
      signing: this.stopSigning !== undefined,
      ...(this.key ? { verifier: verifierKey(this.key) } : {}),
      canKeepKey: this.secrets.canPersist,
    };
  }

  /** Makes the key, keeps it encrypted, starts signing; audited with the verifier key (never the private one). */
  async createKey(name = `edgeward-${os.hostname()}`): Promise<CheckpointSigningStatus> {
    if (!this.secrets.canPersist)
      throw new AppErrorException(
        appError(
          'UNAVAILABLE',
          'This process cannot keep a signing key encrypted (no OS keychain through safeStorage)',
          'Sign from the collector with a key file instead: edgeward audit checkpoint-key FILE, then edgeward collector --checkpoint-key FILE.',
        ),
      );
    if (this.key)
      throw new AppErrorException(
        appError(
          'CONFLICT',
          'Checkpoints are already signed with a key',
          'Keep using it: the SIEM holds its verifier key. A new key would need a new verifier there.',
        ),
      );
    const { key, text } = createKey(name.replace(/[^A-Za-z0-9._/-]/g, '-').slice(0, 100));
    const verifier = verifierKey(key);
    await this.log.perform({ action: 'secret.set', params: { entry: CHECKPOINT_SECRET, persist: true, verifier } }, () =>
      this.secrets.set(CHECKPOINT_SECRET, text, true),
    );
    this.begin(key);
    return this.status();
  }

  private begin(key: CheckpointKey): void {
    this.key = key;
    this.stopSigning = startCheckpointing(this.log, key, checkpointOrigin(), checkpointsFile(this.log.dir), this.o);
  }

  /** Stops signing; the head is signed once more, so the last records are covered too. */
  close(): void {
    this.stopSigning?.();
    this.stopSigning = undefined;
  }
}
