/**
 * One POSIX shell word from any string: single-quoted, with embedded single quotes closed, escaped
 * and reopened. Callers still validate first (names, numbers); quoting is the second fence, so a
 * value that slipped past validation is data, never syntax.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed in a shell command');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
