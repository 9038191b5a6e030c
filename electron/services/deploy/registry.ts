import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { ImageRef } from '../../../shared/deploy/image-ref.js';

/**
 * The registry's word on what a reference is, from the OCI distribution API: manifests
 * (`GET /v2/NAME/manifests/REF`) and blobs (`GET /v2/NAME/blobs/DIGEST`), each checked against
 * the digest it is named by. The console asks the registry itself, so no node's report can
 * choose the image the fleet runs.
 */

export const MANIFEST_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
const ACCEPT = Object.values(MANIFEST_TYPES).join(', ');

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

/** One GET (redirects followed, to blob stores: the login only to the registry's own host), as a stream. */
function open(
  url: string,
  headers: Record<string, string>,
  o: { timeoutMs: number; ca?: string | undefined; signal?: AbortSignal | undefined },
  hops = 0,
): Promise<http.IncomingMessage> {
  const u = new URL(url);
  const lib = u.protocol === 'http:' ? http : https;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = lib.get(
      u,
      {
        headers,
        timeout: o.timeoutMs,
        ...(o.ca && u.protocol === 'https:' ? { ca: o.ca } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location && hops < 5) {
          res.resume();
          const next = new URL(res.headers.location, u);
          const { authorization: _drop, ...rest } = headers;
          return void open(next.href, next.host === u.host ? headers : rest, o, hops + 1).then(resolve, reject);
        }
        resolve(res);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(o.timeoutMs / 1000)} s`)));
    req.on('error', reject);
  }).catch((err: Error & { code?: string }) => {
    if (o.signal?.aborted) throw new RegistryError('cancelled');
    throw new RegistryError(`${u.host} did not answer (${err.code ? `${err.code}: ` : ''}${err.message})`);
  });
}

async function readBody(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) {
      res.destroy();
      throw new RegistryError(`an answer of more than ${MAX_BODY} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

const basic = (c: RegistryCredentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
const sha256Of = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

/**
 * One repository of one registry, as this console reaches it (CA, login, plain HTTP for lab
 * registries): the login is worked out on the first 401 and reused for every later request.
 */
export class RepositoryClient {
  readonly host: string;
  readonly repository: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly ca: string | undefined;
  private readonly creds: RegistryCredentials | undefined;
  private authorization: string | undefined;

  constructor(ref: ImageRef, options: RegistryOptions = {}) {
    ({ host: this.host, repository: this.repository } = registryOf(ref));
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.base = `${options.insecure?.includes(this.host) ? 'http' : 'https'}://${this.host}/v2/${this.repository}`;
    this.ca = options.caOf?.(this.host);
    this.creds = options.credentialsOf?.(this.host);
  }

  /** A GET under the repository, logged in when the registry asks; 401/403 become errors naming who was refused. */
  private async get(rest: string, accept?: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const o = { timeoutMs: this.timeoutMs, ca: this.ca, signal };
    const headers = (): Record<string, string> => ({
      ...(accept ? { accept } : {}),
      ...(this.authorization ? { authorization: this.authorization } : {}),
    });
    let res = await open(`${this.base}/${rest}`, headers(), o);
    if (res.statusCode === 401) {
      res.resume();
      const challenge = String(res.headers['www-authenticate'] ?? '');
      this.authorization = /^basic /i.test(challenge)
        ? this.creds && basic(this.creds)
        : /^bearer /i.test(challenge)
          ? await this.bearerToken(challenge).then((t) => t && `Bearer ${t}`)
          : undefined;
      if (!this.authorization)
        throw new RegistryError(
          this.creds
            ? `${this.host} refused the password of ${this.creds.username}`
            : `${this.host} needs a login to read ${this.repository} (no user is set for it)`,
        );
      res = await open(`${this.base}/${rest}`, headers(), o);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      res.resume();
      throw new RegistryError(
        this.creds
          ? `${this.host} refused the password of ${this.creds.username}`
          : `${this.host} refused an anonymous read of ${this.repository}`,
      );
    }
    return res;
  }

  /** A token for a Bearer challenge: with the credentials when there are any, else anonymous (public repositories). */
  private async bearerToken(challenge: string): Promise<string | undefined> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const res = await open(url.href, this.creds ? { authorization: basic(this.creds) } : {}, { timeoutMs: this.timeoutMs, ca: this.ca });
    const body = await readBody(res);
    if (res.statusCode !== 200) return undefined;
    const parsed = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    return parsed.token ?? parsed.access_token;
  }

  /** The manifest (or index) under a tag or digest, checked against the bytes sent (and the digest asked for). */
  async manifest(reference: string, signal?: AbortSignal): Promise<Manifest> {
    const res = await this.get(`manifests/${reference}`, ACCEPT, signal);
    const body = await readBody(res);
    const what = `${this.repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    if (res.statusCode === 404) throw new RegistryError(`${this.host} has no ${what}`);
    if (res.statusCode !== 200) throw new RegistryError(`${this.host} answered ${res.statusCode} for ${what}`);
    const digest = sha256Of(body);
    const header = res.headers['docker-content-digest'];
    if (header && header !== digest)
      throw new RegistryError(`${this.host} says the manifest is ${header} but sent bytes hashing to ${digest}`);
    if (reference.startsWith('sha256:') && reference !== digest)
      throw new RegistryError(`${this.host} sent bytes hashing to ${digest} for ${what}: refused`);
    const mediaType =
      (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ?? String(res.headers['content-type'] ?? '').split(';')[0]!;
    return { digest, mediaType, body };
  }

  /**
   * A blob, streamed chunk by chunk to `sink`; it must be `size` bytes hashing to `digest`, else
   * the caller's copy is to be thrown away (the error says which).
   */
  async blob(digest: string, size: number, sink: (chunk: Buffer) => Promise<void> | void, signal?: AbortSignal): Promise<void> {
    const res = await this.get(`blobs/${digest}`, undefined, signal);
    if (res.statusCode !== 200) {
      res.resume();
      throw new RegistryError(`${this.host} answered ${res.statusCode} for the blob ${digest.slice(0, 19)}… of ${this.repository}`);
    }
    const hash = crypto.createHash('sha256');
    let got = 0;
    try {
      for await (const c of res as AsyncIterable<Buffer>) {
        got += c.length;
        if (got > size) throw new RegistryError(`${this.host} sent more than the ${size} bytes of ${digest.slice(0, 19)}…`);
        hash.update(c);
        await sink(c);
      }
    } catch (err) {
      res.destroy();
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(
        signal?.aborted ? 'cancelled' : `${this.host} broke off the blob ${digest.slice(0, 19)}…: ${(err as Error).message}`,
      );
    }
    const computed = `sha256:${hash.digest('hex')}`;
    if (got !== size || computed !== digest)
      throw new RegistryError(
        `${this.host} sent ${got} bytes hashing to ${computed.slice(0, 19)}… for the blob ${digest.slice(0, 19)}… (${size} bytes): refused`,
      );
  }
}

/** The digest of the manifest (or index) the registry serves for `ref`; checked against the bytes it sent. */
export async function resolveDigest(ref: ImageRef, options: RegistryOptions = {}): Promise<string> {
  if (ref.digest) return ref.digest;
  return (await new RepositoryClient(ref, options).manifest(ref.tag ?? 'latest')).digest;
}
