/**
 * Errors cross the bridge as data, never as thrown exceptions: a stable code the UI can branch on,
 * a message for a person, and the next step that person can take.
 */
export const ERROR_CODES = [
  'VALIDATION', // the request did not match the channel's schema
  'UNKNOWN_CHANNEL',
  'UNKNOWN_TOPIC',
  'UNAUTHORIZED', // bridge credentials missing or wrong
  'FORBIDDEN_SENDER', // a frame or origin that is not the app's own window
  'NOT_FOUND',
  'CONFLICT',
  'TIMEOUT',
  'CANCELLED',
  'UNAVAILABLE', // a dependency (disk, node, runtime) is not reachable right now
  'UNREACHABLE', // a node did not answer on the network
  'AUTH_FAILED', // a node refused the credentials
  'HOSTKEY_UNKNOWN', // first contact: the fingerprint must be confirmed
  'HOSTKEY_CHANGED', // the node presented a different host key than the pinned one
  'DISABLED', // the node is disabled in the inventory
  'INTERNAL', // a bug: the message says where
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  code: ErrorCode;
  /** What happened, in words an admin under time pressure understands. */
  message: string;
  /** What the user can do next. */
  action: string;
  /** Structured specifics, e.g. the failing fields of a validation error. */
  details?: readonly ErrorDetail[];
}

export interface ErrorDetail {
  path: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: AppError): Result<T> => ({ ok: false, error });

export function appError(code: ErrorCode, message: string, action: string, details?: readonly ErrorDetail[]): AppError {
  return details && details.length > 0 ? { code, message, action, details } : { code, message, action };
}

/** Thrown inside main-side services; the router turns it back into data. */
export class AppErrorException extends Error {
  constructor(readonly appError: AppError) {
    super(appError.message);
    this.name = 'AppErrorException';
  }
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(v.code) &&
    typeof v.message === 'string' &&
    typeof v.action === 'string'
  );
}

/** Exhaustiveness check for switch statements over unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
