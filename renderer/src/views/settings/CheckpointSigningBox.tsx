import { useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import { useQuery } from '../../hooks/useBridge';

/**
 * Signed checkpoints from the app: make the Ed25519 key once (kept encrypted with the OS keychain),
 * then give the verifier key shown here to the SIEM team; `audit verify --checkpoints` needs it.
 */
export function CheckpointSigningBox() {
  const status = useQuery('audit.checkpoints.status', {});
  const [error, setError] = useState<AppError>();
  const [making, setMaking] = useState(false);
  const create = async () => {
    setMaking(true);
    const r = await bridge.invoke('audit.checkpoints.create_key', {});
    setMaking(false);
    setError(r.ok ? undefined : r.error);
    status.reload();
  };
  const s = status.data;
  return (
    <>
      <h3>Signed checkpoints</h3>
      {!s ? null : s.signing ? (
        <>
          <p className="row">
            <StatusBadge kind="ok" label="Signing" /> every 1,000 records or 10 minutes, sent to each SIEM collector with the records.
          </p>
          <p className="small">Verifier key for the SIEM (audit verify --checkpoints FILE --key …):</p>
          <code aria-label="Verifier key">{s.verifier}</code>
        </>
      ) : s.canKeepKey ? (
        <div className="row">
          <button type="button" className="secondary" disabled={making} onClick={() => void create()}>
            {making ? 'Making the key…' : 'Make a signing key'}
          </button>
          <span className="small">
            Kept encrypted with this computer&apos;s keychain; recorded in the audit log (the public half only).
          </span>
        </div>
      ) : (
        <p className="small">
          This process cannot keep a key encrypted (no OS keychain). On a hub, sign from the collector: edgeward audit checkpoint-key FILE,
          then edgeward collector --checkpoint-key FILE.
        </p>
      )}
      {error ? <StatusBadge kind="error" label={`${error.message}. ${error.action}`} /> : null}
    </>
  );
}
