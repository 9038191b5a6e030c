import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_SECRET, CheckpointSigning } from '../../../electron/services/audit/checkpoint-signing.js';
import { checkpointsFile, verifyCheckpoints } from '../../../electron/services/audit/checkpoints.js';
import { MemorySecretStore } from '../../../electron/services/ssh/secrets.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Stands in for the app's safeStorage store (it needs the Electron binary, which cannot exist
 * here): keeps values across "restarts" of the signer and says it can persist them.
 */
class KeychainStandIn extends MemorySecretStore {
  override readonly canPersist = true;
}

describe('signed checkpoints in the app, the key kept in the secret store', () => {
  it('makes the key once (audited, public half only), signs, and signs with the same key after a restart', async () => {
    const tmp = makeTempDir('edgeward-cpsign-');
    try {
      const log = await openLog(tmp.dir);
      const store = new KeychainStandIn();
      const a = new CheckpointSigning(log, store, { every: 5 });
      expect(a.status()).toEqual({ signing: false, canKeepKey: true });
      const made = await a.createKey('hub-7');
      expect(made).toMatchObject({ signing: true, verifier: expect.stringMatching(/^hub-7\+[0-9a-f]{8}\+/) });
      await expect(a.createKey()).rejects.toMatchObject({ appError: { code: 'CONFLICT' } });
      for (let i = 0; i < 6; i++) await log.perform({ action: 'settings.update', params: { theme: 'dark' } }, () => undefined);
      a.close();

      // After a restart the kept key signs again: one verifier for every checkpoint.
      const b = new CheckpointSigning(log, store, { every: 5 });
      b.resume();
      expect(b.status().verifier).toBe(made.verifier);
      for (let i = 0; i < 6; i++) await log.perform({ action: 'settings.update', params: { theme: 'light' } }, () => undefined);
      b.close();
      const notes = fs.readFileSync(checkpointsFile(log.dir), 'utf8');
      const checked = await verifyCheckpoints(log.dir, notes, made.verifier!);
      expect(checked.intact).toBe(true);
      expect(checked.checkpoints.length).toBeGreaterThanOrEqual(4);

      // The audit log names the key by its verifier; the private key is only in the store.
      const privateKey = store.get(CHECKPOINT_SECRET)!;
      expect(privateKey).toMatch(/BEGIN PRIVATE KEY/);
      const audit = fs
        .readdirSync(log.dir)
        .map((f) => fs.readFileSync(`${log.dir}/${f}`, 'utf8'))
        .join('');
      expect(audit).toContain(`"verifier":"${made.verifier}"`);
      expect(audit).not.toContain(privateKey.split('\n')[2]!);
    } finally {
      tmp.cleanup();
    }
  });

  it('a process that cannot encrypt (no keychain) makes no key and says what to do instead', async () => {
    const tmp = makeTempDir('edgeward-cpsign-');
    try {
      const log = await openLog(tmp.dir);
      const s = new CheckpointSigning(log, new MemorySecretStore());
      expect(s.status()).toEqual({ signing: false, canKeepKey: false });
      await expect(s.createKey()).rejects.toMatchObject({
        appError: { code: 'UNAVAILABLE', action: expect.stringContaining('edgeward collector --checkpoint-key FILE') },
      });
      expect(log.head().seq).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });
});
