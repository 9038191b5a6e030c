import { useEffect, useState } from 'react';
import type { YamlProblem } from '../../../shared/yaml-schema.js';
import { StatusBadge } from './StatusBadge';

/**
 * YAML checked as it is typed (debounced): `check` asks the main side, which parses with the same
 * schema the action will use. Returns the problems of the latest text.
 */
export function useYamlProblems(text: string, check: (text: string) => Promise<YamlProblem[] | undefined>): YamlProblem[] {
  const [problems, setProblems] = useState<YamlProblem[]>([]);
  useEffect(() => {
    const t = setTimeout(() => {
      void check(text).then((p) => p && setProblems(p));
    }, 250);
    return () => clearTimeout(t);
    // `check` is a fresh closure each render; only a new text needs a new check.
  }, [text]);
  return problems;
}

/** Each problem with its line and field, announced to screen readers as it changes. */
export function YamlProblemList({ problems, testId }: { problems: readonly YamlProblem[]; testId: string }) {
  return (
    <ul className="problems" aria-live="polite" data-testid={testId}>
      {problems.map((p, i) => (
        <li key={i}>
          <StatusBadge kind="error" label={`line ${p.line}`} /> {p.path ? <code>{p.path}</code> : null} {p.message}
        </li>
      ))}
    </ul>
  );
}

/** A YAML text area with line numbers beside it (problems name lines), marked invalid while it has problems. */
export function YamlTextArea({
  label,
  value,
  onChange,
  invalid,
  maxRows = 40,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  invalid: boolean;
  maxRows?: number;
}) {
  const lines = value.split('\n').length;
  return (
    <div className="spec-edit">
      <pre className="line-numbers" aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => i + 1).join('\n')}
      </pre>
      <textarea
        aria-label={label}
        spellCheck={false}
        value={value}
        rows={Math.min(maxRows, Math.max(12, lines + 1))}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
      />
    </div>
  );
}
