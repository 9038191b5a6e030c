/**
 * The patterns every name and address in the inventory must match: anything that can end up in a
 * command line, a file name or a log is constrained here, once, for the UI, the CLI and imports.
 */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Hostname (RFC 1123 labels), IPv4 or bracket-less IPv6. No spaces, no shell metacharacters. */
export const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]{2,39})$/;
export const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;
