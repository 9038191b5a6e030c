import { useEffect, useRef, useState, type FormEvent } from 'react';
import { bridge } from '../bridge';
import { DataTable, type Column } from '../components/DataTable';
import { ProgressTask, type TaskState } from '../components/ProgressTask';
import { StatusBadge } from '../components/StatusBadge';
import { HospitalSystems } from './settings/HospitalSystems';
import { RegistriesCard } from './settings/RegistriesCard';
import { useQuery } from '../hooks/useBridge';
import { percentile } from '../../../shared/stats.js';
import type { Settings, ThemePreference } from '../../../shared/settings.js';
import type { AppError } from '../../../shared/errors.js';
import { formatTime } from '../time';
import type { TimeZoneSetting } from '../../../shared/time-format.js';

export function SettingsView({ settings, onSaved }: { settings: Settings | undefined; onSaved: (s: Settings) => void }) {
  return (
    <div className="view">
      <header className="view-header">
        <h1>Settings</h1>
      </header>
      {settings ? <SettingsForm settings={settings} onSaved={onSaved} /> : <p>Loading settings…</p>}
      {settings ? <SloForm settings={settings} onSaved={onSaved} /> : null}
      {settings ? <HospitalSystems settings={settings} onSaved={onSaved} /> : null}
      {settings ? <RegistriesCard settings={settings} onSaved={onSaved} /> : null}
      <About />
      <BridgeSelfTest />
    </div>
  );
}

