import { useEffect, useState } from 'react';
import { useConnection, useStream } from '../hooks/useBridge';
import { StatusBadge } from './StatusBadge';

/** Bottom bar: is the console talking to its backend, and how fresh is the last heartbeat. */
export function StatusBar({ version }: { version: string | undefined }) {
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
      <span className="spacer" />
      <span>Edgeward {version ?? ''}</span>
    </footer>
  );
}
