import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { invoke } from '../../../electron/cli/through-router.js';
import { publicJwkOf, requestSmartToken } from '../../../electron/services/clinical/smart-backend.js';
import { MemorySecretStore } from '../../../electron/services/ssh/secrets.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { cliArgv } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { startSmartFhirStub, type SmartFhirStub } from '../../testbed/smart-fhir-stub.js';

/** Stands in for the app's safeStorage store (it needs the Electron binary): says it can persist. */
class KeychainStandIn extends MemorySecretStore {
  override readonly canPersist = true;
}

const SCOPE = 'system/Patient.rs system/Observation.rs';

describe('SMART Backend Services from the console', () => {
  const tmp = makeTempDir('edgeward-smart-');
  let ehr: SmartFhirStub;
  let backend: Backend;
  const records = () => (backend.audit.index.query({}, 0, 10_000).records as AuditRecord[]).sort((a, b) => a.seq - b.seq);

  beforeAll(async () => {
    ehr = await startSmartFhirStub();
    backend = await createBackend({ dataDir: path.join(tmp.dir, 'app'), transport: 'loopback', secrets: new KeychainStandIn() });
  });
  afterAll(async () => {
    await backend?.close();
    await ehr?.close();
    tmp.cleanup();
  });

  it('makes a client key, and with it registered gets a token: audited without the token or the key', async () => {
    const made = { value: await invoke(backend, 'smart.key.create', { clientId: 'edgeward-rad' }) };
    const jwks = JSON.parse(made.value.jwks) as { keys: (crypto.JsonWebKey & { kid: string })[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', kid: made.value.kid });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    // A second key for the same client would orphan the one the EHR holds.
    await expect(invoke(backend, 'smart.key.create', { clientId: 'edgeward-rad' })).rejects.toMatchObject({
      appError: { code: 'CONFLICT' },
    });

    // Not registered yet: the EHR refuses the client, and the answer says what to do.
    const refused = await invoke(backend, 'probe.smart', { fhirBaseUrl: ehr.base, clientId: 'edgeward-rad', scope: SCOPE });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        kind: 'refused',
        message: expect.stringContaining('invalid_client (unknown client)'),
        next: expect.stringContaining('registered'),
      },
    });

    ehr.register('edgeward-rad', jwks.keys[0]!);
    const r = await invoke(backend, 'probe.smart', { fhirBaseUrl: ehr.base, clientId: 'edgeward-rad', scope: SCOPE });
    expect(r).toEqual({ ok: true, tokenEndpoint: ehr.tokenUrl, tokenType: 'bearer', expiresIn: 300, grantedScope: SCOPE });
    expect(ehr.requests.at(-1)).toEqual({ clientId: 'edgeward-rad', ok: true });

    const audit = records();
    const key = audit.find((x) => x.action === 'secret.set' && x.outcome === 'ok')!;
    expect(key.params).toMatchObject({ clientId: 'edgeward-rad', kid: made.value.kid });
    const probes = audit.filter((x) => x.action === 'probe.smart' && x.outcome !== 'intent');
    expect(probes.map((x) => x.outcome)).toEqual(['failed', 'ok']);
    expect(probes[1]!.params).toMatchObject({ clientId: 'edgeward-rad', authServer: ehr.tokenUrl, expiresIn: 300, grantedScope: SCOPE });
    // Nothing secret in the log: neither the private key nor any assertion or token.
    const dir = path.join(tmp.dir, 'app');
    const raw = fs
      .readdirSync(dir, { recursive: true })
      .map((f) => path.join(dir, String(f)))
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f, 'latin1'))
      .join('');
    expect(raw).toContain('probe.smart');
    expect(raw).not.toMatch(/PRIVATE KEY|eyJ[A-Za-z0-9_-]{10,}\.|access_token/);
  });

  it('names each way it fails: no SMART configuration, no key kept, a client assertion the EHR rejects', async () => {
    ehr.state.smart = false;
    try {
      const r = await invoke(backend, 'probe.smart', { fhirBaseUrl: ehr.base, clientId: 'edgeward-rad', scope: SCOPE });
      expect(r.error).toMatchObject({
        kind: 'discovery',
        message: expect.stringContaining('smart-configuration answered HTTP 404'),
      });
    } finally {
      ehr.state.smart = true;
    }
    const none = await invoke(backend, 'probe.smart', { fhirBaseUrl: ehr.base, clientId: 'nobody', scope: SCOPE });
    expect(none.error).toMatchObject({
      kind: 'no_key',
      message: expect.stringContaining('no key for SMART client nobody'),
    });
    // A key the EHR does not hold for this client: the signature check fails there.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    ehr.register('other-client', publicJwkOf(publicKey));
    const stranger = crypto
      .generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const bad = await requestSmartToken({ fhirBaseUrl: ehr.base, clientId: 'other-client', scope: SCOPE, privatePem: stranger });
    expect(bad.error).toMatchObject({ kind: 'refused', message: expect.stringContaining('bad signature') });
    const good = await requestSmartToken({
      fhirBaseUrl: ehr.base,
      clientId: 'other-client',
      scope: SCOPE,
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    });
    expect(good.ok).toBe(true);
    const unreachable = await requestSmartToken({
      fhirBaseUrl: 'http://127.0.0.1:1/fhir',
      clientId: 'x',
      scope: SCOPE,
      privatePem: stranger,
    });
    expect(unreachable.error?.kind).toBe('network');
  });

  it('takes a key of the operator’s own (openssl) on stdin in the CLI, never writing it', async () => {
    const pem = spawnSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], { encoding: 'utf8' }).stdout;
    expect(pem).toContain('BEGIN PRIVATE KEY');
    ehr.register('cli-client', publicJwkOf(crypto.createPublicKey(pem)));
    const dataDir = path.join(tmp.dir, 'cli');
    const child = spawn(
      process.execPath,
      cliArgv(dataDir, 'probe', 'smart', '--fhir', ehr.base, '--client-id', 'cli-client', '--scope', SCOPE, '--key-stdin'),
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(pem);
    const code = await new Promise((r) => child.once('exit', r));
    expect(out).toContain('cli-client: bearer token for system/Patient.rs system/Observation.rs, valid 300 s');
    expect(code).toBe(0);
    const files = fs.readdirSync(dataDir, { recursive: true }).map(String);
    for (const f of files) {
      const p = path.join(dataDir, f);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p, 'latin1'), f).not.toContain(pem.split('\n')[1]!);
    }
    // Without a keychain the CLI cannot keep a key, and says what to do instead.
    const keep = spawnSync(process.execPath, cliArgv(dataDir, 'fhir', 'client-key', '--client-id', 'cli-client'), { encoding: 'utf8' });
    expect(keep.status).not.toBe(0);
    expect(keep.stdout + keep.stderr).toContain('--key-stdin');
  });
});
