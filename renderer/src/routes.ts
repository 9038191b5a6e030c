export const ROUTES = [
  { id: 'fleet', label: 'Fleet', key: '1' },
  { id: 'topology', label: 'Topology', key: '2' },
  { id: 'node', label: 'Node', key: '3' },
  { id: 'deployments', label: 'Deployments', key: '4' },
  { id: 'services', label: 'Services', key: '5' },
  { id: 'alerts', label: 'Alerts', key: '6' },
  { id: 'audit', label: 'Audit', key: '7' },
  { id: 'commissioning', label: 'Commissioning', key: '8' },
  { id: 'settings', label: 'Settings', key: '9' },
  { id: 'jobs', label: 'Jobs', key: '0' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.find((r) => r.id === id)?.id ?? 'fleet';
}

/** The part after the view, e.g. `#/node/rad-01` → "rad-01"; `#/fleet/add` → "add". */
export function routeParam(hash: string): string | undefined {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/');
  return rest ? decodeURIComponent(rest) : undefined;
}
