import type { ReactNode } from 'react';
import { EmptyState } from '../components/EmptyState';
import { StatusBadge } from '../components/StatusBadge';

/** Placeholder for a view whose capability has not landed yet: says so, and what to do meanwhile. */
export function ComingView({ title, what, meanwhile }: { title: string; what: ReactNode; meanwhile: ReactNode }) {
  return (
    <div className="view" data-view-state="coming">
      <header className="view-header">
        <h1>{title}</h1>
        <StatusBadge kind="info" label="Coming" />
      </header>
      <EmptyState title={`${title} is coming`}>
        <p>{what}</p>
        <p>{meanwhile}</p>
      </EmptyState>
    </div>
  );
}
