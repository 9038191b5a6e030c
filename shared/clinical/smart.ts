import { z } from 'zod';
import { BASE_URL } from '../names.js';

/** An http(s) FHIR base URL: no query or fragment (paths are appended to it). */
export const FhirBaseUrl = z.string().max(2000).regex(BASE_URL, 'an http(s) URL without query or fragment');
/** A client id as EHRs issue them (printable, no spaces). */
export const SmartClientId = z.string().regex(/^[A-Za-z0-9._~:/@-]{1,200}$/, 'a client id (letters, digits and . _ ~ : / @ -)');
/** SMART v2 system scopes, space-separated (e.g. "system/Patient.rs system/Observation.rs"). */
export const SmartScope = z
  .string()
  .regex(/^[A-Za-z0-9/._*:?=&-]+( [A-Za-z0-9/._*:?=&-]+){0,31}$/, 'space-separated scopes such as system/Patient.rs');

export const SmartClient = z.strictObject({ fhirBaseUrl: FhirBaseUrl, clientId: SmartClientId, scope: SmartScope });
export type SmartClient = z.infer<typeof SmartClient>;

/** One SMART Backend Services token request: whether a token was granted, never the token itself. */
export const SmartTokenCheck = z.strictObject({
  ok: z.boolean(),
  tokenEndpoint: z.string().optional(),
  tokenType: z.string().optional(),
  expiresIn: z.number().optional(),
  grantedScope: z.string().optional(),
  error: z
    .strictObject({
      /** network: not reached; discovery: no usable SMART configuration; key: cannot sign; refused: the EHR said no. */
      kind: z.enum(['network', 'discovery', 'key', 'refused', 'no_key']),
      message: z.string(),
      next: z.string(),
    })
    .optional(),
});
export type SmartTokenCheck = z.infer<typeof SmartTokenCheck>;

/** A new client key's public half, to register at the EHR (a JWKS with one key). */
export const SmartClientKey = z.strictObject({ clientId: z.string(), kid: z.string(), jwks: z.string() });
export type SmartClientKey = z.infer<typeof SmartClientKey>;