function SettingsForm({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [operatorName, setOperatorName] = useState(settings.operatorName);
  const [theme, setTheme] = useState<ThemePreference>(settings.theme);
  const [timeZone, setTimeZone] = useState<TimeZoneSetting>(settings.timeZone);
  const [error, setError] = useState<AppError>();
  const [saved, setSaved] = useState(false);
  const fieldError = (path: string) => error?.details?.find((d) => d.path === path)?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const result = await bridge.invoke('settings.set', { operatorName, theme, timeZone });
    if (result.ok) {
      setError(undefined);
      setSaved(true);
      onSaved(result.value);
    } else setError(result.error);
  };

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="settings-general">
      <h2 id="settings-general">General</h2>
      <label>
        Operator name
        <input
          name="operatorName"
          value={operatorName}
          onChange={(e) => setOperatorName(e.target.value)}
          aria-invalid={fieldError('operatorName') ? true : undefined}
          aria-describedby="operator-help"
          autoComplete="off"
        />
      </label>
      <small id="operator-help">Recorded with your OS user in the audit log for every action you take.</small>
      {fieldError('operatorName') ? <p className="field-error">{fieldError('operatorName')}</p> : null}
      <fieldset>
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as const).map((t) => (
          <label key={t} className="inline">
            <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
            {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Times</legend>
        {(['local', 'utc'] as const).map((z) => (
          <label key={z} className="inline">
            <input type="radio" name="timeZone" value={z} checked={timeZone === z} onChange={() => setTimeZone(z)} />
            {z === 'local' ? `Local time (${Intl.DateTimeFormat().resolvedOptions().timeZone})` : 'UTC'}
          </label>
        ))}
        <small>Every time in the views, the CLI&apos;s output and new reports is written in this clock, with its zone.</small>
      </fieldset>
      <div className="row">
        <button type="submit">Save</button>
        {saved ? <StatusBadge kind="ok" label="Saved" /> : null}
        {error && !error.details ? (
          <span role="alert">
            <StatusBadge kind="error" label={error.message} /> {error.action}
          </span>
        ) : null}
      </div>
    </form>
  );
}

const PROFILES = [
  { id: 'radiology', label: 'Radiology imaging AI' },
  { id: 'cds', label: 'Clinical decision support' },
  { id: 'ehr-batch', label: 'EHR NLP batch' },
] as const;

/** The objectives endpoints are judged by, per workload profile; each change is audited. */
function SloForm({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const initial = Object.fromEntries(
    PROFILES.map((p) => {
      const t = settings.slo[p.id];
      return [
        p.id,
        { pct: String(t.latency?.percentile ?? ''), ms: String(t.latency?.belowMs ?? ''), avail: String(t.availabilityPct ?? '') },
      ];
    }),
  ) as Record<(typeof PROFILES)[number]['id'], { pct: string; ms: string; avail: string }>;
  const [d, setD] = useState(initial);
  const [error, setError] = useState<AppError>();
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const slo = Object.fromEntries(
      PROFILES.map((p) => {
        const v = d[p.id];
        return [
          p.id,
          {
            ...(v.ms.trim() ? { latency: { percentile: Number(v.pct || 95) as 50 | 95 | 99, belowMs: Number(v.ms) } } : {}),
            ...(v.avail.trim() ? { availabilityPct: Number(v.avail) } : {}),
          },
        ];
      }),
    ) as Settings['slo'];
    const result = await bridge.invoke('settings.set', { slo });
    if (result.ok) {
      setError(undefined);
      setSaved(true);
      onSaved(result.value);
    } else setError(result.error);
  };
  return (
    <form className="card form wide" onSubmit={submit} aria-labelledby="settings-slo">
      <h2 id="settings-slo">Service-level objectives</h2>
      <small>
        Endpoints are judged by their node&apos;s workload profile. Burn-rate alerts fire when both the last 5 minutes and the last hour
        spend the error budget 6× (warning) or 14.4× (critical) faster than the objective allows.
      </small>
      <table className="data-table">
        <thead>
          <tr>
            <th>Profile</th>
            <th>Latency percentile</th>
            <th>Below (ms)</th>
            <th>Availability (%)</th>
          </tr>
        </thead>
        <tbody>
          {PROFILES.map((p) => (
            <tr key={p.id}>
              <td>{p.label}</td>
              <td>
                <select
                  aria-label={`${p.label} latency percentile`}
                  value={d[p.id].pct}
                  onChange={(e) => setD({ ...d, [p.id]: { ...d[p.id], pct: e.target.value } })}
                >
                  <option value="">none</option>
                  <option value="50">p50</option>
                  <option value="95">p95</option>
                  <option value="99">p99</option>
                </select>
              </td>
              <td>
                <input
                  aria-label={`${p.label} latency objective in ms`}
                  inputMode="numeric"
                  value={d[p.id].ms}
                  onChange={(e) => setD({ ...d, [p.id]: { ...d[p.id], ms: e.target.value } })}
                />
              </td>
              <td>
                <input
                  aria-label={`${p.label} availability objective`}
                  inputMode="decimal"
                  value={d[p.id].avail}
                  onChange={(e) => setD({ ...d, [p.id]: { ...d[p.id], avail: e.target.value } })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="submit">Save objectives</button>
        {saved ? <StatusBadge kind="ok" label="Saved" /> : null}
        {error ? (
          <span role="alert">
            <StatusBadge kind="error" label={error.message} /> {error.details?.map((x) => `${x.path}: ${x.message}`).join('; ')}{' '}
            {error.action}
          </span>
        ) : null}
      </div>
    </form>
  );
}

function About() {
  const info = useQuery('app.info', {});
  type Row = { key: string; value: string };
  const rows: Row[] = info.data
    ? [
        { key: 'Version', value: info.data.version },
        { key: 'Platform', value: info.data.platform },
        { key: 'Transport', value: info.data.transport === 'electron' ? 'Desktop window (IPC)' : 'Browser over the loopback bridge' },
        { key: 'Data directory', value: info.data.dataDir },
        { key: 'Started', value: formatTime(Date.parse(info.data.startedAt)) },
      ]
    : [];
  const columns: Column<Row, 'key' | 'value'>[] = [
    { key: 'key', header: 'Item', value: (r) => r.key },
    { key: 'value', header: 'Value', value: (r) => r.value, render: (r) => <code>{r.value}</code> },
  ];
  return (
    <section className="card" aria-labelledby="about-h">
      <h2 id="about-h">About this console</h2>
      {info.error ? (
        <p role="alert">
          <StatusBadge kind="error" label={info.error.message} /> {info.error.action}
        </p>
      ) : (
        <DataTable
          caption="Console details"
          columns={columns}
          rows={rows}
          rowKey={(r) => r.key}
          empty={info.loading ? 'Loading…' : 'No details.'}
        />
      )}
    </section>
  );
}

/** Measures the bridge itself: useful when the console feels slow on a remote session. */
function BridgeSelfTest() {
  const total = 200;
  const [run, setRun] = useState<{ done: number; state: TaskState; p50?: number; p95?: number; error?: string }>();
  const cancelled = useRef(false);
  useEffect(() => () => void (cancelled.current = true), []);

  const start = async () => {
    cancelled.current = false;
    const times: number[] = [];
    setRun({ done: 0, state: 'running' });
    for (let i = 0; i < total; i++) {
      if (cancelled.current) {
        setRun({ done: i, state: 'cancelled', p50: percentile(times, 50), p95: percentile(times, 95) });
        return;
      }
      const t0 = performance.now();
      const result = await bridge.invoke('app.info', {});
      times.push(performance.now() - t0);
      if (!result.ok) {
        setRun({ done: i, state: 'failed', error: `${result.error.message}. ${result.error.action}` });
        return;
      }
      if (i % 10 === 9) setRun({ done: i + 1, state: 'running' });
      // Yield so the Cancel button stays responsive.
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 15));
    }
    setRun({ done: total, state: 'done', p50: percentile(times, 50), p95: percentile(times, 95) });
  };

  return (
    <section className="card" aria-labelledby="selftest-h">
      <h2 id="selftest-h">Bridge self-test</h2>
      <p>Sends {total} requests through the bridge and reports the round-trip time.</p>
      <div className="row">
        <button type="button" onClick={() => void start()} disabled={run?.state === 'running'}>
          Run self-test
        </button>
      </div>
      {run ? (
        <ProgressTask
          label="Bridge round trips"
          done={run.done}
          total={total}
          state={run.state}
          detail={run.error ?? (run.p50 !== undefined ? `p50 ${run.p50.toFixed(2)} ms · p95 ${(run.p95 ?? 0).toFixed(2)} ms` : undefined)}
          onCancel={() => (cancelled.current = true)}
        />
      ) : null}
    </section>
  );
}
