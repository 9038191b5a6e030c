import type { AuthMethod, NodeRole } from '../../../shared/fleet.js';

/** The sign-in choices, worded the same in the wizard and the editor. */
export function AuthMethodSelect({ value, onChange }: { value: AuthMethod; onChange: (v: AuthMethod) => void }) {
  return (
    <label>
      Sign in with
      <select value={value} onChange={(e) => onChange(e.target.value as AuthMethod)}>
        <option value="agent">ssh-agent</option>
        <option value="key">key file</option>
        <option value="password">password</option>
        <option value="keyboard-interactive">keyboard-interactive (MFA)</option>
      </select>
    </label>
  );
}

export function RoleSelect({ value, onChange }: { value: NodeRole; onChange: (v: NodeRole) => void }) {
  return (
    <label>
      Role
      <select value={value} onChange={(e) => onChange(e.target.value as NodeRole)}>
        <option value="edge">edge</option>
        <option value="gateway">gateway</option>
        <option value="hub">hub</option>
      </select>
    </label>
  );
}
