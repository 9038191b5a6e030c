import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { ImageRef } from '../../../shared/deploy/image-ref.js';

/**
 * The registry's word on what a reference is: its manifest digest, from the OCI distribution API
 * (`GET /v2/NAME/manifests/TAG`). The console asks the registry itself, so no node's report can
 * choose the image the fleet runs.
 */

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Registries (host[:port]) reached over plain HTTP: a test registry, or one the site runs so. */
  insecure?: readonly string[];
  /** The CA (PEM) a registry's certificate is checked against, when not a public one. */
  caOf?: (host: string) => string | undefined;
  /** Who to log in to a registry as. */
  credentialsOf?: (host: string) => RegistryCredentials | undefined;
  timeoutMs?: number;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class RegistryError extends Error {}

/** Where a reference lives: docker.io for a bare name, as docker and podman read it. */
export function registryOf(ref: ImageRef): { host: string; repository: string } {
  if (!ref.domain || ref.domain === 'docker.io' || ref.domain === 'index.docker.io')
    return { host: 'registry-1.docker.io', repository: ref.path.includes('/') ? ref.path : `library/${ref.path}` };
  return { host: ref.domain, repository: ref.path };
}

/** `localhost/NAME` (no port) is podman's name for an image that exists only in local storage. */
export function isLocalOnly(ref: ImageRef): boolean {
  return ref.domain === 'localhost';
}

const MAX_BODY = 4 * 1024 * 1024;

/** One GET (redirects followed, to blob stores), its certificate checked against `ca` when given. */
function get(url: string, headers: Record<string, string>, timeoutMs: number, ca?: string, hops = 0): Promise<Answer> {
  const u = new URL(url);
  const lib = u.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.get(u, { headers, timeout: timeoutMs, ...(ca && u.protocol === 'https:' ? { ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && hops < 5) {
        res.resume();
        return void get(new URL(res.headers.location, u).href, headers, timeoutMs, ca, hops + 1).then(resolve, reject);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) return void req.destroy(new Error(`an answer of more than ${MAX_BODY} bytes`));
        chunks.push(c);
      });
      res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
  }).catch((err: Error & { code?: string }) => {
    throw new RegistryError(`${u.host} did not answer (${err.code ? `${err.code}: ` : ''}${err.message})`);
  }) as Promise<Answer>;
}

const basic = (c: RegistryCredentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** A token for a Bearer challenge: with the credentials when there are any, else anonymous (public repositories). */
async function bearerToken(
  challenge: string,
  timeoutMs: number,
  ca: string | undefined,
  creds?: RegistryCredentials,
): Promise<string | undefined> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await get(url.href, creds ? { authorization: basic(creds) } : {}, timeoutMs, ca);
  if (res.status !== 200) return undefined;
  const body = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

/** The digest of the manifest (or index) the registry serves for `ref`; checked against the bytes it sent. */
export async function resolveDigest(ref: ImageRef, options: RegistryOptions = {}): Promise<string> {
  if (ref.digest) return ref.digest;
  const { host, repository } = registryOf(ref);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const scheme = options.insecure?.includes(host) ? 'http' : 'https';
  const url = `${scheme}://${host}/v2/${repository}/manifests/${ref.tag ?? 'latest'}`;
  const ca = options.caOf?.(host);
  const creds = options.credentialsOf?.(host);
  let res = await get(url, { accept: ACCEPT }, timeoutMs, ca);
  if (res.status === 401) {
    const challenge = String(res.headers['www-authenticate'] ?? '');
    const authorization = /^basic /i.test(challenge)
      ? creds && basic(creds)
      : /^bearer /i.test(challenge)
        ? await bearerToken(challenge, timeoutMs, ca, creds).then((t) => t && `Bearer ${t}`)
        : undefined;
    if (!authorization)
      throw new RegistryError(
        creds ? `${host} refused the password of ${creds.username}` : `${host} needs a login to read ${repository} (no user is set for it)`,
      );
    res = await get(url, { accept: ACCEPT, authorization }, timeoutMs, ca);
    if (res.status === 401 || res.status === 403)
      throw new RegistryError(
        creds ? `${host} refused the password of ${creds.username}` : `${host} refused an anonymous read of ${repository}`,
      );
  }
  if (res.status === 404) throw new RegistryError(`${host} has no ${repository}:${ref.tag ?? 'latest'}`);
  if (res.status !== 200) throw new RegistryError(`${host} answered ${res.status} for ${repository}:${ref.tag ?? 'latest'}`);
  const body = res.body;
  const computed = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
  const header = res.headers['docker-content-digest'];
  if (header && header !== computed)
    throw new RegistryError(`${host} says the manifest is ${header} but sent bytes hashing to ${computed}`);
  return computed;
}
