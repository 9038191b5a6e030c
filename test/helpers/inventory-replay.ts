import type { AuditRecord } from '../../shared/audit.js';

/** The inventory as the audit log tells it: every kept change, in the order it was made. */
export function replayInventory(records: AuditRecord[]): Map<string, { enabled: boolean; notes?: string }> {
  const nodes = new Map<string, { enabled: boolean; notes?: string }>();
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    if (r.outcome !== 'ok') continue;
    const name = r.target.node;
    if (!name) continue;
    if (r.action === 'node.add')
      nodes.set(name, { enabled: true, ...(typeof r.params.notes === 'string' ? { notes: r.params.notes } : {}) });
    const n = nodes.get(name);
    if (!n) continue;
    if (r.action === 'node.edit') {
      const changes = r.params.changes as { notes?: string } | undefined;
      if (changes?.notes !== undefined) n.notes = changes.notes;
    }
    if (r.action === 'node.disable') n.enabled = false;
    if (r.action === 'node.enable') n.enabled = true;
    if (r.action === 'node.remove') nodes.delete(name);
  }
  return nodes;
}
