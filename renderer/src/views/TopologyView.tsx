import { useMemo, useState } from 'react';
import type { FleetNode } from '../../../shared/fleet.js';
import { HEALTH_RANK } from '../../../shared/health-level.js';
import type { NodeHealth } from '../../../shared/node-health.js';
import { EmptyState } from '../components/EmptyState';
import { ErrorNote } from '../components/ErrorNote';
import { HealthBadge } from '../components/HealthBadge';
import { useFleet } from '../hooks/useFleet';
import { useHealth } from '../hooks/useHealth';

interface Branch {
  node: FleetNode;
  children: Branch[];
}

/** Each node hangs under the last gateway on its path (or the site itself); hubs and gateways first. */
function treeOf(nodes: FleetNode[]): Map<string, Branch[]> {
  const branches = new Map(nodes.map((n) => [n.name, { node: n, children: [] as Branch[] }]));
  const sites = new Map<string, Branch[]>();
  for (const b of branches.values()) {
    const parent = b.node.via.length ? branches.get(b.node.via.at(-1)!) : undefined;
    if (parent) parent.children.push(b);
    else sites.set(b.node.site, [...(sites.get(b.node.site) ?? []), b]);
  }
  const order = (a: Branch, b: Branch) =>
    (a.node.role === 'edge' ? 1 : 0) - (b.node.role === 'edge' ? 1 : 0) || a.node.name.localeCompare(b.node.name);
  const sort = (xs: Branch[]) => {
    xs.sort(order);
    for (const x of xs) sort(x.children);
  };
  for (const xs of sites.values()) sort(xs);
  return new Map([...sites].sort(([a], [b]) => a.localeCompare(b)));
}

const count = (b: Branch): number => b.children.reduce((n, c) => n + 1 + count(c), 0);

function BranchItem({ branch, health }: { branch: Branch; health: Record<string, NodeHealth> }) {
  const h = health[branch.node.name];
  const behind = count(branch);
  // A down gateway reads as one fact: its nodes fold under it, opened on demand.
  const down = h?.level === 'unreachable' && behind > 0;
  const [open, setOpen] = useState<boolean>();
  const shown = open ?? !down;
  return (
    <li data-node={branch.node.name} data-role={branch.node.role} data-level={h?.level ?? 'unknown'}>
      <div className="topology-row">
        <a href={`#/node/${encodeURIComponent(branch.node.name)}`}>{branch.node.name}</a>
        {branch.node.role !== 'edge' ? <span className="small topology-role">{branch.node.role}</span> : null}
        <HealthBadge health={h} />
        {behind > 0 ? (
          <button type="button" className="secondary" aria-expanded={shown} onClick={() => setOpen(!shown)}>
            {down ? `${behind} node(s) behind it out of reach` : `${behind} behind it`}
          </button>
        ) : null}
      </div>
      {behind > 0 && shown ? (
        <ul>
          {branch.children.map((c) => (
            <BranchItem key={c.node.name} branch={c} health={health} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/**
 * Sites → hubs and gateways → nodes, each with the health every view shows. A site's worst level
 * heads it; nodes behind a gateway that is down fold under it, so the outage reads as one line.
 */
export function TopologyView() {
  const fleet = useFleet();
  const health = useHealth();
  const sites = useMemo(() => treeOf(fleet.nodes ?? []), [fleet.nodes]);
  const byNode = health?.byNode ?? {};
  return (
    <div className="view">
      <header className="view-header">
        <h1>Topology</h1>
        <span className="small">Sites, their hubs and gateways, and the nodes reached through each.</span>
      </header>
      <ErrorNote error={fleet.error} />
      {fleet.nodes && fleet.nodes.length === 0 ? (
        <EmptyState title="No nodes yet">
          <p>Add nodes in the Fleet view; a node reached through a gateway (its “via”) shows under that gateway here.</p>
        </EmptyState>
      ) : (
        <div className="topology" data-testid="topology">
          {[...sites].map(([site, roots]) => {
            const all = (fleet.nodes ?? []).filter((n) => n.site === site);
            const worst = all.map((n) => byNode[n.name]?.level ?? 'unknown').sort((a, b) => HEALTH_RANK[a] - HEALTH_RANK[b])[0];
            const down = all.filter((n) => byNode[n.name]?.level === 'unreachable').length;
            return (
              <section key={site} className="card" aria-label={`Site ${site}`} data-site={site} data-level={worst}>
                <h2>
                  {site}{' '}
                  <span className="small">
                    ({all.length} node(s){down ? `, ${down} unreachable` : ''})
                  </span>
                </h2>
                <ul className="topology-tree">
                  {roots.map((b) => (
                    <BranchItem key={b.node.name} branch={b} health={byNode} />
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}
