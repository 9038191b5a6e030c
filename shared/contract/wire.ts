import { appError, type AppError } from '../errors.js';

/**
 * Messages of the loopback WebSocket transport. The Electron transport uses the same
 * invoke/subscribe semantics over ipcMain/ipcRenderer and needs no envelope of its own.
 */
export const BRIDGE_PROTOCOL_VERSION = 1;
/**
 * The one size limit for a message from the UI, on every transport: the largest request the
 * contract accepts (an import preview of MAX_IMPORT_TEXT_CHARS, escaped, or a commit of 5,000
 * ordinary nodes) fits; a larger message is refused before it is sent, with this number named.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The longest ssh_config or CSV text a preview takes; JSON-escaped it still fits one message. */
export const MAX_IMPORT_TEXT_CHARS = 2_000_000;
/** UTF-8 length of a string without encoding it (shared/ has no TextEncoder type). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The error for a request over the limit, from whichever side sees it first. */
export function messageTooLarge(channel: string, bytes: number): AppError {
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return appError(
    'VALIDATION',
    `The ${channel} request is ${mib(bytes)}; one message to Edgeward may be at most ${mib(MAX_CLIENT_MESSAGE_BYTES)}.`,
    'Send less at once: import the file in parts, or shorten the longest fields.',
  );
}

/** A WebSocket close reason: at most 123 bytes of UTF-8 (RFC 6455 §5.5); kept to printable ASCII. */
export function closeReason(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 123);
}

export type ServerMessage =
  | { t: 'hello'; protocol: number }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: unknown }
  | { t: 'frame'; id: number; frame: unknown }
  | { t: 'suberror'; id: number; error: unknown };

/** Close codes (4000–4999 is the application range) with the reason shown to whoever connected. */
export const CloseCode = {
  malformed: 4400,
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  wrongHost: 4421,
  tooLarge: 1009,
  shuttingDown: 1001,
} as const;
