/**
 * One Content-Security-Policy for every way the UI is served: no remote content, no inline script,
 * no eval; connections only back to where the page came from (the loopback bridge).
 * The renderer's index.html carries the same policy in a meta tag for the Electron window.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
