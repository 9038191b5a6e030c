import { describe, expect, it } from 'vitest';
import { lineSanitizer, terminalOutput } from '../../../electron/cli/output.js';

// Every byte that starts a terminal control sequence: ESC, the C1 CSI/OSC/DCS, BEL.
const CONTROL = /[\u0007\u001b\u0080-\u009f]/;

const HOSTILE = [
  'NVIDIA L40S\u001b]0;pwned title\u0007',
  'ok\u001b[2J\u001b[Hfake prompt $ ',
  'C1 CSI \u009b31m red',
  'hyperlink \u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\',
  'carriage\rreturn overwrites',
  'bell\u0007\u0007',
];

describe('terminal output', () => {
  it('shows hostile text without a single control sequence, in human and JSON mode', () => {
    for (const json of [false, true]) {
      const written: string[] = [];
      const out = terminalOutput(
        json,
        (s) => written.push(s),
        (s) => written.push(s),
      );
      for (const h of HOSTILE) {
        out.print(json ? JSON.stringify({ name: h }) : `gpu0 ${h}`);
        out.error(h);
      }
      for (const w of written) expect(w, JSON.stringify(w)).not.toMatch(CONTROL);
      // JSON stays JSON, with the original text inside.
      if (json) expect(JSON.parse(written[0]!)).toEqual({ name: HOSTILE[0] });
    }
  });

  it('sanitizes a followed log line by line, even when an escape is split across chunks', () => {
    const lines: string[] = [];
    const s = lineSanitizer((l) => lines.push(l), 100);
    const bytes = Buffer.from('first \u001b]0;title\u0007line\nsecond \u001b[31mred\u001b[0m\n' + 'x'.repeat(250) + '\nend ü', 'utf8');
    for (let i = 0; i < bytes.length; i += 3) s.write(bytes.subarray(i, i + 3));
    s.end();
    for (const l of lines) expect(l).not.toMatch(CONTROL);
    expect(lines.slice(0, 2)).toEqual(['first line', 'second red']);
    expect(lines.at(-1)).toBe('end ü');
    expect(lines.join('\n')).toContain('more characters');
  });
});
