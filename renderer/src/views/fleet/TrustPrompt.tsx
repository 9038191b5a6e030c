import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import type { AppError } from '../../../../shared/errors.js';

/**
 * First contact (or a changed key): show the fingerprint big enough to compare character by
 * character, say where to find the real one, and trust only on an explicit click (audited).
 */
export function TrustPrompt({
  name,
  fingerprint,
  previous,
  onTrusted,
}: {
  name: string;
  fingerprint: string;
  previous?: string;
  onTrusted: () => void;
}) {
  const [error, setError] = useState<AppError>();
  const trust = async () => {
    const r = await bridge.invoke('fleet.node.trust', { name, fingerprint });
    if (r.ok) onTrusted();
    else setError(r.error);
  };
  return (
    <div className={`trust-prompt ${previous ? 'changed' : ''}`} role="group" aria-label="Confirm host key">
      <p>
        <StatusBadge kind={previous ? 'error' : 'warn'} label={previous ? 'Host key changed' : 'Confirm host key'} /> {name} presents this
        host key:
      </p>
      <p className="fingerprint" data-testid="fingerprint">
        {fingerprint}
      </p>
      {previous ? (
        <p>
          It used to present <code>{previous}</code>. A reinstalled server explains this; so would someone intercepting the connection.
          Confirm with the site before trusting it.
        </p>
      ) : null}
      <p className="small">
        Compare it with the server’s own: on its console run <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>. Trust it only if
        they match.
      </p>
      <ErrorNote error={error} />
      <button type="button" onClick={() => void trust()}>
        The fingerprints match: trust this key
      </button>
    </div>
  );
}
