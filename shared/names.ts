/**
 * The patterns every name and address in the inventory must match: anything that can end up in a
 * command line, a file name or a log is constrained here, once, for the UI, the CLI and imports.
 */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Hostname (RFC 1123 labels), IPv4 or bracket-less IPv6. No spaces, no shell metacharacters. */
export const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]{2,39})$/;
/**
 * An http(s) base URL that paths are appended to and that reaches a node's shell as one quoted
 * word: host, port and path only (no query, fragment, spaces or quotes).
 */
export const BASE_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/;
export const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;
