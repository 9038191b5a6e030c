import { useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import { bridge } from '../../bridge';
import { ErrorNote } from '../../components/ErrorNote';
import { useYamlProblems, YamlProblemList, YamlTextArea } from '../../components/YamlProblems';

export const SERVICE_EXAMPLE = `name: sepsis-cds
description: Sepsis early warning for the ICU (clinical decision support)
deployment: sepsis
profile: cds
members: [cds-01, cds-02]
redundancy:
  minHealthy: 1
frontDoor:
  url: http://cds-vip.hospital.example:8000/v2/health/ready
maintenance:
  timeZone: Europe/Berlin
  windows:
    - days: [tue, thu]
      from: "02:00"
      to: "04:00"
`;

/** A service's YAML, checked as it is typed (line and field of each problem), applied as an audited action. */
export function ServiceEditor({
  initial,
  onClose,
  onApplied,
}: {
  initial: string;
  onClose: () => void;
  onApplied: (name: string) => void;
}) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<AppError>();
  const [busy, setBusy] = useState(false);
  const problems = useYamlProblems(text, async (t) => {
    const r = await bridge.invoke('service.validate', { text: t });
    return r.ok ? r.value.problems : undefined;
  });
  const apply = async () => {
    setBusy(true);
    const r = await bridge.invoke('service.apply', { text });
    setBusy(false);
    if (r.ok) onApplied(r.value.name);
    else setError(r.error);
  };
  return (
    <section className="card spec-editor" aria-label="Service editor">
      <h2>Service</h2>
      <YamlTextArea label="Service (YAML)" value={text} onChange={setText} invalid={problems.length > 0} />
      <YamlProblemList problems={problems} testId="service-problems" />
      {problems.length === 0 ? <p className="small">The service is valid.</p> : null}
      <ErrorNote error={error} />
      <div className="row">
        <button type="button" disabled={busy || problems.length > 0} onClick={() => void apply()}>
          Apply service
        </button>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
