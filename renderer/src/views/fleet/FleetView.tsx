import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { bridge } from '../../bridge';
import { ageText } from '../../../../shared/age.js';
import { ErrorNote } from '../../components/ErrorNote';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';
import { StatusBadge } from '../../components/StatusBadge';
import { nodeBadge } from '../../components/nodeStatus';
import { useFleet } from '../../hooks/useFleet';
import { useHealth } from '../../hooks/useHealth';
import { HealthBadge } from '../../components/HealthBadge';
import { HEALTH_RANK } from '../../../../shared/health-level.js';
import { navigate } from '../../hooks/useRoute';
import type { FleetNode, NodeStatus, Selection } from '../../../../shared/fleet.js';
import { FleetOverview } from './FleetOverview';
import { BulkBar } from './BulkBar';
import { useRemembered } from '../../hooks/useRemembered';
import { formatTime } from '../../time';

// Loaded when first opened: the fleet table is what the console starts on, and these (with the
// command palette's schemas) would otherwise be parsed before it can show.
const AddNodeWizard = lazy(() => import('./AddNodeWizard').then((m) => ({ default: m.AddNodeWizard })));
const CommandRunner = lazy(() => import('./CommandRunner').then((m) => ({ default: m.CommandRunner })));
const ImportPanel = lazy(() => import('./ImportPanel').then((m) => ({ default: m.ImportPanel })));
const loading = (child: ReactNode) => <Suspense fallback={<p className="muted">Loading…</p>}>{child}</Suspense>;

type TreeSel = { site?: string; department?: string };

