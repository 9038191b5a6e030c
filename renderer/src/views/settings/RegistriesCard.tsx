import { useState, type FormEvent } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import type { RegistrySetting, Settings } from '../../../../shared/settings.js';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';

/**
 * The registries pulls use: each with its CA (the hospital's own PKI), plain HTTP for a lab, and a
 * login. The password goes to the secret store (kept with the OS keychain when asked), never to
 * the settings file or the audit log; the console and each node's pull use it.
 */
export function RegistriesCard({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [host, setHost] = useState('');
  const [ca, setCa] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [keep, setKeep] = useState(true);
  const [insecure, setInsecure] = useState(false);
  const [error, setError] = useState<AppError>();
  const [saved, setSaved] = useState<string>();
  const fieldError = (i: number, field: string) =>
    error?.details?.find((d) => d.path === `registries.${i}.${field}` || d.path === `registries.${i}`)?.message;
  const save = async (registries: RegistrySetting[]) => {
    const r = await bridge.invoke('settings.set', { registries });
    if (!r.ok) {
      setError(r.error);
      return false;
    }
    setError(undefined);
    onSaved(r.value);
    return true;
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const name = host.trim();
    const entry: RegistrySetting = {
      host: name,
      ...(ca.trim() ? { ca: ca.trim() + '\n' } : {}),
      ...(insecure ? { insecure: true } : {}),
      ...(username.trim() ? { username: username.trim() } : {}),
    };
    if (!(await save([...settings.registries.filter((r) => r.host !== name), entry]))) return;
    if (password) {
      const r = await bridge.invoke('registry.login', { host: name, password, persist: keep });
      if (!r.ok) return setError(r.error);
      setSaved(r.value.persisted ? `${name}: saved, password kept with the keychain` : `${name}: saved, password for this session`);
    } else setSaved(`${name}: saved`);
    setHost('');
    setCa('');
    setUsername('');
    setPassword('');
  };
  const index = settings.registries.length;
  return (
    <section className="card" aria-labelledby="registries-h">
      <h2 id="registries-h">Registries</h2>
      {settings.registries.length ? (
        <table className="data-table" aria-label="Registries">
          <thead>
            <tr>
              <th scope="col">Registry</th>
              <th scope="col">TLS</th>
              <th scope="col">User</th>
              <th scope="col">&nbsp;</th>
            </tr>
          </thead>
          <tbody>
            {settings.registries.map((r) => (
              <tr key={r.host}>
                <td>
                  <code>{r.host}</code>
                </td>
                <td>{r.insecure ? 'plain HTTP' : r.ca ? 'own CA' : 'system CAs'}</td>
                <td>{r.username ?? '—'}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => void save(settings.registries.filter((x) => x.host !== r.host))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="small">None: pulls use the system CAs and no login.</p>
      )}
      <form className="form" onSubmit={add} aria-label="Add a registry">
        <label>
          Registry (host, with the port when not 443)
          <input value={host} onChange={(e) => setHost(e.target.value)} placeholder="registry.hospital.example:5000" required />
        </label>
        {fieldError(index, 'host') ? <p className="field-error">{fieldError(index, 'host')}</p> : null}
        <label>
          CA certificate (PEM; empty: the system CAs)
          <textarea rows={3} value={ca} onChange={(e) => setCa(e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" />
        </label>
        {fieldError(index, 'ca') ? <p className="field-error">{fieldError(index, 'ca')}</p> : null}
        <label className="row">
          <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> plain HTTP (a lab registry only)
        </label>
        <label>
          User
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Password
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </label>
        <label className="row">
          <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} /> keep it with this computer&apos;s keychain
        </label>
        <div className="row">
          <button type="submit">Save registry</button>
          {saved ? <StatusBadge kind="ok" label={saved} /> : null}
          {error && !error.details ? <StatusBadge kind="error" label={`${error.message}. ${error.action}`} /> : null}
        </div>
      </form>
    </section>
  );
}
