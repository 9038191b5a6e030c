/**
 * OCI image references, by the grammar of distribution/reference (what docker and podman accept):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component ( "/" path-component )*
 *   domain     := host [ ":" port ]        host := dns labels | IPv4 | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex       (sha256: 64 lowercase hex digits)
 *
 * Anything that parses here is one shell word with no metacharacters, but it is quoted anyway.
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[0-9A-Fa-f:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

export interface ImageRef {
  /** Registry host[:port], or undefined for the default registry (docker.io) or a local image. */
  domain: string | undefined;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImageRef(text: string): ImageRef | { error: string } {
  if (text.length === 0) return { error: 'empty image reference' };
  if (text.length > 255 + 128 + 72) return { error: 'image reference too long' };
  if (/[\s'"`$\\;&|<>()]/.test(text)) return { error: 'an image reference has no spaces, quotes or shell characters' };
  const m = REFERENCE.exec(text);
  if (!m) {
    const lower = text.replace(/^[^:@]*/, (name) => name.toLowerCase());
    if (lower !== text && REFERENCE.test(lower)) return { error: 'repository names are lowercase' };
    return { error: 'not a valid image reference (expected [registry/]name[:tag][@sha256:…])' };
  }
  const [, host, repo, tag, digest] = m;
  let domain = host;
  let path = repo;
  // A first component that is not a host (no dot, no port, not "localhost") is part of the path.
  if (domain && !/[.:]|^localhost$|^\[/.test(domain)) {
    path = `${domain}/${path}`;
    domain = undefined;
  }
  if (digest && digest.startsWith('sha256:') && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    return { error: 'a sha256 digest is 64 lowercase hex digits' };
  }
  if ((path ?? '').length > 255) return { error: 'repository name longer than 255 characters' };
  return { domain, path: path!, tag, digest };
}

/** The reference pinned to a digest (tag kept for humans): what a rollout actually runs. */
export function pinned(ref: ImageRef, digest: string): string {
  return `${ref.domain ? `${ref.domain}/` : ''}${ref.path}${ref.tag ? `:${ref.tag}` : ''}@${digest}`;
}

export function formatRef(ref: ImageRef): string {
  return `${ref.domain ? `${ref.domain}/` : ''}${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
