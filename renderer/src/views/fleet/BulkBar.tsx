import { useState } from 'react';
import type { FleetNode, NodeStatus } from '../../../../shared/fleet.js';
import type { AppError } from '../../../../shared/errors.js';
import { bridge } from '../../bridge';
import { ConfirmBox } from '../../components/ConfirmBox';
import { ErrorNote } from '../../components/ErrorNote';
import { DrainBox } from './DrainBox';

/**
 * What can be done to several selected nodes at once: trust the host keys of the ones seen for the
 * first time (each fingerprint listed to compare; a changed key is never trusted in bulk), or run a
 * command on exactly them.
 */
export function BulkBar({
  selected,
  nodes,
  statuses,
  onRun,
  onClear,
  onDone,
}: {
  selected: string[];
  nodes: FleetNode[];
  statuses: Record<string, NodeStatus>;
  onRun: () => void;
  onClear: () => void;
  onDone: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [draining, setDraining] = useState(false);
  const [errors, setErrors] = useState<{ node: string; error: AppError }[]>([]);
  const [result, setResult] = useState<string>();
  const chosen = nodes.filter((n) => selected.includes(n.name));
  const firstContact = chosen.filter((n) => statuses[n.name]?.status === 'hostkey-unknown' && statuses[n.name]?.fingerprint);
  const changed = chosen.filter((n) => statuses[n.name]?.status === 'hostkey-changed');
  // One node after the other (each its own audited action); what failed is listed by node.
  const eachNode = async (
    targets: FleetNode[],
    act: (n: FleetNode) => Promise<{ ok: true } | { ok: false; error: AppError }>,
    done: (ok: number) => string,
  ) => {
    const failed: { node: string; error: AppError }[] = [];
    for (const n of targets) {
      const r = await act(n);
      if (!r.ok) failed.push({ node: n.name, error: r.error });
    }
    setErrors(failed);
    setResult(done(targets.length - failed.length));
    onDone();
  };
  const trustAll = () => {
    setConfirming(false);
    return eachNode(
      firstContact,
      (n) => bridge.invoke('fleet.node.trust', { name: n.name, fingerprint: statuses[n.name]!.fingerprint! }),
      (ok) => `Trusted ${ok} of ${firstContact.length} key(s).`,
    );
  };
  const drainAll = (reason: string, until: number | undefined) => {
    setDraining(false);
    return eachNode(
      chosen,
      (n) => bridge.invoke('fleet.node.drain', { name: n.name, reason, ...(until !== undefined ? { until } : {}) }),
      (ok) => `Drained ${ok} of ${chosen.length} node(s).`,
    );
  };
  return (
    <div className="bulk-bar" role="region" aria-label="Selected nodes">
      <strong>{selected.length} selected</strong>
      <button type="button" onClick={onRun}>
        Run command on them
      </button>
      <button type="button" className="secondary" disabled={firstContact.length === 0} onClick={() => setConfirming(true)}>
        Trust {firstContact.length} new host key(s)…
      </button>
      <button type="button" className="secondary" onClick={() => setDraining(true)}>
        Drain…
      </button>
      <button type="button" className="secondary" onClick={onClear}>
        Clear selection
      </button>
      {result ? <span role="status">{result}</span> : null}
      {changed.length ? (
        <span className="small">
          {changed.map((n) => n.name).join(', ')}: host key changed; check each on its own page (never in bulk).
        </span>
      ) : null}
      {draining ? (
        <DrainBox nodes={chosen.map((n) => n.name)} onDrain={(r, u) => void drainAll(r, u)} onCancel={() => setDraining(false)} />
      ) : null}
      {confirming ? (
        <ConfirmBox
          label="Confirm host keys"
          confirm={`The fingerprints match: trust ${firstContact.length} key(s)`}
          onConfirm={() => void trustAll()}
          onCancel={() => setConfirming(false)}
        >
          <p>Compare each with the server&apos;s own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on its console):</p>
          <table className="plain" data-testid="bulk-fingerprints">
            <tbody>
              {firstContact.map((n) => (
                <tr key={n.name}>
                  <td>{n.name}</td>
                  <td>
                    <code>{statuses[n.name]!.fingerprint}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ConfirmBox>
      ) : null}
      {errors.map((e) => (
        <div key={e.node}>
          {e.node}: <ErrorNote error={e.error} />
        </div>
      ))}
    </div>
  );
}
