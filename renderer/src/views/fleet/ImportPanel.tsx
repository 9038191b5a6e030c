import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import { navigate } from '../../hooks/useRoute';
import type { FleetNode } from '../../../../shared/fleet.js';
import type { AppError } from '../../../../shared/errors.js';

/** Paste an ssh_config or a CSV list, see exactly what would be added (and what is wrong), then import. */
interface Problem {
  file: string;
  line: number;
  message: string;
}

/** One line per problem with the line it is on; errors block the import, skipped hosts do not. */
function ProblemLines({ problems, kind, role, label }: { problems: Problem[]; kind: 'error' | 'warn'; role?: 'alert'; label?: string }) {
  if (problems.length === 0) return null;
  return (
    <ul className="errors" role={role} aria-label={label}>
      {problems.map((e, i) => (
        <li key={i}>
          <StatusBadge kind={kind} label={`line ${e.line}`} /> {e.message}
        </li>
      ))}
    </ul>
  );
}

export function ImportPanel({ onDone }: { onDone: () => void }) {
  const [format, setFormat] = useState<'ssh-config' | 'csv'>('ssh-config');
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<{ nodes: FleetNode[]; errors: Problem[]; skipped?: Problem[] }>();
  const [error, setError] = useState<AppError>();
  const [done, setDone] = useState<number>();

  const doPreview = async () => {
    setDone(undefined);
    const r = await bridge.invoke('fleet.import.preview', { format, text });
    if (r.ok) {
      setPreview(r.value);
      setError(undefined);
    } else setError(r.error);
  };
  const commit = async () => {
    if (!preview) return;
    const r = await bridge.invoke('fleet.import.commit', {
      nodes: preview.nodes,
      source: format === 'csv' ? 'pasted CSV' : 'pasted ssh_config',
    });
    if (r.ok) {
      setDone(r.value.count);
      setPreview(undefined);
      onDone();
    } else setError(r.error);
  };

  return (
    <div className="view">
      <header className="view-header">
        <h1>Import nodes</h1>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => navigate('fleet')}>
          Back to fleet
        </button>
      </header>
      <section className="card form wide">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as 'ssh-config' | 'csv')}>
            <option value="ssh-config">ssh_config (Host, HostName, Port, User, IdentityFile, ProxyJump; Include from ~/.ssh)</option>
            <option value="csv">CSV (name, host, port, user, auth, key, via, site, department, tags, role, profiles, notes)</option>
          </select>
        </label>
        <label>
          Content
          <textarea rows={10} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </label>
        <div className="row">
          <button type="button" onClick={() => void doPreview()} disabled={!text.trim()}>
            Preview
          </button>
        </div>
        <ErrorNote error={error} />
        {done !== undefined ? <StatusBadge kind="ok" label={`Imported ${done} node(s)`} /> : null}
      </section>
      {preview ? (
        <section className="card">
          <h2>
            {preview.nodes.length} node(s) to import{preview.errors.length ? `, ${preview.errors.length} problem(s)` : ''}
          </h2>
          <ProblemLines problems={preview.errors} kind="error" role="alert" />
          <ProblemLines problems={preview.skipped ?? []} kind="warn" label="Not imported" />
          <table className="data-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Address</th>
                <th>User</th>
                <th>Sign-in</th>
                <th>Via</th>
              </tr>
            </thead>
            <tbody>
              {preview.nodes.map((n) => (
                <tr key={n.name}>
                  <td>{n.name}</td>
                  <td>
                    {n.host}:{n.port}
                  </td>
                  <td>{n.user}</td>
                  <td>{n.auth}</td>
                  <td>{n.via.join(' → ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" onClick={() => void commit()} disabled={preview.errors.length > 0 || preview.nodes.length === 0}>
              Import {preview.nodes.length} node(s)
            </button>
            {preview.errors.length ? <span className="small">Fix the problems first: nothing is imported while any remain.</span> : null}
          </div>
        </section>
      ) : null}
    </div>
  );
}
