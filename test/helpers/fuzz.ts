/** Reproducible randomness for fuzz tests: the same seed gives the same inputs on every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '',
  '\u0000',
  '\u202e\u2066evil',
  '\u00fc'.repeat(500),
  '\ud800',
  '../../../../etc/passwd',
  '$(reboot)',
  '`id`; rm -rf /',
  "'; DROP TABLE audit; --",
  '<img src=x onerror=alert(1)>',
  '\u001b]8;;http://evil\u0007link\u001b]8;;\u0007\u001b[2J',
  '%s%n%x',
  'a'.repeat(100_000),
];

/** Random JSON: strings from a hostile list and random code points, numbers at the edges. */
export function randomJson(rnd: () => number, depth: number): unknown {
  const pick = Math.floor(rnd() * (depth > 0 ? 9 : 6));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return [0, -1, 1e308, -1e308, 2 ** 53, 0.5, Number.MIN_VALUE][Math.floor(rnd() * 7)];
    case 3:
      return NASTY_STRINGS[Math.floor(rnd() * NASTY_STRINGS.length)];
    case 4:
    case 5:
      return String.fromCodePoint(...Array.from({ length: Math.floor(rnd() * 20) }, () => Math.floor(rnd() * 0x2ffff)));
    case 6:
      return Array.from({ length: Math.floor(rnd() * 5) }, () => randomJson(rnd, depth - 1));
    default: {
      const keys = ['name', 'node', 'text', 'format', 'id', 'host', 'port', 'patch', 'spec', 'filter', '__proto__', 'constructor'];
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) o[keys[Math.floor(rnd() * keys.length)]!] = randomJson(rnd, depth - 1);
      return o;
    }
  }
}

/** Values every schema must refuse or handle: prototype pollution, deep nesting, huge and odd shapes. */
export function hostileValues(): unknown[] {
  let deep: unknown = 1;
  for (let i = 0; i < 5000; i++) deep = [deep];
  return [
    undefined,
    null,
    0,
    'x',
    [],
    {},
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    deep,
    { name: 'a'.repeat(1_000_000) },
    Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
    ...NASTY_STRINGS.map((s) => ({ name: s, node: s, text: s })),
  ];
}
