import type { AppError } from '../../shared/errors.js';
import { sanitizeText } from '../../shared/sanitize.js';

export interface CliOutput {
  json: boolean;
  print(text: string): void;
  error(text: string): void;
}

/**
 * Prints an error (JSON for machines; message, details and next step for people) and returns the
 * exit status: 2 when the caller's input is at fault, 1 when the operation failed.
 */
export function reportError(e: AppError, out: CliOutput): number {
  if (out.json) out.print(JSON.stringify({ error: e }));
  else {
    out.error(`edgeward: ${e.message}`);
    for (const d of e.details ?? []) out.error(`  ${d.path}: ${d.message}`);
    out.error(`  → ${e.action}`);
  }
  return e.code === 'VALIDATION' || e.code === 'NOT_FOUND' || e.code === 'CONFLICT' ? 2 : 1;
}

/**
 * What reaches a terminal is never a node's raw bytes: escape sequences could rewrite what the
 * operator sees (hide a line, fake a prompt, set the title). In human mode every line is shown
 * sanitized, as the UI shows it; in JSON mode JSON already escapes C0 controls and C1 controls
 * (U+0080–U+009F, which some terminals read as CSI) are escaped too.
 */
export function terminalOutput(json: boolean, stdout: (s: string) => void, stderr: (s: string) => void): CliOutput {
  const line = (body: string) => (body.endsWith('\n') ? body : `${body}\n`);
  const asText = (t: string) => line(sanitizeText(t, 1_000_000));
  // Messages on stderr are text in both modes; stdout carries JSON in JSON mode.
  return { json, print: (t) => stdout(json ? line(escapeC1(t)) : asText(t)), error: (t) => stderr(asText(t)) };
}

const C1 = /[\u007f-\u009f]/g;
function escapeC1(text: string): string {
  return text.replace(C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A stream of remote bytes (deploy logs --follow) shown line by line, sanitized: a sequence split
 * across chunks is judged whole, and a line that never ends is shown in pieces of `maxLine`.
 */
export function lineSanitizer(print: (line: string) => void, maxLine = 64 * 1024): { write(chunk: Buffer): void; end(): void } {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pending = '';
  const flushLines = (final: boolean) => {
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      print(sanitizeText(pending.slice(0, i), maxLine));
      pending = pending.slice(i + 1);
    }
    if (pending.length > maxLine || (final && pending)) {
      print(sanitizeText(pending, maxLine));
      pending = '';
    }
  };
  return {
    write: (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      flushLines(false);
    },
    end: () => {
      pending += decoder.decode();
      flushLines(true);
    },
  };
}
