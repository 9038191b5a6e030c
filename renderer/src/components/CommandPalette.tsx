import { useEffect, useMemo, useRef, useState } from 'react';
import { bridge } from '../bridge';
import { navigate } from '../hooks/useRoute';
import { ROUTES } from '../routes';
import { matches } from './palette-match';

interface Command {
  id: string;
  label: string;
  hint: string;
  run: () => void | Promise<unknown>;
}

/**
 * Ctrl+K (⌘K): go to a view or a node, run a check on a node, open a deployment, acknowledge a
 * firing alert, by typing a few letters. What it lists is read from the main side when it opens.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [commands, setCommands] = useState<Command[]>([]);
  const [note, setNote] = useState<string>();
  const [loading, setLoading] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const returnFocus = useRef<Element | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        returnFocus.current = document.activeElement;
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!open) return;
    setQuery('');
    setActive(0);
    setNote(undefined);
    input.current?.focus();
    const close = () => setOpen(false);
    const views: Command[] = ROUTES.filter((r) => r.id !== 'node').map((r) => ({
      id: `view:${r.id}`,
      label: `Go to ${r.label}`,
      hint: `Alt+${r.key}`,
      run: () => (navigate(r.id), close()),
    }));
    setCommands(views);
    setLoading(true);
    void Promise.all([bridge.invoke('fleet.list', {}), bridge.invoke('deploy.list', {}), bridge.invoke('alerts.list', {})]).then(
      ([fleet, deploys, alerts]) => {
        const more: Command[] = [];
        if (fleet.ok)
          for (const n of fleet.value.nodes) {
            more.push({
              id: `node:${n.name}`,
              label: `Go to node ${n.name}`,
              hint: `${n.site} / ${n.department}`,
              run: () => (navigate('node', n.name), close()),
            });
            more.push({
              id: `check:${n.name}`,
              label: `Run check on ${n.name}`,
              hint: 'read-only GPU check',
              run: () => (navigate('fleet', `run/${n.name}`), close()),
            });
          }
        if (deploys.ok)
          for (const d of deploys.value.deployments)
            more.push({
              id: `deploy:${d.name}`,
              label: `Open deployment ${d.name}`,
              hint: 'Deployments',
              run: () => (navigate('deployments', d.name), close()),
            });
        if (alerts.ok)
          for (const a of alerts.value.alerts.filter((x) => x.state === 'firing' && !x.acknowledged))
            more.push({
              id: `ack:${a.id}`,
              label: `Acknowledge ${a.node}: ${a.message}`,
              hint: `${a.severity}, audited`,
              run: async () => {
                const r = await bridge.invoke('alerts.ack', { id: a.id });
                if (r.ok) close();
                else setNote(`${r.error.message}. ${r.error.action}`);
              },
            });
        setCommands([...views, ...more]);
        setLoading(false);
      },
    );
  }, [open]);

  useEffect(() => {
    if (!open && returnFocus.current instanceof HTMLElement) returnFocus.current.focus();
  }, [open]);

  const shown = useMemo(() => commands.filter((c) => matches(c.label, query)).slice(0, 50), [commands, query]);
  if (!open) return null;
  const pick = (c: Command | undefined) => void c?.run();
  return (
    <div className="modal-backdrop" onMouseDown={() => setOpen(false)}>
      <div
        className="modal card palette"
        role="dialog"
        aria-modal="true"
        aria-label="Command palette"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') return setOpen(false);
          if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Enter') return;
          e.preventDefault();
          if (e.key === 'ArrowDown') setActive((i) => Math.min(i + 1, shown.length - 1));
          else if (e.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
          else pick(shown[active]);
        }}
      >
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={shown[active] ? `palette-${active}` : undefined}
          aria-label="Type a command, a node or a deployment"
          placeholder="Go to node, run check, open deployment, acknowledge…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
        />
        <ul id="palette-list" role="listbox" aria-label="Commands">
          {shown.map((c, i) => (
            <li
              key={c.id}
              id={`palette-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => pick(c)}
            >
              <span>{c.label}</span> <span className="small">{c.hint}</span>
            </li>
          ))}
          {loading ? <li className="small">Reading nodes, deployments and alerts…</li> : null}
          {shown.length === 0 && !loading ? <li className="small">Nothing matches “{query}”.</li> : null}
        </ul>
        {note ? <p role="alert">{note}</p> : null}
      </div>
    </div>
  );
}
