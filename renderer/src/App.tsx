import { lazy, Suspense, useEffect, useState } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Nav } from './components/Nav';
import { StatusBar } from './components/StatusBar';
import { PromptDialog } from './components/PromptDialog';
import { CommandPalette } from './components/CommandPalette';
import { useQuery } from './hooks/useBridge';
import { useRoute } from './hooks/useRoute';
import { useHealth } from './hooks/useHealth';
import { ROUTES, type RouteId } from './routes';
import { useApplyTheme } from './theme';
import { FleetView } from './views/fleet/FleetView';
import type { Settings } from '../../shared/settings.js';
import { setDisplayTimeZone } from './time';

// The Fleet view is where the app opens; every other view (and the charting library the node view
// draws with) loads on first visit, so the first screen waits for a third of the code.
const CommissioningView = lazy(() => import('./views/CommissioningView').then((m) => ({ default: m.CommissioningView })));
const DeploymentsView = lazy(() => import('./views/DeploymentsView').then((m) => ({ default: m.DeploymentsView })));
const JobsView = lazy(() => import('./views/JobsView').then((m) => ({ default: m.JobsView })));
const AlertsView = lazy(() => import('./views/alerts/AlertsView').then((m) => ({ default: m.AlertsView })));
const NodeView = lazy(() => import('./views/fleet/NodeView').then((m) => ({ default: m.NodeView })));
const AuditView = lazy(() => import('./views/AuditView').then((m) => ({ default: m.AuditView })));
const SettingsView = lazy(() => import('./views/SettingsView').then((m) => ({ default: m.SettingsView })));
const TopologyView = lazy(() => import('./views/TopologyView').then((m) => ({ default: m.TopologyView })));
const ServicesView = lazy(() => import('./views/services/ServicesView').then((m) => ({ default: m.ServicesView })));

export function App() {
  const [route, go, param] = useRoute();
  const loaded = useQuery('settings.get', {});
  const info = useQuery('app.info', {});
  const health = useHealth();
  const [settings, setSettings] = useState<Settings>();
  useEffect(() => {
    if (loaded.data) setSettings(loaded.data);
  }, [loaded.data]);
  useApplyTheme(settings?.theme ?? 'system');
  // Set before the views render, so the first paint already uses the chosen clock.
  if (settings) setDisplayTimeZone(settings.timeZone);

  // Alt+1…9 jumps to a view from anywhere, without fighting text fields' own shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = ROUTES.find((r) => r.key === e.key);
      if (!target) return;
      e.preventDefault();
      go(target.id);
      document.getElementById('main')?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const label = ROUTES.find((r) => r.id === route)?.label ?? route;
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <Nav route={route} go={go} firing={health?.firing} />
      <main id="main" tabIndex={-1} aria-label={label}>
        <ErrorBoundary where={`The ${label} view`} resetKey={`${route}/${param ?? ''}`}>
          <Suspense fallback={<p className="muted">Loading the {label} view…</p>}>
            {renderView(route, param, settings, setSettings)}
          </Suspense>
        </ErrorBoundary>
      </main>
      <StatusBar version={info.data?.version} {...(health ? { health } : {})} />
      <PromptDialog />
      <CommandPalette />
    </div>
  );
}

function renderView(route: RouteId, param: string | undefined, settings: Settings | undefined, setSettings: (s: Settings) => void) {
  switch (route) {
    case 'fleet':
      return <FleetView sub={param} />;
    case 'topology':
      return <TopologyView />;
    case 'node':
      return <NodeView name={param} />;
    case 'deployments':
      return <DeploymentsView open={param} />;
    case 'jobs':
      return <JobsView />;
    case 'services':
      return <ServicesView open={param} />;
    case 'alerts':
      return <AlertsView />;
    case 'audit':
      return <AuditView />;
    case 'commissioning':
      return <CommissioningView />;
    case 'settings':
      return <SettingsView settings={settings} onSaved={setSettings} />;
  }
}
