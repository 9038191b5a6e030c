import { useEffect, useState } from 'react';
import { useConnection, useStream } from '../hooks/useBridge';
import { StatusBadge } from './StatusBadge';
import { useRemembered } from '../hooks/useRemembered';
import type { HealthView } from '../hooks/useHealth';
import { fleetSummary } from './fleet-summary-text';

/**
 * Bottom bar: is the console talking to its backend, how fresh is the last heartbeat, the fleet's
 * health in one line, and the table density (kept on this machine).
 */
export function StatusBar({ version, health }: { version: string | undefined; health?: HealthView }) {
  const [density, setDensity] = useRemembered('density', ['comfortable', 'compact'] as const, 'comfortable');
  useEffect(() => {
    document.documentElement.dataset.density = density;
  }, [density]);
  const { state, detail } = useConnection();
  const { frame } = useStream('heartbeat', {});
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const age = frame ? Math.max(0, Math.round((now - Date.parse(frame.at)) / 1000)) : undefined;
  const stale = age !== undefined && age > 3;
  const kind = state === 'connected' ? (stale ? 'warn' : 'ok') : state === 'connecting' ? 'pending' : 'offline';
  const label = state === 'connected' ? (stale ? 'Bridge slow' : 'Connected') : state === 'connecting' ? 'Connecting' : 'Disconnected';
  return (
    <footer className="status-bar" role="status" aria-live="polite">
      <span data-testid="bridge-state">
        <StatusBadge kind={kind} label={label} title={detail} />
      </span>
      {state === 'disconnected' && detail ? <span className="status-detail">{detail}</span> : null}
      <span data-testid="heartbeat" data-seq={frame?.seq ?? ''}>
        Heartbeat {frame ? `#${frame.seq}` : '—'}
        {age !== undefined ? ` · ${age === 0 ? 'just now' : `${age} s ago`}` : ''}
      </span>
      <span data-testid="fleet-summary">{fleetSummary(health) ?? ''}</span>
      <span className="spacer" />
      <button
        type="button"
        className="secondary"
        aria-pressed={density === 'compact'}
        onClick={() => setDensity(density === 'compact' ? 'comfortable' : 'compact')}
      >
        Compact rows
      </button>
      <span>Edgeward {version ?? ''}</span>
    </footer>
  );
}
