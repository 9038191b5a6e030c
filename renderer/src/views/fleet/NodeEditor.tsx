import { useState, type FormEvent } from 'react';
import { bridge } from '../../bridge';
import { AuthMethodSelect, RoleSelect } from '../../components/NodeFields';
import { ErrorNote } from '../../components/ErrorNote';
import { StatusBadge } from '../../components/StatusBadge';
import { navigate } from '../../hooks/useRoute';
import type { FleetNode } from '../../../../shared/fleet.js';
import type { AppError } from '../../../../shared/errors.js';
import { formatIngressLine, parseIngressLine } from '../../../../shared/clinical/dicom-ingress-line.js';
import { endpointsFromText } from './endpoint-lines';

/** Edit how a node is reached and labelled, or remove it (both audited). */
export function NodeEditor({ node, onChanged }: { node: FleetNode; onChanged: () => void }) {
  const [d, setD] = useState({
    host: node.host,
    port: String(node.port),
    user: node.user,
    auth: node.auth,
    keyPath: node.keyPath ?? '',
    site: node.site,
    department: node.department,
    tags: node.tags.join(', '),
    role: node.role,
    profiles: node.profiles.join(', '),
    endpoints: node.endpoints.map((e) => [e.name, e.port, e.model ?? '', e.profile ?? ''].join(':').replace(/:+$/, '')).join('\n'),
    interval: node.telemetryIntervalMs ? String(node.telemetryIntervalMs / 1000) : '',
    dicom: node.endpoints
      .filter((e) => e.dicom)
      .map((e) => formatIngressLine(e.name, e.dicom!))
      .join('\n'),
  });
  const [error, setError] = useState<AppError>();
  const [saved, setSaved] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const set = (patch: Partial<typeof d>) => {
    setSaved(false);
    setD((x) => ({ ...x, ...patch }));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const endpoints = endpointsFromText(d.endpoints, d.dicom, node.endpoints, parseIngressLine);
    if ('error' in endpoints) return setError(endpoints.error);
    const r = await bridge.invoke('fleet.node.edit', {
      name: node.name,
      patch: {
        host: d.host.trim(),
        port: Number(d.port),
        user: d.user.trim(),
        auth: d.auth,
        ...(d.auth === 'key' ? { keyPath: d.keyPath.trim() } : {}),
        site: d.site.trim(),
        department: d.department.trim(),
        tags: d.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        role: d.role,
        profiles: d.profiles
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean) as FleetNode['profiles'],
        // "name:port[:model[:profile]]" a line; the main side validates every part and names the bad one.
        endpoints: endpoints.value,
        ...(d.interval.trim() ? { telemetryIntervalMs: Math.round(Number(d.interval) * 1000) } : {}),
      },
    });
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setSaved(true);
    onChanged();
  };
  const remove = async () => {
    const r = await bridge.invoke('fleet.node.remove', { name: node.name });
    if (!r.ok) return setError(r.error);
    onChanged();
    navigate('fleet');
  };

  return (
    <form className="card form wide" aria-label={`Edit ${node.name}`} onSubmit={(e) => void save(e)}>
      <h2>Edit</h2>
      <div className="grid2">
        <label>
          Address
          <input value={d.host} onChange={(e) => set({ host: e.target.value })} />
        </label>
        <label>
          Port
          <input value={d.port} onChange={(e) => set({ port: e.target.value })} inputMode="numeric" />
        </label>
        <label>
          User
          <input value={d.user} onChange={(e) => set({ user: e.target.value })} />
        </label>
        <AuthMethodSelect value={d.auth} onChange={(auth) => set({ auth })} />
        {d.auth === 'key' ? (
          <label>
            Key file
            <input value={d.keyPath} onChange={(e) => set({ keyPath: e.target.value })} />
          </label>
        ) : null}
        <RoleSelect value={d.role} onChange={(role) => set({ role })} />
        <label>
          Site
          <input value={d.site} onChange={(e) => set({ site: e.target.value })} />
        </label>
        <label>
          Department
          <input value={d.department} onChange={(e) => set({ department: e.target.value })} />
        </label>
        <label>
          Tags (comma separated)
          <input value={d.tags} onChange={(e) => set({ tags: e.target.value })} />
        </label>
        <label>
          Workload profiles (radiology, cds, ehr-batch)
          <input value={d.profiles} onChange={(e) => set({ profiles: e.target.value })} />
        </label>
        <label>
          Telemetry interval (s, empty for 1 s)
          <input value={d.interval} onChange={(e) => set({ interval: e.target.value })} inputMode="decimal" />
        </label>
        <label className="span2">
          Inference endpoints, probed on the node at 127.0.0.1 (one a line: name:port[:model[:profile]])
          <textarea rows={3} value={d.endpoints} onChange={(e) => set({ endpoints: e.target.value })} placeholder="cxr:8000:chest-xray" />
        </label>
        <label className="span2">
          DICOM round trips: a radiology AI&apos;s ingress per endpoint, as the node reaches it; each probe stores a synthetic test study
          (one a line: endpoint CALLED_AE@host:port [calling=AE] [result=PORT] [resultAE=AE] [timeout=5s] [every=30s] [pacs=URL |
          find=AE@host:port])
          <textarea
            rows={2}
            value={d.dicom}
            onChange={(e) => set({ dicom: e.target.value })}
            placeholder="cxr AI_INGRESS@127.0.0.1:104 result=11113 every=30s"
            data-testid="dicom-ingress"
          />
        </label>
      </div>
      <ErrorNote error={error} />
      <div className="row">
        <button type="submit">Save changes</button>
        {saved ? <StatusBadge kind="ok" label="Saved" /> : null}
        <span className="spacer" />
        {confirmRemove ? (
          <>
            <span>Remove {node.name} from the inventory?</span>
            <button type="button" className="danger" onClick={() => void remove()}>
              Remove
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmRemove(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" className="secondary" onClick={() => setConfirmRemove(true)}>
            Remove node…
          </button>
        )}
      </div>
    </form>
  );
}
