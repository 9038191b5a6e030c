import fs from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import type { SecretStore } from '../services/ssh/secrets.js';

/**
 * Secrets the user chose to keep, encrypted with the OS keychain through Electron's safeStorage
 * (Keychain, DPAPI, libsecret/kwallet). Where only Chromium's hard-coded fallback key is available
 * (Linux without a keyring), nothing is persisted: a secret "encrypted" with a public key is a
 * secret in the clear.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly memory = new Map<string, string>();
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'secrets.json');
  }

  get canPersist(): boolean {
    if (!safeStorage.isEncryptionAvailable()) return false;
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return false;
    return true;
  }

  private readAll(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private writeAll(all: Record<string, string>): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  get(key: string): string | undefined {
    const inMemory = this.memory.get(key);
    if (inMemory !== undefined) return inMemory;
    const stored = this.readAll()[key];
    if (stored === undefined || !this.canPersist) return undefined;
    try {
      return safeStorage.decryptString(Buffer.from(stored, 'base64'));
    } catch {
      return undefined;
    }
  }

  set(key: string, value: string, persist: boolean): void {
    this.memory.set(key, value);
    if (!persist || !this.canPersist) return;
    const all = this.readAll();
    all[key] = safeStorage.encryptString(value).toString('base64');
    this.writeAll(all);
  }

  delete(key: string): void {
    this.memory.delete(key);
    const all = this.readAll();
    if (key in all) {
      delete all[key];
      this.writeAll(all);
    }
  }
}
