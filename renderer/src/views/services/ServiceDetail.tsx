import { useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import type { ServiceHealthLevel } from '../../../../shared/service/service-health.js';
import { describeGroup } from '../../../../shared/service/service-health.js';
import { bridge } from '../../bridge';
import { ConfirmBox } from '../../components/ConfirmBox';
import { ErrorNote } from '../../components/ErrorNote';
import { StatusBadge, type StatusKind } from '../../components/StatusBadge';
import { useQuery } from '../../hooks/useBridge';
import { formatTime } from '../../time';
import { DrillBox } from './DrillBox';

export const LEVEL_BADGE: Record<ServiceHealthLevel, { kind: StatusKind; word: string }> = {
  healthy: { kind: 'ok', word: 'Healthy' },
  degraded: { kind: 'warn', word: 'Degraded' },
  'at-risk': { kind: 'warn', word: 'At risk' },
  down: { kind: 'error', word: 'Down' },
};

/** One service, probed when opened and on Refresh: health, members by group, front door, window, objective, changes. */
export function ServiceDetail({ name, onEdit, onRemoved }: { name: string; onEdit: (yaml: string) => void; onRemoved: () => void }) {
  const detail = useQuery('service.show', { name });
  const [error, setError] = useState<AppError>();
  const [removing, setRemoving] = useState(false);
  const d = detail.data;
  const remove = async () => {
    setRemoving(false);
    const r = await bridge.invoke('service.remove', { name });
    if (r.ok) onRemoved();
    else setError(r.error);
  };
  return (
    <section className="card deploy-detail" aria-label={`Service ${name}`}>
      <header className="row">
        <h2>{name}</h2>
        {d ? <StatusBadge kind={LEVEL_BADGE[d.health.level].kind} label={LEVEL_BADGE[d.health.level].word} /> : null}
        <span className="spacer" />
        <button type="button" className="secondary" disabled={detail.loading} onClick={detail.reload}>
          {detail.loading ? 'Checking members…' : 'Refresh'}
        </button>
        {d ? (
          <button type="button" className="secondary" onClick={() => onEdit(d.yaml)}>
            Edit
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={() => setRemoving(true)}>
          Remove…
        </button>
      </header>
      <ErrorNote error={detail.error ?? error} />
      {removing ? (
        <ConfirmBox label="Confirm remove" confirm={`Remove ${name}`} onConfirm={() => void remove()} onCancel={() => setRemoving(false)}>
          <p>
            The service definition goes (its deployment keeps running). Rollouts of its deployment no longer keep to its redundancy minimum
            or its maintenance windows.
          </p>
        </ConfirmBox>
      ) : null}
      {d ? (
        <>
          <p data-testid="service-summary">{d.health.summary}</p>
          <dl className="facts">
            {d.spec.description ? (
              <>
                <dt>What</dt>
                <dd>{d.spec.description}</dd>
              </>
            ) : null}
            <dt>Deployment</dt>
            <dd>
              <a href={`#/deployments/${encodeURIComponent(d.spec.deployment)}`}>{d.spec.deployment}</a>
            </dd>
            <dt>Objective</dt>
            <dd>{d.slo ?? 'none set (give the service a profile or an slo)'}</dd>
            <dt>Front door</dt>
            <dd data-testid="front-door">
              {d.frontDoor ? (
                <>
                  <StatusBadge kind={d.frontDoor.ok ? 'ok' : 'error'} label={d.frontDoor.ok ? 'Answers' : 'Fails'} />{' '}
                  <code>{d.frontDoor.url}</code> {d.frontDoor.detail}
                </>
              ) : (
                'none: health is judged from the members alone'
              )}
            </dd>
            <dt>Availability (30 days)</dt>
            <dd data-testid="availability">
              {d.availability.pct === null
                ? 'no probe recorded yet: Edgeward probes each service every 30 s while it runs'
                : `${d.availability.pct.toFixed(3)} % of ${d.availability.probes} probes since ${formatTime(d.availability.since!)}`}
              {d.availability.budgetLeftPct !== null
                ? ` · error budget ${Math.max(0, d.availability.budgetLeftPct).toFixed(0)} % left${d.availability.budgetLeftPct < 0 ? ' (overspent)' : ''} against ${d.availability.targetPct} %`
                : ''}
            </dd>
            <dt>Maintenance window</dt>
            <dd>{d.window ?? 'none of its own (its sites’ windows apply, if set)'}</dd>
            <dt>Checked</dt>
            <dd>{formatTime(d.checkedAt)}</dd>
          </dl>
          {d.groups.map((g) => (
            <table key={g.name} className="data-table" aria-label={`Group ${g.name}`}>
              <caption>
                Group {g.name}: {describeGroup(g)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Ready</th>
                  <th scope="col">State</th>
                  <th scope="col">Revision</th>
                </tr>
              </thead>
              <tbody>
                {g.members.map((m) => (
                  <tr key={m.node}>
                    <td>
                      <a href={`#/node/${encodeURIComponent(m.node)}`}>{m.node}</a>
                    </td>
                    <td>
                      <StatusBadge kind={m.healthy ? 'ok' : 'error'} label={m.healthy ? 'Ready' : 'Not ready'} />
                    </td>
                    <td>{m.state}</td>
                    <td>{m.revision ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          <DrillBox service={name} members={d.spec.members} onEnded={detail.reload} />
          <h3>Recent changes</h3>
          {d.changes.length ? (
            <ul className="small" data-testid="service-changes">
              {d.changes.map((r) => (
                <li key={r.seq}>
                  #{r.seq} {formatTime(Date.parse(r.ts))} <code>{r.action}</code> {r.outcome}
                  {r.target.node ? ` on ${r.target.node}` : ''} by {r.actor.operator || r.actor.osUser}
                  {r.error ? `: ${r.error}` : ''}
                </li>
              ))}
            </ul>
          ) : (
            <p className="small">No change recorded yet.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
