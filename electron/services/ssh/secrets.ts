import path from 'node:path';
import { expandHome } from '../common/home-path.js';

/**
 * Where passwords and key passphrases live. Nothing here ever writes a secret in the clear: the
 * desktop app plugs in a store encrypted with Electron safeStorage (electron/adapters); the CLI and
 * the loopback server keep secrets in memory for the session only.
 */
export interface SecretStore {
  get(key: string): string | undefined;
  /** `persist` asks to keep it across restarts; stores that cannot encrypt keep it in memory only. */
  set(key: string, value: string, persist: boolean): void;
  delete(key: string): void;
  readonly canPersist: boolean;
}

export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  readonly canPersist: boolean = false;
  get(key: string) {
    return this.values.get(key);
  }
  set(key: string, value: string) {
    this.values.set(key, value);
  }
  delete(key: string) {
    this.values.delete(key);
  }
}

export const passwordKey = (node: string) => `password:${node}`;
/**
 * A key's passphrase is filed under the key's absolute path, so `~/.ssh/id` typed in the wizard and
 * the expanded path the connection reads name the same secret.
 */
export const passphraseKey = (keyPath: string) => `passphrase:${path.resolve(expandHome(keyPath))}`;
