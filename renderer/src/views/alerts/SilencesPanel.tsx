import type { Silence } from '../../../../shared/alerts.js';
import { formatTime } from '../../time';

const what = (s: Silence) =>
  s.alertId ? s.alertId : [s.rule ? `${s.rule} alerts` : 'every alert', s.node ? `on ${s.node}` : 'on every node'].join(' ');

/** Silences in force (each can be ended early) and the ones that ended lately, with who and why. */
export function SilencesPanel({ silences, now, onEnd }: { silences: Silence[]; now: number; onEnd: (id: string) => void }) {
  if (silences.length === 0) return null;
  return (
    <section aria-labelledby="silences">
      <h2 id="silences">Silences</h2>
      <table className="plain" data-testid="silences">
        <thead>
          <tr>
            <th scope="col">Covers</th>
            <th scope="col">Reason</th>
            <th scope="col">By</th>
            <th scope="col">Until</th>
            <th scope="col">End</th>
          </tr>
        </thead>
        <tbody>
          {silences.map((s) => {
            const active = !s.ended && s.endsAt > now;
            return (
              <tr key={s.id} data-active={active}>
                <td>{what(s)}</td>
                <td>{s.reason}</td>
                <td>{s.by}</td>
                <td>
                  {s.ended
                    ? `ended ${formatTime(s.ended.at)} by ${s.ended.by}`
                    : active
                      ? formatTime(s.endsAt)
                      : `expired ${formatTime(s.endsAt)}`}
                </td>
                <td>
                  {active ? (
                    <button type="button" className="secondary" onClick={() => onEnd(s.id)}>
                      End now
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
