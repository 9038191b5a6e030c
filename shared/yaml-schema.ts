import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

export interface YamlProblem {
  /** Dotted path of the field ("strategy.waves.size"), empty for the document itself. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/**
 * YAML text checked against a schema: the value, or every problem with its line, column and field.
 * Parse errors (tabs, bad indentation, duplicate keys) and schema errors come out the same way, so
 * an editor can mark them as the user types and a CLI can name the line.
 */
export function parseYamlWith<S extends z.ZodType>(
  schema: S,
  text: string,
  maxBytes: number,
  what: string,
): { value: z.output<S>; problems: [] } | { value?: undefined; problems: YamlProblem[] } {
  if (text.length > maxBytes)
    return { problems: [{ path: '', line: 1, column: 1, message: `${what} larger than ${Math.round(maxBytes / 1024)} KiB` }] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const p = lines.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => ({ path: '', ...at(e.pos[0]), message: e.message.split('\n')[0]! })) };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    // yaml throws rather than expanding an alias bomb (or resolving an undefined alias): a problem, not a crash.
    const message = (err as Error).message;
    return {
      problems: [
        {
          path: '',
          line: 1,
          column: 1,
          message: /alias count/i.test(message)
            ? `${what} uses too many aliases (more than 50 expansions); write the values out`
            : message.slice(0, 300),
        },
      ],
    };
  }
  const result = schema.safeParse(value);
  if (result.success) return { value: result.data, problems: [] };
  return {
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const { found, present } = deepestNode(doc.contents as YamlNode | null, issue.path);
      // zod does not include the input in its issues, so "missing" is judged on the text itself.
      const missing = issue.code === 'invalid_type' && !present;
      // A bad record key (an env name) carries the real reason one level down.
      const inner = issue.code === 'invalid_key' ? (issue as { issues?: { message: string }[] }).issues?.[0]?.message : undefined;
      return {
        path: path.join('.'),
        ...at(found?.range?.[0]),
        message: missing ? `${path.at(-1) ?? 'value'} is required` : (inner ?? issue.message),
      };
    }),
  };
}

/**
 * The deepest YAML node that exists on a path: the field itself, or its parent when the field is
 * missing; `present` says whether every key of the path is in the text.
 */
function deepestNode(root: YamlNode | null, keys: readonly PropertyKey[]): { found: YamlNode | null; present: boolean } {
  let node: YamlNode | null = root;
  let found = node;
  let present = true;
  for (const key of keys) {
    if (!node) {
      present = false;
      break;
    }
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(key));
      node = (pair?.value as YamlNode | null | undefined) ?? null;
      if (pair) found = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
      else present = false;
    } else if (isSeq(node)) {
      node = (node.items[Number(key)] as YamlNode | undefined) ?? null;
      if (node) found = node;
      else present = false;
    } else {
      present = false;
      break;
    }
  }
  return { found, present };
}

/** Where a dotted path ("redundancy.groups.0.minHealthy") is written in YAML text: for checks made after parsing. */
export function positionOfPath(text: string, path: string): { line: number; column: number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const { found } = deepestNode(doc.contents as YamlNode | null, path ? path.split('.') : []);
  const p = lines.linePos(found?.range?.[0] ?? 0);
  return { line: p.line, column: p.col };
}
