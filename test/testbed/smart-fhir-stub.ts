import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bed's EHR: a FHIR R4 CapabilityStatement, SMART discovery and a SMART Backend Services token
 * endpoint that checks the client assertion as the spec asks (signature against the client's
 * registered public key, RS384 or ES384; iss = sub = client id; aud = the token URL; exp at most
 * 5 minutes ahead; a jti used once).
 *
 * Its limits, on purpose: no FHIR data (every resource read is 404), no scopes enforced beyond
 * echoing the granted ones, tokens are random strings nothing checks, no JWKS URL fetching (keys
 * are registered in-process), plain HTTP.
 */
export interface SmartFhirStub {
  base: string;
  tokenUrl: string;
  /** Registers a client's public key (as the EHR's admin would, from the JWKS Edgeward shows). */
  register: (clientId: string, publicJwk: crypto.JsonWebKey) => void;
  /** What the stub serves, changeable per test. */
  state: { smart: boolean; capabilities: string[]; fhirVersion: string; resources: Record<string, string[]> };
  /** Token requests seen, with the stub's verdict (never the token). */
  requests: { clientId: string; ok: boolean; error?: string }[];
  close: () => Promise<void>;
}

const b64urlJson = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

export async function startSmartFhirStub(host = '127.0.0.1'): Promise<SmartFhirStub> {
  const keys = new Map<string, crypto.KeyObject>();
  const jtis = new Set<string>();
  const requests: SmartFhirStub['requests'] = [];
  const state: SmartFhirStub['state'] = {
    smart: true,
    capabilities: ['client-confidential-asymmetric', 'permission-v2'],
    fhirVersion: '4.0.1',
    resources: { Patient: ['read', 'search-type'], Observation: ['search-type'], DocumentReference: ['create'] },
  };
  let base = '';
  const json = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const checkAssertion = (form: URLSearchParams): { clientId: string; error?: string } => {
    const jwt = form.get('client_assertion') ?? '';
    if (form.get('grant_type') !== 'client_credentials') return { clientId: '?', error: 'unsupported_grant_type' };
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return { clientId: '?', error: 'invalid_client: client_assertion_type' };
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return { clientId: '?', error: 'invalid_client: not a JWT' };
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    const clientId = String(claims.iss ?? '?');
    const key = keys.get(clientId);
    if (!key) return { clientId, error: 'invalid_client: unknown client' };
    const alg = header.alg;
    if (alg !== 'RS384' && alg !== 'ES384') return { clientId, error: `invalid_client: alg ${String(alg)}` };
    const ok = crypto.verify(
      'sha384',
      Buffer.from(`${h}.${p}`),
      alg === 'ES384' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      Buffer.from(s, 'base64url'),
    );
    if (!ok) return { clientId, error: 'invalid_client: bad signature' };
    const now = Date.now() / 1000;
    if (claims.sub !== clientId) return { clientId, error: 'invalid_client: sub is not the client id' };
    if (claims.aud !== `${base}/auth/token`) return { clientId, error: `invalid_client: aud ${String(claims.aud)}` };
    if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + 300) return { clientId, error: 'invalid_client: exp' };
    if (typeof claims.jti !== 'string' || jtis.has(claims.jti)) return { clientId, error: 'invalid_client: jti replayed' };
    jtis.add(claims.jti);
    return { clientId };
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      if (req.method === 'GET' && url.pathname === '/fhir/metadata') {
        json(
          res,
          200,
          {
            resourceType: 'CapabilityStatement',
            status: 'active',
            fhirVersion: state.fhirVersion,
            software: { name: 'Bed SMART/FHIR stub', version: '1.0' },
            rest: [
              {
                mode: 'server',
                resource: Object.entries(state.resources).map(([type, codes]) => ({ type, interaction: codes.map((code) => ({ code })) })),
              },
            ],
          },
          'application/fhir+json',
        );
      } else if (req.method === 'GET' && url.pathname === '/fhir/.well-known/smart-configuration' && state.smart) {
        json(res, 200, {
          issuer: `${base}/auth`,
          token_endpoint: `${base}/auth/token`,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
          token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
          scopes_supported: ['system/Patient.rs', 'system/Observation.rs'],
          capabilities: state.capabilities,
        });
      } else if (req.method === 'POST' && url.pathname === '/auth/token') {
        const form = new URLSearchParams(body);
        const verdict = checkAssertion(form);
        requests.push({ clientId: verdict.clientId, ok: !verdict.error, ...(verdict.error ? { error: verdict.error } : {}) });
        if (verdict.error) {
          const [error, description] = verdict.error.split(': ');
          json(res, error === 'invalid_client' ? 401 : 400, { error, ...(description ? { error_description: description } : {}) });
        } else
          json(res, 200, {
            access_token: crypto.randomBytes(24).toString('base64url'),
            token_type: 'bearer',
            expires_in: 300,
            scope: form.get('scope') ?? '',
          });
      } else
        json(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }, 'application/fhir+json');
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    base: `${base}/fhir`,
    tokenUrl: `${base}/auth/token`,
    register: (clientId, jwk) => keys.set(clientId, crypto.createPublicKey({ key: jwk, format: 'jwk' })),
    state,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
