import type { AddCheck } from './dicomweb-checks.js';

/**
 * FHIR at commissioning (agents/commission.sh `fhir`): the node reads the server's
 * CapabilityStatement and, for SMART, its `.well-known/smart-configuration`; the console judges
 * the FHIR version, the resources a workload needs and whether SMART Backend Services (client
 * credentials with a private-key JWT, `client-confidential-asymmetric`) is offered.
 */

export interface HttpAnswer {
  http: string;
  error: string | undefined;
  body: string;
  /** The body's full size on the node: more than the node sends means the body here is cut. */
  bytes: number | undefined;
}

export interface FhirFacts {
  metadata: HttpAnswer | undefined;
  smart: HttpAnswer | undefined;
}

export interface FhirExpectations {
  baseUrl: string;
  /** e.g. "4.0": the CapabilityStatement's fhirVersion must start with it. */
  version?: string | undefined;
  /** Resource types the workload reads, each served by the server (read or search). */
  resources?: string[] | undefined;
  smart?: boolean | undefined;
}

/** How much of each body the node sends (agents/commission.sh), decoded. */
export const FHIR_BODY_LIMIT = 64 * 1024;
export const SMART_BODY_LIMIT = 16 * 1024;

/** The `fhir_*` and `smart_*` lines of a section's output. */
export function parseFhirFacts(text: string, decode: (b64: string) => string): FhirFacts {
  const seen: Record<'fhir' | 'smart', Partial<HttpAnswer>> = { fhir: {}, smart: {} };
  for (const line of text.split('\n')) {
    const m = /^(fhir|smart)_(http|error|bytes|body_b64)=(.*)$/.exec(line);
    if (!m) continue;
    const [, who, key, raw] = m as unknown as [string, 'fhir' | 'smart', string, string];
    const x = seen[who];
    if (key === 'body_b64') x.body = decode(raw.trim().slice(0, 90_000));
    else if (key === 'http') x.http = raw.trim().slice(0, 3);
    else if (key === 'error') x.error = raw.trim().slice(0, 400);
    else if (/^\d{1,12}$/.test(raw.trim())) x.bytes = Number(raw.trim());
  }
  const answer = (x: Partial<HttpAnswer>): HttpAnswer | undefined =>
    x.http === undefined ? undefined : { http: x.http, error: x.error, body: x.body ?? '', bytes: x.bytes };
  return { metadata: answer(seen.fhir), smart: answer(seen.smart) };
}

const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 80) : '?');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Parsed JSON, or why it is not: a cut body is named as cut, not as broken. */
function jsonOf(a: HttpAnswer, limit: number): { doc: Record<string, unknown> } | { why: string } {
  try {
    const doc = JSON.parse(a.body) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc)
      ? { doc: doc as Record<string, unknown> }
      : { why: 'HTTP 200 but not a JSON object' };
  } catch {
    if (a.bytes !== undefined && a.bytes > limit)
      return {
        why: `HTTP 200, ${Math.round(a.bytes / 1024)} KiB: more than the ${limit / 1024} KiB the node reads, so it could not be judged`,
      };
    return { why: `HTTP 200 but not JSON: ${a.body.slice(0, 80)}` };
  }
}

export function fhirChecks(p: FhirExpectations, f: FhirFacts | undefined, add: AddCheck): void {
  const base = p.baseUrl.replace(/\/$/, '');
  const expected = `${base}/metadata answers 200 with a CapabilityStatement`;
  const x = f?.metadata;
  const failRest = (why: string) => {
    if (p.version) add('fhir.version', 'FHIR version', false, `fhirVersion ${p.version}.x`, why);
    if (p.resources?.length) add('fhir.resources', 'FHIR resources the workload needs', false, p.resources.join(', '), why);
  };
  if (!x || x.http !== '200') {
    const why = !x ? 'no answer' : x.error ? x.error : `HTTP ${x.http}`;
    add('fhir.metadata', 'FHIR server answers', false, expected, why);
    failRest(why);
  } else {
    const parsed = jsonOf(x, FHIR_BODY_LIMIT);
    const doc = 'doc' in parsed ? parsed.doc : undefined;
    const software = (doc?.software ?? {}) as { name?: unknown; version?: unknown };
    const isCapability = doc?.resourceType === 'CapabilityStatement';
    add(
      'fhir.metadata',
      'FHIR server answers',
      isCapability,
      expected,
      'why' in parsed
        ? parsed.why
        : isCapability
          ? `FHIR ${text(doc!.fhirVersion)}, ${text(software.name)} ${text(software.version)}, status ${text(doc!.status)}`
          : `HTTP 200 with resourceType ${text(doc!.resourceType)}`,
    );
    if (!isCapability) failRest('no CapabilityStatement');
    else {
      const version = text(doc!.fhirVersion);
      if (p.version)
        add(
          'fhir.version',
          'FHIR version',
          version === p.version || version.startsWith(`${p.version}.`),
          `fhirVersion ${p.version}.x`,
          `fhirVersion ${version}`,
        );
      if (p.resources?.length) resourceCheck(p.resources, doc!, add);
    }
  }
  if (p.smart) smartCheck(base, f?.smart, add);
}

