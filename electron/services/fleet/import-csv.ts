import { parse } from 'csv-parse/sync';
import { FleetNode } from '../../../shared/fleet.js';
import type { ImportPreview } from './import-ssh-config.js';

const COLUMNS = ['name', 'host', 'port', 'user', 'auth', 'key', 'via', 'site', 'department', 'tags', 'role', 'profiles', 'notes'] as const;
const list = (v: string | undefined) => (v ? v.split(/[;|\s]+/).filter(Boolean) : []);

/**
 * CSV import: a header row naming any of the columns above (name and host required), one node per
 * row. Lists (via, tags, profiles) are separated by ";". Each bad row is reported with its line.
 */
export function previewCsv(text: string, file = 'nodes.csv'): ImportPreview {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
      bom: true,
    });
  } catch (err) {
    const e = err as Error & { lines?: number };
    return { nodes: [], errors: [{ file, line: e.lines ?? 0, message: e.message }] };
  }
  const header = Object.keys(records[0]?.record ?? {});
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length)
    return { nodes: [], errors: [{ file, line: 1, message: `unknown column(s): ${unknown.join(', ')}; known: ${COLUMNS.join(', ')}` }] };
  const nodes: FleetNode[] = [];
  const errors: ImportPreview['errors'] = [];
  const seen = new Set<string>();
  for (const { record: r, info } of records) {
    const input: Record<string, unknown> = {
      name: r.name,
      host: r.host,
      ...(r.port ? { port: Number(r.port) } : {}),
      ...(r.user ? { user: r.user } : {}),
      ...(r.auth ? { auth: r.auth } : r.key ? { auth: 'key' } : {}),
      ...(r.key ? { keyPath: r.key } : {}),
      via: list(r.via),
      ...(r.site ? { site: r.site } : {}),
      ...(r.department ? { department: r.department } : {}),
      tags: list(r.tags),
      ...(r.role ? { role: r.role } : {}),
      profiles: list(r.profiles),
      ...(r.notes ? { notes: r.notes } : {}),
    };
    const parsed = FleetNode.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push({ file, line: info.lines, message: `${issue?.path.join('.') || 'row'}: ${issue?.message}` });
      continue;
    }
    if (seen.has(parsed.data.name)) {
      errors.push({ file, line: info.lines, message: `name ${parsed.data.name} appears twice` });
      continue;
    }
    seen.add(parsed.data.name);
    nodes.push(parsed.data);
  }
  return { nodes, errors };
}
