import { useState } from 'react';
import type { CommissionSession, Signer } from '../../../../shared/commission/session.js';
import { ConfirmBox } from '../../components/ConfirmBox';

/**
 * Sign-off asks who signs (name and role) every time, then confirms what is being signed: the
 * verdict, the checks accepted with a reason, and that the commissioning closes.
 */
export function SignoffBox({
  session,
  verdict,
  suggestedName,
  onSign,
}: {
  session: CommissionSession;
  verdict: 'pass' | 'warn' | 'fail';
  suggestedName: string;
  onSign: (signer: Signer) => void;
}) {
  const [name, setName] = useState(suggestedName);
  const [role, setRole] = useState('');
  const [confirming, setConfirming] = useState(false);
  const ready = name.trim().length >= 2 && role.trim().length >= 2;
  if (confirming)
    return (
      <ConfirmBox
        label="Confirm sign-off"
        confirm={`Sign off as ${verdict.toUpperCase()}`}
        danger={verdict === 'fail'}
        onConfirm={() => onSign({ name: name.trim(), role: role.trim() })}
        onCancel={() => setConfirming(false)}
      >
        <p>
          <strong>{name.trim()}</strong> ({role.trim()}) signs off {session.node} against “{session.profileName}” as{' '}
          <strong>{verdict.toUpperCase()}</strong>.
        </p>
        <ul className="small">
          {session.overrides.length ? (
            <li>
              {session.overrides.length} failed check(s) accepted with a reason: {session.overrides.map((o) => o.id).join(', ')}
            </li>
          ) : null}
          <li>The acceptance report is written and its SHA-256 goes into the audit log, under this name.</li>
          <li>The commissioning then closes: no more re-runs or overrides.</li>
        </ul>
      </ConfirmBox>
    );
  return (
    <form
      className="row"
      aria-label="Sign off"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) setConfirming(true);
      }}
    >
      <label>
        Signed by
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} autoComplete="name" />
      </label>
      <label>
        Role
        <input value={role} maxLength={100} placeholder="biomedical engineer" onChange={(e) => setRole(e.target.value)} />
      </label>
      <button type="submit" disabled={!ready}>
        Sign off as {verdict.toUpperCase()}…
      </button>
      <span className="small">Writes the acceptance report; its SHA-256 goes into the audit log. The commissioning is then closed.</span>
    </form>
  );
}
