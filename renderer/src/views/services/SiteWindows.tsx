import { useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import { MaintenancePolicy, parseWindowText, windowText, type MaintenanceWindow } from '../../../../shared/service/maintenance-window.js';
import { bridge } from '../../bridge';
import { ErrorNote } from '../../components/ErrorNote';
import { useQuery } from '../../hooks/useBridge';

/**
 * Each site's agreed change windows, in the site's own time zone: rollouts to its nodes run only
 * inside them (a service's own windows take their place for its members; an emergency runs at once).
 */
export function SiteWindows() {
  const list = useQuery('site.windows.list', {});
  const [site, setSite] = useState('');
  const [tz, setTz] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [text, setText] = useState('tue,thu 02:00-04:00');
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<AppError>();
  const save = async (clear: boolean) => {
    setProblem(undefined);
    setError(undefined);
    let policy: MaintenancePolicy | null = null;
    if (!clear) {
      const windows: MaintenanceWindow[] = [];
      for (const line of text.split('\n').filter((l) => l.trim())) {
        const w = parseWindowText(line);
        if (typeof w === 'string') return setProblem(w);
        windows.push(w);
      }
      const p = MaintenancePolicy.safeParse({ timeZone: tz.trim(), windows });
      if (!p.success) return setProblem(`${p.error.issues[0]!.path.join('.') || 'windows'}: ${p.error.issues[0]!.message}`);
      policy = p.data;
    }
    const r = await bridge.invoke('site.windows.set', { site: site.trim(), policy });
    if (!r.ok) return setError(r.error);
    list.reload();
  };
  return (
    <section className="card" aria-labelledby="site-windows-h">
      <h2 id="site-windows-h">Site maintenance windows</h2>
      {list.data?.sites.length ? (
        <ul data-testid="site-windows">
          {list.data.sites.map((s) => (
            <li key={s.site}>
              <strong>{s.site}</strong> ({s.policy.timeZone}): {s.policy.windows.map(windowText).join('; ')}
            </li>
          ))}
        </ul>
      ) : (
        <p className="small">No site has windows: changes run whenever they are started (unless a service has windows of its own).</p>
      )}
      <form
        className="row"
        aria-label="Set a site's windows"
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        <label>
          Site <input value={site} onChange={(e) => setSite(e.target.value)} required maxLength={63} />
        </label>
        <label>
          Time zone <input value={tz} onChange={(e) => setTz(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Windows, one per line (days or a date, from-to){' '}
          <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        </label>
        <button type="submit" disabled={!site.trim()}>
          Save windows
        </button>
        <button type="button" className="secondary" disabled={!site.trim()} onClick={() => void save(true)}>
          Clear
        </button>
      </form>
      {problem ? (
        <p role="alert" className="small">
          {problem}
        </p>
      ) : null}
      <ErrorNote error={error} />
    </section>
  );
}
