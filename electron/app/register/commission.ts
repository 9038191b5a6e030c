import type { Router } from '../../ipc/router.js';
import { profileProblems } from '../../../shared/commission/profile.js';
import type { CommissionService } from '../../services/commission/commission-service.js';

export interface CommissionDeps {
  commission: CommissionService;
}

/** Answers with the state at once while the work goes on (its outcome lands in that state and in the audit log). */
function background<T>(started: { session: T; done: Promise<unknown> }): T {
  started.done.catch((e: unknown) => console.error('Commissioning stopped unexpectedly:', e));
  return started.session;
}

/** Commissioning a new server against a hardware profile, and its sign-off. */
export function registerCommission(router: Router, d: CommissionDeps): void {
  const { commission } = d;
  router
    // The checks run on after the answer; their progress goes out on the commission.session topic.
    .handle('commission.start', async ({ node, profile }) => background(await commission.begin(node, profile)))
    .handle('commission.rerun', async ({ node, which }) => background(await commission.beginRerun(node, which)))
    .handle('commission.validate', ({ profile }) => ({ problems: profileProblems(profile) }))
    .handle('commission.cancel', ({ node }) => ({ cancelled: commission.cancel(node) }))
    .handle('commission.override', ({ node, check, reason }) => commission.override(node, check, reason))
    .handle('commission.signoff', ({ node }) => commission.signoff(node))
    .handle('commission.session', ({ node, id }) => ({
      session: (id ? commission.session(node, id) : commission.current(node)) ?? null,
      running: commission.isRunning(node),
    }))
    .handle('commission.reports', ({ node }) => ({ reports: commission.reports(node) }))
    .topic('commission.session', ({ node }, emit) => commission.watch(node, emit));
}
