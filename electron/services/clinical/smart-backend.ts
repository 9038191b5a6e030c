import crypto from 'node:crypto';
import type { SmartTokenCheck } from '../../../shared/clinical/smart.js';

/**
 * SMART Backend Services (HL7 SMART App Launch 2.x, "client-confidential-asymmetric"): discovery at
 * BASE/.well-known/smart-configuration, then a client_credentials grant authenticated by a JWT the
 * client signs with its private key (ES384 here; the EHR holds the public JWK). Run from the
 * console: the key never leaves it. The token is used for nothing and never kept or logged; only
 * that one was granted, for how long and with which scopes.
 */

/** The secret store name of a SMART client's private key (PKCS#8 PEM, kept with safeStorage). */
export const smartKeySecret = (clientId: string) => `smart-client-key:${clientId}`;

/** A new ES384 client key: the PEM to keep secret, and the public JWK (with its RFC 7638 kid) to register at the EHR. */
export function makeSmartClientKey(): { privatePem: string; publicJwk: crypto.JsonWebKey & { kid: string } } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicJwk: publicJwkOf(publicKey) };
}

export function publicJwkOf(publicKey: crypto.KeyObject): crypto.JsonWebKey & { kid: string } {
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: the required members in lexicographic order, no whitespace.
  const kid = crypto
    .createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
  return { ...jwk, kid, alg: 'ES384', use: 'sig', key_ops: ['verify'] };
}

/** The signed client assertion (RFC 7523) for one token request: valid 5 minutes, used once. */
export function clientAssertion(privatePem: string, clientId: string, tokenUrl: string, now = Date.now()): string {
  const key = crypto.createPrivateKey(privatePem);
  const pub = publicJwkOf(crypto.createPublicKey(key));
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const seconds = Math.floor(now / 1000);
  const signing = `${part({ alg: 'ES384', typ: 'JWT', kid: pub.kid })}.${part({ iss: clientId, sub: clientId, aud: tokenUrl, exp: seconds + 300, jti: crypto.randomUUID() })}`;
  const signature = crypto.sign('sha384', Buffer.from(signing), { key, dsaEncoding: 'ieee-p1363' });
  return `${signing}.${signature.toString('base64url')}`;
}

type Fetch = typeof fetch;

async function getJson(
  f: Fetch,
  url: string,
  init: RequestInit,
  signal?: AbortSignal,
): Promise<{ status: number; doc: Record<string, unknown> | undefined; text: string }> {
  const res = await f(url, {
    ...init,
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
  });
  const text = (await res.text()).slice(0, 64 * 1024);
  try {
    const doc = JSON.parse(text) as unknown;
    return { status: res.status, doc: doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : undefined, text };
  } catch {
    return { status: res.status, doc: undefined, text };
  }
}

const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : undefined);

/** Discovery, then one token request; every failure is named with what to do next. */
export async function requestSmartToken(
  o: { fhirBaseUrl: string; clientId: string; scope: string; privatePem: string },
  opts: { fetch?: Fetch; signal?: AbortSignal; now?: number } = {},
): Promise<SmartTokenCheck> {
  const f = opts.fetch ?? fetch;
  const base = o.fhirBaseUrl.replace(/\/$/, '');
  const fail = (
    kind: NonNullable<SmartTokenCheck['error']>['kind'],
    message: string,
    next: string,
    extra: Partial<SmartTokenCheck> = {},
  ): SmartTokenCheck => ({
    ok: false,
    ...extra,
    error: { kind, message, next },
  });
  let discovery;
  try {
    discovery = await getJson(f, `${base}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } }, opts.signal);
  } catch (err) {
    return fail('network', `cannot reach ${base}: ${(err as Error).message}`, 'Check the FHIR base URL and that this console reaches it.');
  }
  const tokenEndpoint = str(discovery.doc?.token_endpoint, 2000);
  if (discovery.status !== 200 || !tokenEndpoint || !/^https?:\/\//.test(tokenEndpoint))
    return fail(
      'discovery',
      discovery.status !== 200
        ? `${base}/.well-known/smart-configuration answered HTTP ${discovery.status}`
        : 'the SMART configuration names no token endpoint',
      'Ask the EHR team whether SMART Backend Services is enabled for this FHIR base.',
    );
  let assertion: string;
  try {
    assertion = clientAssertion(o.privatePem, o.clientId, tokenEndpoint, opts.now);
  } catch (err) {
    return fail(
      'key',
      `the client key cannot sign: ${(err as Error).message}`,
      'Make a new client key and register its public key at the EHR.',
      { tokenEndpoint },
    );
  }
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    scope: o.scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  let answer;
  try {
    answer = await getJson(
      f,
      tokenEndpoint,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form },
      opts.signal,
    );
  } catch (err) {
    return fail(
      'network',
      `cannot reach the token endpoint ${tokenEndpoint}: ${(err as Error).message}`,
      'Check that this console reaches the EHR authorization server.',
      { tokenEndpoint },
    );
  }
  if (answer.status !== 200 || typeof answer.doc?.access_token !== 'string') {
    const error = str(answer.doc?.error) ?? `HTTP ${answer.status}`;
    const description = str(answer.doc?.error_description, 300);
    return fail(
      'refused',
      `the token endpoint refused: ${error}${description ? ` (${description})` : ''}`,
      error === 'invalid_client'
        ? `Check that the EHR has client ${o.clientId} registered with this console's public key (kid in Settings).`
        : error === 'invalid_scope'
          ? `Ask the EHR team to grant ${o.scope} to client ${o.clientId}.`
          : 'Give the EHR team this answer and the time of the request.',
      { tokenEndpoint },
    );
  }
  const expiresIn = typeof answer.doc.expires_in === 'number' ? answer.doc.expires_in : undefined;
  return {
    ok: true,
    tokenEndpoint,
    tokenType: str(answer.doc.token_type, 40) ?? '?',
    ...(expiresIn !== undefined ? { expiresIn } : {}),
    grantedScope: str(answer.doc.scope, 500) ?? o.scope,
  };
}
