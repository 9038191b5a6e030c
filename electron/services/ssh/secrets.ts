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
  readonly canPersist = false;
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
export const passphraseKey = (keyPath: string) => `passphrase:${keyPath}`;