/** Each needed type is in the server's rest (mode server) with read or search-type. */
function resourceCheck(needed: string[], doc: Record<string, unknown>, add: AddCheck): void {
  const rest = Array.isArray(doc.rest) ? (doc.rest as { mode?: unknown; resource?: unknown }[]) : [];
  const served = new Map<string, string[]>();
  for (const r of rest.filter((r) => r && r.mode === 'server'))
    for (const res of Array.isArray(r.resource) ? (r.resource as { type?: unknown; interaction?: unknown }[]) : []) {
      if (typeof res?.type !== 'string') continue;
      const codes = (Array.isArray(res.interaction) ? (res.interaction as { code?: unknown }[]) : [])
        .map((i) => i?.code)
        .filter((c) => typeof c === 'string');
      served.set(res.type, codes as string[]);
    }
  const missing = needed.filter((t) => !served.get(t)?.some((c) => c === 'read' || c === 'search-type'));
  add(
    'fhir.resources',
    'FHIR resources the workload needs',
    missing.length === 0,
    `${needed.join(', ')}: each readable or searchable`,
    missing.length === 0
      ? needed.map((t) => `${t} (${served.get(t)!.join(', ')})`).join('; ')
      : missing.map((t) => (served.has(t) ? `${t} served without read or search` : `${t} not served`)).join('; '),
  );
}

/** SMART App Launch 2.x discovery, as SMART Backend Services needs it. */
function smartCheck(base: string, a: HttpAnswer | undefined, add: AddCheck): void {
  const expected = `${base}/.well-known/smart-configuration: a token endpoint, client_credentials, private_key_jwt with RS384 or ES384, client-confidential-asymmetric`;
  if (!a || a.http !== '200') {
    add('fhir.smart', 'SMART Backend Services offered', false, expected, !a ? 'no answer' : a.error ? a.error : `HTTP ${a.http}`);
    return;
  }
  const parsed = jsonOf(a, SMART_BODY_LIMIT);
  if ('why' in parsed) {
    add('fhir.smart', 'SMART Backend Services offered', false, expected, parsed.why);
    return;
  }
  const d = parsed.doc;
  const lacks: string[] = [];
  const token = typeof d.token_endpoint === 'string' && /^https?:\/\//.test(d.token_endpoint) ? d.token_endpoint : undefined;
  if (!token) lacks.push('no token_endpoint');
  if (!strings(d.grant_types_supported).includes('client_credentials')) lacks.push('grant type client_credentials not supported');
  if (!strings(d.token_endpoint_auth_methods_supported).includes('private_key_jwt'))
    lacks.push('auth method private_key_jwt not supported');
  const algs = strings(d.token_endpoint_auth_signing_alg_values_supported).filter((x) => x === 'RS384' || x === 'ES384');
  if (algs.length === 0) lacks.push('neither RS384 nor ES384 for the client assertion');
  if (!strings(d.capabilities).includes('client-confidential-asymmetric'))
    lacks.push('capability client-confidential-asymmetric not listed');
  add(
    'fhir.smart',
    'SMART Backend Services offered',
    lacks.length === 0,
    expected,
    lacks.length
      ? lacks.join('; ')
      : `token endpoint ${token!.slice(0, 200)}; ${algs.join(', ')}; scopes ${strings(d.scopes_supported).slice(0, 6).join(' ') || 'not listed'}`,
  );
}
