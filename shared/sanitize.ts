/**
 * Remote output is hostile until shown otherwise: terminal escape sequences (which can rewrite what a
 * person sees), invalid UTF-8 and multi-megabyte lines. This turns bytes into text that is safe to
 * show as is: escapes removed, other control characters made visible, invalid bytes replaced with
 * U+FFFD, lines cut at `maxLineChars` with a note of how much was cut.
 */
const ESCAPES =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[P^_][^\u001b]*\u001b\\|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function sanitizeText(text: string, maxLineChars = 4000): string {
  const cleaned = text
    .replace(/\r\n/g, '\n')
    .replace(ESCAPES, '')
    .replace(/\r/g, '\n')
    .replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return cleaned
    .split('\n')
    .map((line) =>
      line.length > maxLineChars
        ? `${line.slice(0, maxLineChars)}… [${(line.length - maxLineChars).toLocaleString('en-US')} more characters]`
        : line,
    )
    .join('\n');
}

/** Decodes bytes as UTF-8, replacing invalid sequences (never throws), then sanitizes. */
export function sanitizeBytes(bytes: Uint8Array, maxLineChars = 4000): string {
  return sanitizeText(new TextDecoder('utf-8', { fatal: false }).decode(bytes), maxLineChars);
}
