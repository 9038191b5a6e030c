import { useCallback, useEffect, useState } from 'react';
import type { AppError } from '../../../../shared/errors.js';
import type { YamlProblem } from '../../../../shared/yaml-schema.js';
import { bridge } from '../../bridge';
import { ErrorNote } from '../../components/ErrorNote';
import { YamlProblemList, YamlTextArea } from '../../components/YamlProblems';

type Saved = { name: string; text: string; updatedAt: number };

/**
 * The expected hardware profile: picked from the site's library or written here (line numbers, as
 * in the spec editor, so "line 4: gpu.count" is found at a glance), and saved under a name (audited).
 */
export function ProfileEditor({
  profile,
  setProfile,
  problems,
}: {
  profile: string;
  setProfile: (text: string) => void;
  problems: YamlProblem[];
}) {
  const [saved, setSaved] = useState<Saved[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<AppError>();
  const [note, setNote] = useState<string>();
  const load = useCallback(async () => {
    const r = await bridge.invoke('commission.profiles', {});
    if (r.ok) setSaved(r.value.profiles);
  }, []);
  useEffect(() => void load(), [load]);
  const save = async () => {
    setNote(undefined);
    const r = await bridge.invoke('commission.profile.save', { name: name.trim(), text: profile });
    if (!r.ok) return setError(r.error);
    setError(undefined);
    setNote(`Saved as “${r.value.name}”.`);
    await load();
  };
  return (
    <div className="profile-editor">
      <div className="row">
        <label>
          Profile library
          <select
            aria-label="Saved profiles"
            value=""
            onChange={(e) => {
              const p = saved.find((x) => x.name === e.target.value);
              if (p) {
                setProfile(p.text);
                setName(p.name);
              }
            }}
          >
            <option value="">{saved.length ? 'pick a saved profile…' : 'no saved profile yet'}</option>
            {saved.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Save as
          <input value={name} maxLength={64} placeholder="Radiology 4 x L40S" onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="button" className="secondary" disabled={!name.trim() || problems.length > 0} onClick={() => void save()}>
          Save profile
        </button>
        {note ? <span role="status">{note}</span> : null}
      </div>
      <ErrorNote error={error} />
      <span className="small">Expected hardware profile (YAML)</span>
      <YamlTextArea label="Hardware profile" value={profile} onChange={setProfile} invalid={problems.length > 0} maxRows={30} />
      <YamlProblemList problems={problems} testId="profile-problems" />
    </div>
  );
}
