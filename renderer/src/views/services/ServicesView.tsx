import { useEffect, useState } from 'react';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNote } from '../../components/ErrorNote';
import { StatusBadge } from '../../components/StatusBadge';
import { useQuery } from '../../hooks/useBridge';
import { ServiceDetail } from './ServiceDetail';
import { SERVICE_EXAMPLE, ServiceEditor } from './ServiceEditor';
import { SiteWindows } from './SiteWindows';

/** Clinical services: what clinicians rely on, with its redundancy, front door and change windows. */
export function ServicesView({ open }: { open?: string | undefined } = {}) {
  const list = useQuery('service.list', {});
  const [selected, setSelected] = useState<string | undefined>(open);
  const [editing, setEditing] = useState<string>();
  useEffect(() => {
    if (open) setSelected(open);
  }, [open]);
  useEffect(() => {
    if (!selected && list.data?.services[0]) setSelected(list.data.services[0].name);
  }, [list.data, selected]);
  return (
    <div className="view deployments-view">
      <header className="view-header">
        <h1>Services</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setEditing(SERVICE_EXAMPLE)}>
          New service
        </button>
      </header>
      <ErrorNote error={list.error} />
      {editing !== undefined ? (
        <ServiceEditor
          initial={editing}
          onClose={() => setEditing(undefined)}
          onApplied={(name) => {
            setEditing(undefined);
            setSelected(undefined);
            setTimeout(() => setSelected(name));
            list.reload();
          }}
        />
      ) : null}
      {list.data && list.data.services.length === 0 && editing === undefined ? (
        <EmptyState title="No services yet">
          <p>
            A service names a clinical workload: its deployment, the nodes that serve it grouped for redundancy (the minimum that must stay
            healthy through any change), its front door and its maintenance windows. Start from New service.
          </p>
        </EmptyState>
      ) : null}
      <div className="deploy-body">
        <nav className="deploy-list" aria-label="Services">
          {list.data?.services.map((s) => (
            <button key={s.name} type="button" className={selected === s.name ? 'active' : ''} onClick={() => setSelected(s.name)}>
              <strong>{s.name}</strong> {s.deployment ? `· ${s.deployment}` : null}
              {s.damaged ? <StatusBadge kind="error" label="damaged on disk" /> : null}
              {s.damaged ? <span className="small">{s.damaged}</span> : null}
            </button>
          ))}
        </nav>
        {selected ? (
          <ServiceDetail
            key={selected}
            name={selected}
            onEdit={setEditing}
            onRemoved={() => {
              setSelected(undefined);
              list.reload();
            }}
          />
        ) : null}
      </div>
      <SiteWindows />
    </div>
  );
}
