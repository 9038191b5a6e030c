import { useEffect, useRef, useState, type FormEvent } from 'react';
import { bridge } from '../bridge';

interface Prompt {
  id: string;
  node: string;
  prompts: { prompt: string; echo: boolean }[];
}

/**
 * A node's login questions (MFA code, PAM password) appear here wherever the user is. Answers go
 * to that one handshake and are cleared from the form at once.
 */
export function PromptDialog() {
  const [queue, setQueue] = useState<Prompt[]>([]);
  const [answers, setAnswers] = useState<string[]>([]);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => bridge.subscribe('fleet.prompt', {}, (p) => setQueue((q) => [...q, p])), []);
  const current = queue[0];
  useEffect(() => {
    setAnswers(current ? current.prompts.map(() => '') : []);
    first.current?.focus();
  }, [current]);
  if (!current) return null;

  const reply = async (give: boolean) => {
    const send = give ? answers : undefined;
    setAnswers([]);
    setQueue((q) => q.slice(1));
    await bridge.invoke('fleet.prompt.answer', { id: current.id, ...(send ? { answers: send } : {}) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void reply(true);
  };
  return (
    <div className="modal-backdrop">
      <form
        className="modal card form"
        role="dialog"
        aria-modal="true"
        aria-label={`Login questions from ${current.node}`}
        onSubmit={submit}
      >
        <h2>{current.node} asks</h2>
        {current.prompts.map((p, i) => (
          <label key={i}>
            {p.prompt.trim() || 'Answer'}
            <input
              ref={i === 0 ? first : undefined}
              type={p.echo ? 'text' : 'password'}
              autoComplete="off"
              value={answers[i] ?? ''}
              onChange={(e) => setAnswers((a) => a.map((x, j) => (j === i ? e.target.value : x)))}
            />
          </label>
        ))}
        <div className="row">
          <button type="submit">Send</button>
          <button type="button" className="secondary" onClick={() => void reply(false)}>
            Cancel login
          </button>
        </div>
      </form>
    </div>
  );
}
