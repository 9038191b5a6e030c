import crypto from 'node:crypto';
import { AppErrorException, appError } from '../../../shared/errors.js';

export interface PromptRequest {
  id: string;
  node: string;
  prompts: { prompt: string; echo: boolean }[];
}

/**
 * Keyboard-interactive questions (MFA codes, PAM passwords) relayed to whoever is at the console.
 * Answers travel straight to the SSH handshake; they are never stored, logged or audited.
 */
export class PromptBroker {
  private readonly listeners = new Set<(p: PromptRequest) => void>();
  private readonly pending = new Map<string, { resolve: (a: string[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly timeoutMs = 120_000) {}

  onPrompt(listener: (p: PromptRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  ask = (node: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[]> => {
    if (this.listeners.size === 0) {
      return Promise.reject(
        new AppErrorException(
          appError(
            'AUTH_FAILED',
            `${node} asks for interactive answers and no Edgeward window is open to answer them`,
            'Open the Edgeward window and try again.',
          ),
        ),
      );
    }
    const id = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new AppErrorException(
            appError(
              'TIMEOUT',
              `Nobody answered ${node}'s login questions within ${this.timeoutMs / 1000} s`,
              'Try again and answer the prompt.',
            ),
          ),
        );
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      for (const l of this.listeners) l({ id, node, prompts });
    });
  };

  answer(id: string, answers: string[] | undefined): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (answers) p.resolve(answers);
    else p.reject(new AppErrorException(appError('CANCELLED', 'Login cancelled at the prompt', 'Nothing was done on the node.')));
    return true;
  }
}
