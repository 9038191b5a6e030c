import { useState, type FormEvent } from 'react';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import { AuthMethodSelect, RoleSelect } from '../../components/NodeFields';
import { navigate } from '../../hooks/useRoute';
import type { AuthMethod, FleetNode, NodeRole } from '../../../../shared/fleet.js';
import type { NodeTestResult } from '../../../../shared/contract/channels.js';
import type { AppError } from '../../../../shared/errors.js';
import { TrustPrompt } from './TrustPrompt';

interface Draft {
  name: string;
  host: string;
  port: string;
  user: string;
  auth: AuthMethod;
  keyPath: string;
  secret: string;
  remember: boolean;
  via: string;
  site: string;
  department: string;
  tags: string;
  role: NodeRole;
}

const EMPTY: Draft = {
  name: '',
  host: '',
  port: '22',
  user: 'root',
  auth: 'agent',
  keyPath: '',
  secret: '',
  remember: false,
  via: '',
  site: '',
  department: '',
  tags: '',
  role: 'edge',
};

/** Add a node in three steps: describe it, test the connection, confirm its host key. */
export function AddNodeWizard({ nodes, onDone }: { nodes: FleetNode[]; onDone: () => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<AppError>();
  const [added, setAdded] = useState<FleetNode>();
  const [test, setTest] = useState<NodeTestResult>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const fieldError = (path: string) => error?.details?.find((d) => d.path === path)?.message;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const gateway = nodes.find((n) => n.name === draft.via);
    const r = await bridge.invoke('fleet.node.add', {
      name: draft.name.trim(),
      host: draft.host.trim(),
      port: Number(draft.port),
      user: draft.user.trim(),
      auth: draft.auth,
      ...(draft.auth === 'key' && draft.keyPath ? { keyPath: draft.keyPath.trim() } : {}),
      via: gateway ? [...gateway.via, gateway.name] : [],
      ...(draft.site.trim() ? { site: draft.site.trim() } : {}),
      ...(draft.department.trim() ? { department: draft.department.trim() } : {}),
      tags: draft.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      role: draft.role,
    });
    if (!r.ok) {
      setBusy(false);
      return setError(r.error);
    }
    setError(undefined);
    setAdded(r.value);
    onDone();
    if ((draft.auth === 'password' || draft.auth === 'key') && draft.secret) {
      await bridge.invoke('fleet.node.setSecret', {
        name: r.value.name,
        kind: draft.auth === 'password' ? 'password' : 'passphrase',
        value: draft.secret,
        persist: draft.remember,
      });
      set({ secret: '' });
    }
    await runTest(r.value.name);
    setBusy(false);
  };

  const runTest = async (name: string) => {
    setTest(undefined);
    const r = await bridge.invoke('fleet.node.test', { name });
    if (r.ok) setTest(r.value);
    else setError(r.error);
  };

  if (added) {
    return (
      <div className="view">
        <header className="view-header">
          <h1>Add node: {added.name}</h1>
        </header>
        <section className="card" aria-live="polite">
          <h2>Test connection</h2>
          {!test ? <StatusBadge kind="pending" label="Testing…" /> : null}
          {test?.ok ? (
            <p data-testid="test-result">
              <StatusBadge kind="ok" label="Connected" /> Logged in as {added.user} in {test.latencyMs} ms. Host key {test.fingerprint} is
              trusted.
            </p>
          ) : null}
          {test && !test.ok && test.needsTrust && test.fingerprint ? (
            <TrustPrompt name={added.name} fingerprint={test.fingerprint} onTrusted={() => void runTest(added.name)} />
          ) : null}
          {test && !test.ok && !test.needsTrust ? (
            <div role="alert" data-testid="test-result">
              <p>
                <StatusBadge kind="error" label="Not connected" /> {test.message}
              </p>
              <p className="small">{test.action}</p>
              <button type="button" className="secondary" onClick={() => void runTest(added.name)}>
                Test again
              </button>
            </div>
          ) : null}
          <div className="row">
            <button type="button" onClick={() => navigate('node', added.name)}>
              Open node
            </button>
            <button type="button" className="secondary" onClick={() => navigate('fleet')}>
              Back to fleet
            </button>
          </div>
        </section>
      </div>
    );
  }

  return (
    <div className="view">
      <header className="view-header">
        <h1>Add node</h1>
      </header>
      <form className="card form wide" onSubmit={(e) => void submit(e)} aria-label="New node">
        <div className="grid2">
          <label>
            Name
            <input
              value={draft.name}
              onChange={(e) => set({ name: e.target.value })}
              required
              aria-invalid={fieldError('name') ? true : undefined}
              placeholder="rad-north-01"
            />
          </label>
          <label>
            Address
            <input
              value={draft.host}
              onChange={(e) => set({ host: e.target.value })}
              required
              aria-invalid={fieldError('host') ? true : undefined}
              placeholder="10.20.0.11 or host name"
            />
          </label>
          <label>
            Port
            <input
              value={draft.port}
              onChange={(e) => set({ port: e.target.value })}
              inputMode="numeric"
              aria-invalid={fieldError('port') ? true : undefined}
            />
          </label>
          <label>
            User
            <input
              value={draft.user}
              onChange={(e) => set({ user: e.target.value })}
              aria-invalid={fieldError('user') ? true : undefined}
            />
          </label>
          <AuthMethodSelect value={draft.auth} onChange={(auth) => set({ auth })} />
          {draft.auth === 'key' ? (
            <label>
              Key file
              <input value={draft.keyPath} onChange={(e) => set({ keyPath: e.target.value })} placeholder="~/.ssh/id_ed25519" />
            </label>
          ) : null}
          {draft.auth === 'password' || draft.auth === 'key' ? (
            <label>
              {draft.auth === 'password' ? 'Password' : 'Key passphrase (if encrypted)'}
              <input type="password" value={draft.secret} onChange={(e) => set({ secret: e.target.value })} autoComplete="off" />
            </label>
          ) : null}
          {draft.auth === 'password' || draft.auth === 'key' ? (
            <label className="inline">
              <input type="checkbox" checked={draft.remember} onChange={(e) => set({ remember: e.target.checked })} />
              Remember it (encrypted by the operating system; otherwise kept for this session only)
            </label>
          ) : null}
          <label>
            Reached through
            <select value={draft.via} onChange={(e) => set({ via: e.target.value })}>
              <option value="">directly</option>
              {nodes.map((n) => (
                <option key={n.name} value={n.name}>
                  {[...n.via, n.name].join(' → ')}
                </option>
              ))}
            </select>
          </label>
          <RoleSelect value={draft.role} onChange={(role) => set({ role })} />
          <label>
            Site
            <input value={draft.site} onChange={(e) => set({ site: e.target.value })} placeholder="default" />
          </label>
          <label>
            Department
            <input value={draft.department} onChange={(e) => set({ department: e.target.value })} placeholder="general" />
          </label>
          <label>
            Tags (comma separated)
            <input value={draft.tags} onChange={(e) => set({ tags: e.target.value })} placeholder="gpu, l40s" />
          </label>
        </div>
        {error ? (
          <div role="alert" className="field-errors">
            <StatusBadge kind="error" label={error.message} />
            <p className="small">{error.action}</p>
          </div>
        ) : null}
        <div className="row">
          <button type="submit" disabled={busy}>
            Add and test connection
          </button>
          <button type="button" className="secondary" onClick={() => navigate('fleet')}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
