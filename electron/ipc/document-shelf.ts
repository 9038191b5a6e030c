import crypto from 'node:crypto';

interface Document {
  body: string;
  csp: string;
  expiresAt: number;
}

/** The CSP a report is served with: its own inline styles, nothing else (no script, no fetch, no form). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * Documents the loopback server hands out once (a signed report for a new browser tab): each under
 * a random path that works a single time and for two minutes, so the link carries no lasting right
 * to anything and the page's token never has to travel in a URL.
 */
export class DocumentShelf {
  private readonly docs = new Map<string, Document>();

  constructor(private readonly ttlMs = 120_000) {}

  /** The path (`/doc/…`) at which `body` can be fetched once, served with `csp`. */
  put(body: string, csp: string, now = Date.now()): string {
    for (const [k, d] of this.docs) if (d.expiresAt <= now) this.docs.delete(k);
    const key = crypto.randomBytes(24).toString('base64url');
    this.docs.set(key, { body, csp, expiresAt: now + this.ttlMs });
    return `/doc/${key}`;
  }

  /** The document at `pathname`, removed as it is taken; undefined when unknown, used or expired. */
  take(pathname: string, now = Date.now()): { body: string; csp: string } | undefined {
    const key = /^\/doc\/([A-Za-z0-9_-]{32})$/.exec(pathname)?.[1];
    if (!key) return undefined;
    const d = this.docs.get(key);
    this.docs.delete(key);
    return d && d.expiresAt > now ? { body: d.body, csp: d.csp } : undefined;
  }
}
