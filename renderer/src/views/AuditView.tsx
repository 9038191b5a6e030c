import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { useVirtualizer } from '@tanstack/react-virtual';
import { bridge } from '../bridge';
import { EmptyState } from '../components/EmptyState';
import { StatusBadge, type StatusKind } from '../components/StatusBadge';
import { useAuditPages } from '../hooks/useAuditPages';
import { AUDIT_ACTIONS, type AuditFilter, type AuditRecord, type VerifyResult } from '../../../shared/audit.js';
import type { AppError } from '../../../shared/errors.js';
import { formatTime } from '../time';

const ROW_HEIGHT = 30;
const OUTCOME_KIND: Record<AuditRecord['outcome'], StatusKind> = {
  ok: 'ok',
  failed: 'error',
  partial: 'warn',
  intent: 'pending',
  unknown: 'warn',
};

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function target(r: AuditRecord): string {
  return [r.target.site, r.target.node, r.target.deployment].filter(Boolean).join(' / ') || '—';
}

export function AuditView() {
  const [draft, setDraft] = useState<AuditFilter>({});
  const filter = useDebounced(draft, 250);
  const { total, error, row } = useAuditPages(filter);
  const [selected, setSelected] = useState<AuditRecord>();
  const [selectedIndex, setSelectedIndex] = useState<number>();
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });

  const set = (patch: Partial<AuditFilter>) =>
    setDraft((d) => Object.fromEntries(Object.entries({ ...d, ...patch }).filter(([, v]) => v !== '' && v !== undefined)));

  const select = (index: number) => {
    if (total === undefined || index < 0 || index >= total) return;
    setSelectedIndex(index);
    setSelected(row(index));
    virtual.scrollToIndex(index);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      select((selectedIndex ?? -1) + (e.key === 'ArrowDown' ? 1 : -1));
    }
  };

  return (
    <div className="view audit-view">
      <header className="view-header">
        <h1>Audit</h1>
        <span className="small" data-testid="audit-total">
          {total === undefined
            ? 'Loading…'
            : `${total.toLocaleString()} record${total === 1 ? '' : 's'}${Object.keys(filter).length ? ' match' : ''}`}
        </span>
      </header>
      <VerifyPanel />
      <form className="filters" role="search" aria-label="Filter audit records" onSubmit={(e) => e.preventDefault()}>
        <label>
          Since
          <input type="date" value={draft.since ?? ''} onChange={(e) => set({ since: e.target.value })} />
        </label>
        <label>
          Until
          <input type="date" value={draft.until ?? ''} onChange={(e) => set({ until: e.target.value })} />
        </label>
        <label>
          Actor
          <input value={draft.actor ?? ''} onChange={(e) => set({ actor: e.target.value })} placeholder="user or operator" />
        </label>
        <label>
          Action
          <select value={draft.action ?? ''} onChange={(e) => set({ action: (e.target.value || undefined) as AuditFilter['action'] })}>
            <option value="">any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Node
          <input value={draft.node ?? ''} onChange={(e) => set({ node: e.target.value })} />
        </label>
        <label>
          Outcome
          <select value={draft.outcome ?? ''} onChange={(e) => set({ outcome: (e.target.value || undefined) as AuditFilter['outcome'] })}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="failed">failed</option>
            <option value="partial">partial</option>
            <option value="intent">intent (before acting)</option>
            <option value="unknown">unknown (process stopped)</option>
          </select>
        </label>
        <label className="grow">
          Search
          <input value={draft.text ?? ''} onChange={(e) => set({ text: e.target.value })} placeholder="any text in the record" />
        </label>
        <ExportButtons filter={filter} />
      </form>
      <ErrorNote error={error} />
      {total === 0 && Object.keys(filter).length === 0 ? (
        <EmptyState title="No audit records yet">
          <p>
            Every action taken through Edgeward (settings, nodes, trust decisions, deployments, commissioning) is recorded here before it is
            reported done.
          </p>
          <p>Change a setting to see your first record.</p>
        </EmptyState>
      ) : (
        <div className="audit-body">
          <div
            className="audit-grid"
            role="grid"
            aria-rowcount={total ?? 0}
            aria-label="Audit records, newest first"
            tabIndex={0}
            onKeyDown={onKey}
          >
            <div className="audit-row audit-head" role="row">
              <span role="columnheader">Seq</span>
              <span role="columnheader">Time</span>
              <span role="columnheader">Actor</span>
              <span role="columnheader">Action</span>
              <span role="columnheader">Target</span>
              <span role="columnheader">Outcome</span>
              <span role="columnheader" className="num">
                ms
              </span>
            </div>
            <div ref={scroller} className="audit-scroll" data-testid="audit-scroll" tabIndex={0} role="rowgroup" aria-label="Audit records">
              <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
                {virtual.getVirtualItems().map((item) => {
                  const r = row(item.index);
                  return (
                    <div
                      key={item.key}
                      role="row"
                      aria-rowindex={item.index + 1}
                      aria-selected={selectedIndex === item.index}
                      className="audit-row"
                      data-seq={r?.seq}
                      onClick={() => select(item.index)}
                      style={{
                        position: 'absolute',
                        top: 0,
                        left: 0,
                        right: 0,
                        height: ROW_HEIGHT,
                        transform: `translateY(${item.start}px)`,
                      }}
                    >
                      {r ? (
                        <>
                          <span role="gridcell">{r.seq}</span>
                          <span role="gridcell" title={r.ts}>
                            {formatTime(Date.parse(r.ts))}
                          </span>
                          <span role="gridcell">{r.actor.operator ? `${r.actor.operator} (${r.actor.osUser})` : r.actor.osUser}</span>
                          <span role="gridcell">{r.action}</span>
                          <span role="gridcell">{target(r)}</span>
                          <span role="gridcell">
                            <StatusBadge kind={OUTCOME_KIND[r.outcome]} label={r.outcome} />
                          </span>
                          <span role="gridcell" className="num">
                            {r.durationMs}
                          </span>
                        </>
                      ) : (
                        <span role="gridcell" className="small">
                          loading…
                        </span>
                      )}
                    </div>
                  );
                })}
              </div>
            </div>
          </div>
          <aside className="audit-detail card" aria-label="Record detail">
            {selected ? (
              <>
                <h2>Record {selected.seq}</h2>
                <dl>
                  <dt>When (UTC)</dt>
                  <dd>{selected.ts}</dd>
                  <dt>Outcome</dt>
                  <dd>
                    <StatusBadge kind={OUTCOME_KIND[selected.outcome]} label={selected.outcome} /> {selected.error ?? ''}
                  </dd>
                  {selected.reason ? (
                    <>
                      <dt>Reason</dt>
                      <dd>{selected.reason}</dd>
                    </>
                  ) : null}
                </dl>
                <pre data-testid="audit-detail-json">{JSON.stringify(selected, null, 2)}</pre>
              </>
            ) : (
              <p className="small">Select a record to see everything it holds, including its hash and the hash it chains to.</p>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}

function VerifyPanel() {
  const [state, setState] = useState<{ running: boolean; result?: VerifyResult; error?: AppError }>({ running: false });
  const verify = async () => {
    setState({ running: true });
    const r = await bridge.invoke('audit.verify', {});
    setState(r.ok ? { running: false, result: r.value } : { running: false, error: r.error });
  };
  const res = state.result;
  return (
    <section className="card verify-panel" aria-live="polite">
      <div className="row">
        <button type="button" onClick={() => void verify()} disabled={state.running}>
          {state.running ? 'Verifying…' : 'Verify the chain'}
        </button>
        {res?.intact ? (
          <span data-testid="verify-result">
            <StatusBadge kind="ok" label="Intact" /> {res.records.toLocaleString()} records in {res.files} file(s); head seq {res.head.seq}{' '}
            <code title={res.head.hash}>{res.head.hash.slice(0, 16)}…</code>
          </span>
        ) : null}
        {res && !res.intact ? (
          <span data-testid="verify-result" role="alert">
            <StatusBadge kind="error" label={`Broken: ${res.kind}`} /> {res.file} line {res.line}, seq {res.seq}. {res.message}
          </span>
        ) : null}
        {state.error ? (
          <span role="alert">
            <StatusBadge kind="error" label={state.error.message} /> {state.error.action}
          </span>
        ) : null}
      </div>
      {res && !res.intact ? (
        <p className="small">
          Do not edit the files. Export the log as it is (JSONL), note the head you last anchored, and report this to your security officer.
        </p>
      ) : null}
    </section>
  );
}

function ExportButtons({ filter }: { filter: AuditFilter }) {
  const [msg, setMsg] = useState<{ kind: StatusKind; text: string }>();
  const run = async (format: 'csv' | 'jsonl') => {
    setMsg({ kind: 'pending', text: 'Exporting…' });
    const r = await bridge.invoke('audit.export', { format, filter });
    setMsg(
      r.ok
        ? { kind: 'ok', text: `${r.value.count} records → ${r.value.file}` }
        : { kind: 'error', text: `${r.error.message} ${r.error.action}` },
    );
  };
  return (
    <div className="export-buttons">
      <button type="button" className="secondary" onClick={() => void run('csv')}>
        Export CSV
      </button>
      <button type="button" className="secondary" onClick={() => void run('jsonl')}>
        Export JSONL
      </button>
      {msg ? (
        <span data-testid="export-result">
          <StatusBadge kind={msg.kind} label={msg.text} />
        </span>
      ) : null}
    </div>
  );
}
