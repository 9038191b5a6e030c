import { useRef, type KeyboardEvent } from 'react';
import { ROUTES, type RouteId } from '../routes';

/**
 * Main navigation. Arrow keys move between entries, Home/End jump to the ends; Alt+1…7 works from
 * anywhere (see App). Each entry shows its shortcut so it can be learned.
 */
export function Nav({ route, go }: { route: RouteId; go: (id: RouteId) => void }) {
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
              <kbd aria-label={`Alt ${r.key}`}>Alt+{r.key}</kbd>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
