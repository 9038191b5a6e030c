import { useRef, type KeyboardEvent } from 'react';
import { ROUTES, type RouteId } from '../routes';

/**
 * Main navigation. Arrow keys move between entries, Home/End jump to the ends; Alt+1…9 works from
 * anywhere (see App). Each entry shows its shortcut so it can be learned.
 */
export function Nav({
  route,
  go,
  firing,
}: {
  route: RouteId;
  go: (id: RouteId) => void;
  /** Firing alerts by severity, live: shown on the Alerts entry from every view. */
  firing?: { critical: number; warning: number } | undefined;
}) {
  const refs = useRef<(HTMLAnchorElement | null)[]>([]);
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const last = ROUTES.length - 1;
    const target =
      event.key === 'ArrowDown'
        ? index === last
          ? 0
          : index + 1
        : event.key === 'ArrowUp'
          ? index === 0
            ? last
            : index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    refs.current[target]?.focus();
  };
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">Edgeward</div>
      <ul>
        {ROUTES.map((r, i) => (
          <li key={r.id}>
            <a
              ref={(el) => {
                refs.current[i] = el;
              }}
              href={`#/${r.id}`}
              aria-current={route === r.id ? 'page' : undefined}
              onKeyDown={(e) => onKeyDown(e, i)}
              onClick={(e) => {
                e.preventDefault();
                go(r.id);
              }}
            >
              <span>{r.label}</span>
              {r.id === 'alerts' && firing && firing.critical + firing.warning > 0 ? (
                <span
                  className={`nav-count ${firing.critical ? 'nav-count-critical' : 'nav-count-warning'}`}
                  data-testid="nav-alert-count"
                  aria-label={`${firing.critical} critical, ${firing.warning} warning alerts firing`}
                >
                  {firing.critical ? `${firing.critical}` : ''}
                  {firing.critical && firing.warning ? ' · ' : ''}
                  {firing.warning ? `${firing.warning}` : ''}
                </span>
              ) : null}
              <kbd aria-label={`Alt ${r.key}`}>Alt+{r.key}</kbd>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