export function FleetView({ sub }: { sub: string | undefined }) {
  const fleet = useFleet();
  const health = useHealth();
  const [tree, setTree] = useState<TreeSel>({});
  const [query, setQuery] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  // Table or tiles, as last chosen on this machine: a reload or the nav lands on the same one.
  const [layout, setLayout] = useRemembered('fleet.layout', ['table', 'tiles'] as const, 'table');
  // On arrival the remembered layout wins; after that the route (the Table / Tiles buttons) decides.
  const arrived = useRef(false);
  useEffect(() => {
    const first = !arrived.current;
    arrived.current = true;
    if (first && sub === undefined && layout === 'tiles') navigate('fleet', 'overview');
    else if (sub === 'overview') setLayout('tiles');
    else if (sub === undefined) setLayout('table');
  }, [sub]);
  // Nodes ticked in the table, for bulk actions; kept while the user runs a command on them.
  const [picked, setPicked] = useState<string[]>([]);
  const nodes = fleet.nodes;
  // Last known state from local history: on a train, this is all there is, shown with its age.
  const [seen, setSeen] = useState<Record<string, { at: number; gpuHealth: string; hottestC: number | null }>>({});
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const load = () =>
      void bridge.invoke('telemetry.lastKnown', {}).then((r) => {
        if (r.ok) setSeen(Object.fromEntries(r.value.nodes.map((n) => [n.node, n])));
        setNow(Date.now());
      });
    load();
    const t = setInterval(load, 15_000);
    return () => clearInterval(t);
  }, []);

  const sites = useMemo(() => {
    const map = new Map<string, Map<string, number>>();
    for (const n of nodes ?? []) {
      const depts = map.get(n.site) ?? new Map<string, number>();
      depts.set(n.department, (depts.get(n.department) ?? 0) + 1);
      map.set(n.site, depts);
    }
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [nodes]);

  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (nodes ?? []).filter((n) => {
      if (tree.site && n.site !== tree.site) return false;
      if (tree.department && n.department !== tree.department) return false;
      if (statusFilter && nodeBadge(n, fleet.statuses[n.name]).label !== statusFilter) return false;
      if (!q) return true;
      return (
        n.name.toLowerCase().includes(q) ||
        n.host.toLowerCase().includes(q) ||
        n.tags.some((t) => t.toLowerCase().includes(q)) ||
        n.role === q
      );
    });
  }, [nodes, tree, query, statusFilter, fleet.statuses]);

  // Nodes by badge (the header's counts and the Status filter's choices).
  const counts = useMemo(() => {
    const byLabel = new Map<string, number>();
    for (const n of nodes ?? []) {
      const b = nodeBadge(n, fleet.statuses[n.name]).label;
      byLabel.set(b, (byLabel.get(b) ?? 0) + 1);
    }
    return byLabel;
  }, [nodes, fleet.statuses]);

  const selection: Selection = picked.length
    ? { kind: 'nodes', nodes: picked }
    : tree.department
      ? { kind: 'department', site: tree.site!, department: tree.department }
      : tree.site
        ? { kind: 'site', site: tree.site }
        : query || statusFilter
          ? { kind: 'nodes', nodes: visible.map((n) => n.name).slice(0, 1000) }
          : { kind: 'all' };

  if (sub === 'add') return loading(<AddNodeWizard nodes={nodes ?? []} onDone={() => void fleet.reload()} />);
  if (sub === 'import') return loading(<ImportPanel onDone={() => void fleet.reload()} />);
  if (sub === 'run') return loading(<CommandRunner nodes={nodes ?? []} selection={selection} />);
  // `#/fleet/run/NODE` (the command palette): the command runner on that one node.
  if (sub?.startsWith('run/')) return loading(<CommandRunner nodes={nodes ?? []} selection={{ kind: 'nodes', nodes: [sub.slice(4)] }} />);
  const tiles = sub === 'overview';

  const visibleNames = visible.map((n) => n.name);
  const allPicked = visibleNames.length > 0 && visibleNames.every((n) => picked.includes(n));
  const toggle = (name: string) => setPicked((p) => (p.includes(name) ? p.filter((x) => x !== name) : [...p, name]));
  const columns: Column<FleetNode, string>[] = [
    {
      key: 'pick',
      header: (
        <input
          type="checkbox"
          aria-label="Select every node shown"
          checked={allPicked}
          onChange={() =>
            setPicked(allPicked ? picked.filter((p) => !visibleNames.includes(p)) : [...new Set([...picked, ...visibleNames])])
          }
        />
      ),
      sortable: false,
      width: '2.5em',
      value: (n) => picked.includes(n.name),
      render: (n) => (
        <input type="checkbox" aria-label={`Select ${n.name}`} checked={picked.includes(n.name)} onChange={() => toggle(n.name)} />
      ),
    },
    {
      key: 'name',
      header: 'Node',
      width: '6.5em',
      title: (n) => n.name,
      value: (n) => n.name,
      render: (n) => (
        <a href={`#/node/${encodeURIComponent(n.name)}`} className="node-link">
          {n.name}
        </a>
      ),
    },
    {
      // Worst first by default: the one column that says what needs attention, from the shared model.
      key: 'health',
      header: 'Health',
      width: '13em',
      title: (n) => health?.byNode[n.name]?.reason,
      value: (n) => HEALTH_RANK[health?.byNode[n.name]?.level ?? 'unknown'],
      render: (n) => <HealthBadge health={health?.byNode[n.name]} />,
    },
    {
      // The connection and, under it, the last problem the pool saw on it.
      key: 'status',
      header: 'Connection',
      width: '12em',
      title: (n) => (fleet.statuses[n.name] as NodeStatus | undefined)?.detail,
      value: (n) => nodeBadge(n, fleet.statuses[n.name]).label,
      render: (n) => {
        const b = nodeBadge(n, fleet.statuses[n.name]);
        const detail = (fleet.statuses[n.name] as NodeStatus | undefined)?.detail;
        return (
          <>
            <StatusBadge kind={b.kind} label={b.label} {...(b.title ? { title: b.title } : {})} />
            {detail ? <span className="cell-sub small">{detail}</span> : null}
          </>
        );
      },
    },
    {
      key: 'host',
      header: 'Address',
      width: '13.5em',
      title: (n) => `${n.user}@${n.host}:${n.port}${n.via.length ? ` via ${n.via.join(' → ')}` : ''}`,
      value: (n) => `${n.user}@${n.host}:${n.port}`,
      render: (n) => (
        <>
          {`${n.user}@${n.host}:${n.port}`}
          {n.via.length ? <span className="cell-sub small">{`via ${n.via.join(' → ')}`}</span> : null}
        </>
      ),
    },
    {
      key: 'site',
      header: 'Site / department',
      width: '8.5em',
      title: (n) => `${n.site} / ${n.department}`,
      value: (n) => `${n.site} / ${n.department}`,
      render: (n) => (
        <>
          {n.site}
          <span className="cell-sub small">{n.department}</span>
        </>
      ),
    },
    { key: 'role', header: 'Role', width: '5.5em', value: (n) => n.role },
    { key: 'tags', header: 'Tags', width: '4.5em', value: (n) => n.tags.join(', ') },
    {
      key: 'seen',
      header: 'Last seen',
      width: '8.5em',
      title: (n) => (seen[n.name] ? formatTime(seen[n.name]!.at) : undefined),
      value: (n) => seen[n.name]?.at ?? 0,
      render: (n) => {
        const k = seen[n.name];
        return k ? (
          <>
            {ageText(now - k.at)}
            <span className="cell-sub small">{`GPU ${k.gpuHealth}${k.hottestC !== null ? ` · ${k.hottestC} °C` : ''}`}</span>
          </>
        ) : (
          'never'
        );
      },
    },
  ];

  return (
    <div className="view fleet-view">
      <header className="view-header">
        <h1>Fleet</h1>
        <span className="small" data-testid="fleet-counts">
          {nodes ? `${nodes.length} node${nodes.length === 1 ? '' : 's'}` : 'Loading…'}
          {[...counts.entries()].map(([label, n]) => ` · ${n} ${label.toLowerCase()}`).join('')}
        </span>
        <span className="spacer" />
        <span className="range-picker" role="group" aria-label="Fleet layout">
          <button type="button" className="secondary" aria-pressed={!tiles} onClick={() => navigate('fleet')}>
            Table
          </button>
          <button type="button" className="secondary" aria-pressed={tiles} onClick={() => navigate('fleet', 'overview')}>
            Tiles
          </button>
        </span>
        <button type="button" onClick={() => navigate('fleet', 'add')}>
          Add node
        </button>
        <button type="button" className="secondary" onClick={() => navigate('fleet', 'import')}>
          Import
        </button>
        <button type="button" className="secondary" onClick={() => navigate('fleet', 'run')} disabled={!nodes?.length}>
          Run command
        </button>
      </header>
      <ErrorNote error={fleet.error} />
      {nodes && nodes.length === 0 ? (
        <EmptyState title="No nodes yet">
          <p>
            Add your first edge node with its address and login, or import the hosts you already reach from ~/.ssh/config or a CSV list.
          </p>
          <p>
            Trying Edgeward out? <code>sudo npm run demo</code> starts a simulated GPU fleet to add.
          </p>
        </EmptyState>
      ) : tiles ? (
        <FleetOverview />
      ) : (
        <div className="fleet-body">
          <nav className="fleet-tree" aria-label="Sites and departments">
            <button type="button" className={!tree.site ? 'active' : ''} onClick={() => setTree({})}>
              All nodes ({nodes?.length ?? 0})
            </button>
            {sites.map(([site, depts]) => (
              <div key={site}>
                <button type="button" className={tree.site === site && !tree.department ? 'active' : ''} onClick={() => setTree({ site })}>
                  {site} ({[...depts.values()].reduce((a, b) => a + b, 0)})
                </button>
                {[...depts.entries()].map(([dept, n]) => (
                  <button
                    key={dept}
                    type="button"
                    className={`dept ${tree.site === site && tree.department === dept ? 'active' : ''}`}
                    onClick={() => setTree({ site, department: dept })}
                  >
                    {dept} ({n})
                  </button>
                ))}
              </div>
            ))}
          </nav>
          <section className="fleet-grid">
            <div className="filters" role="search" aria-label="Filter nodes">
              <label className="grow">
                Search
                <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="name, address, tag or role" />
              </label>
              <label>
                Status
                <select value={statusFilter} onChange={(e) => setStatusFilter(e.target.value)}>
                  <option value="">any</option>
                  {[...counts.keys()].sort().map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {picked.length ? (
              <BulkBar
                selected={picked}
                nodes={nodes ?? []}
                statuses={fleet.statuses}
                onRun={() => navigate('fleet', 'run')}
                onClear={() => setPicked([])}
                onDone={() => void fleet.reload()}
              />
            ) : null}
            <DataTable
              caption={`${visible.length} of ${nodes?.length ?? 0} nodes`}
              columns={columns}
              rows={visible}
              rowKey={(n) => n.name}
              initialSort={{ key: 'health', direction: 'asc' }}
              empty="No node matches the filter."
              fixedRows
            />
          </section>
        </div>
      )}
    </div>
  );
}
