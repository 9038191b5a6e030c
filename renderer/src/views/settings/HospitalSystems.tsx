import { useState, type FormEvent } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import type { Settings } from '../../../../shared/settings.js';
import { bridge } from '../../bridge';
import { StatusBadge } from '../../components/StatusBadge';
import { useQuery } from '../../hooks/useBridge';
import { formatTime } from '../../time';
import { CheckpointSigningBox } from './CheckpointSigningBox';

/**
 * The hospital's own engines: Alertmanagers that get every alert, the address Prometheus scrapes,
 * and the SIEM collectors the audit log goes to, with how far behind each is.
 */
export function HospitalSystems({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [alertmanagers, setAlertmanagers] = useState(settings.alertmanagers.join(', '));
  const [metricsListen, setMetricsListen] = useState(settings.metricsListen);
  const [prometheusUrl, setPrometheusUrl] = useState(settings.prometheusUrl);
  const [error, setError] = useState<AppError>();
  const [saved, setSaved] = useState(false);
  const forward = useQuery('audit.forward.status', {});
  const [delivering, setDelivering] = useState(false);
  const fieldError = (path: string) => error?.details?.find((d) => d.path === path || d.path.startsWith(`${path}.`))?.message;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const list = alertmanagers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const result = await bridge.invoke('settings.set', {
      alertmanagers: list,
      metricsListen: metricsListen.trim(),
      prometheusUrl: prometheusUrl.trim(),
    });
    if (result.ok) {
      setError(undefined);
      setSaved(true);
      onSaved(result.value);
    } else setError(result.error);
  };
  const deliver = async () => {
    setDelivering(true);
    await bridge.invoke('audit.forward.run', {});
    setDelivering(false);
    forward.reload();
  };
  return (
    <section className="card" aria-labelledby="hospital-h">
      <h2 id="hospital-h">Hospital systems</h2>
      <form className="form" onSubmit={submit} aria-label="Alertmanager and Prometheus">
        <label>
          Alertmanagers (comma-separated)
          <input
            value={alertmanagers}
            onChange={(e) => setAlertmanagers(e.target.value)}
            placeholder="http://alertmanager.hospital.example:9093"
            aria-invalid={fieldError('alertmanagers') ? true : undefined}
          />
        </label>
        {fieldError('alertmanagers') ? <p className="field-error">{fieldError('alertmanagers')}</p> : null}
        <small>Every alert goes there as well (silenced ones and those of drained nodes do not).</small>
        <label>
          Serve Prometheus metrics at (empty: off)
          <input
            value={metricsListen}
            onChange={(e) => setMetricsListen(e.target.value)}
            placeholder="127.0.0.1:9464"
            aria-invalid={fieldError('metricsListen') ? true : undefined}
          />
        </label>
        {fieldError('metricsListen') ? <p className="field-error">{fieldError('metricsListen')}</p> : null}
        <label>
          Prometheus with this fleet&apos;s metrics (history source; empty: local history only)
          <input
            value={prometheusUrl}
            onChange={(e) => setPrometheusUrl(e.target.value)}
            placeholder="http://prometheus.hospital.example:9090"
            aria-invalid={fieldError('prometheusUrl') ? true : undefined}
          />
        </label>
        {fieldError('prometheusUrl') ? <p className="field-error">{fieldError('prometheusUrl')}</p> : null}
        <small>
          GET /metrics: GPU gauges under DCGM names, reachability, endpoint latency and availability. A hub runs edgeward collector instead.
        </small>
        <div className="row">
          <button type="submit">Save connections</button>
          {saved ? <StatusBadge kind="ok" label="Saved" /> : null}
          {error && !error.details ? <StatusBadge kind="error" label={error.message} /> : null}
        </div>
      </form>
      <h3>Audit log to the SIEM</h3>
      {forward.data?.forwarders.length ? (
        <table className="data-table" aria-label="SIEM collectors">
          <thead>
            <tr>
              <th scope="col">Collector</th>
              <th scope="col">Format</th>
              <th scope="col">Has up to</th>
              <th scope="col">Behind</th>
              <th scope="col">Last delivery</th>
            </tr>
          </thead>
          <tbody>
            {forward.data.forwarders.map((f) => (
              <tr key={f.url}>
                <td>
                  <code>{f.url}</code>
                </td>
                <td>{f.format === 'atna' ? 'IHE ATNA' : 'JSON'}</td>
                <td>#{f.cursor}</td>
                <td>
                  <StatusBadge
                    kind={f.lag === 0 ? 'ok' : f.lastError ? 'error' : 'pending'}
                    label={f.lag === 0 ? 'Up to date' : `${f.lag} record(s)`}
                  />
                </td>
                <td>{f.lastError ? `failed: ${f.lastError}` : f.lastOkAt ? formatTime(f.lastOkAt) : 'not yet'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="small">No collector: add one with edgeward audit forward add syslog+tls://HOST:PORT --ca FILE.</p>
      )}
      <div className="row">
        <button type="button" className="secondary" disabled={delivering} onClick={() => void deliver()}>
          {delivering ? 'Delivering…' : 'Deliver now'}
        </button>
        <button type="button" className="secondary" onClick={forward.reload}>
          Refresh
        </button>
      </div>
      <CheckpointSigningBox />
    </section>
  );
}
