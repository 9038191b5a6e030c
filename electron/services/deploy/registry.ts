import crypto from 'node:crypto';
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

export interface RegistryOptions {
  /** Registries (host[:port]) reached over plain HTTP: a test registry, or one the site runs so. */
  insecure?: readonly string[];
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

async function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new RegistryError(`${new URL(url).host} did not answer (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
}

/** An anonymous token for a Bearer challenge (public repositories, or registries that allow pull without login). */
async function bearerToken(challenge: string, timeoutMs: number): Promise<string | undefined> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await get(url.href, {}, timeoutMs);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

/** The digest of the manifest (or index) the registry serves for `ref`; checked against the bytes it sent. */
export async function resolveDigest(ref: ImageRef, options: RegistryOptions = {}): Promise<string> {
  if (ref.digest) return ref.digest;
  const { host, repository } = registryOf(ref);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const scheme = options.insecure?.includes(host) ? 'http' : 'https';
  const url = `${scheme}://${host}/v2/${repository}/manifests/${ref.tag ?? 'latest'}`;
  let res = await get(url, { accept: ACCEPT }, timeoutMs);
  if (res.status === 401) {
    const challenge = res.headers.get('www-authenticate') ?? '';
    const token = /^bearer /i.test(challenge) ? await bearerToken(challenge, timeoutMs) : undefined;
    if (!token) throw new RegistryError(`${host} needs credentials to read ${repository}`);
    res = await get(url, { accept: ACCEPT, authorization: `Bearer ${token}` }, timeoutMs);
  }
  if (res.status === 404) throw new RegistryError(`${host} has no ${repository}:${ref.tag ?? 'latest'}`);
  if (!res.ok) throw new RegistryError(`${host} answered ${res.status} for ${repository}:${ref.tag ?? 'latest'}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > 4 * 1024 * 1024) throw new RegistryError(`${host} sent a manifest of ${body.length} bytes`);
  const computed = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
  const header = res.headers.get('docker-content-digest');
  if (header && header !== computed)
    throw new RegistryError(`${host} says the manifest is ${header} but sent bytes hashing to ${computed}`);
  return computed;
}
