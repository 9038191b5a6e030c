import type { Router } from '../../ipc/router.js';
import { profileProblems } from '../../../shared/commission/profile.js';
import type { CommissionService } from '../../services/commission/commission-service.js';
import { REPORT_CSP, type DocumentShelf } from '../../ipc/document-shelf.js';
import type { ProfileLibrary } from '../../services/commission/profile-library.js';
import { AppErrorException, appError } from '../../../shared/errors.js';

export interface CommissionDeps {
  commission: CommissionService;
  profiles: ProfileLibrary;
  /** Where one-time report links are kept for the loopback server (absent in the CLI). */
  documents?: DocumentShelf;
  /** Prints HTML to PDF (the desktop app's printToPDF); absent elsewhere. */
  printPdf?: (html: string) => Promise<Buffer>;
}

/** A report is shown as written, with nothing from outside: its own styles, no script. */

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
    .handle('commission.signoff', ({ node, signer }) => commission.signoff(node, signer))
    .handle('commission.report.open', async ({ node, id }, ctx) => {
      const report = commission.reportHtml(node, id);
      // The desktop app prints a PDF next to the report; a browser gets a one-time link for a new tab.
      if (ctx.transport === 'electron' && d.printPdf) {
        const pdf = await commission.savePdf(node, id, await d.printPdf(report.html));
        return { intact: report.intact, pdf };
      }
      if (!d.documents)
        throw new AppErrorException(appError('UNAVAILABLE', 'This window cannot open reports', `Open the file itself: ${report.file}`));
      return { intact: report.intact, url: d.documents.put(report.html, REPORT_CSP) };
    })
    .handle('commission.session', ({ node, id }) => ({
      session: (id ? commission.session(node, id) : commission.current(node)) ?? null,
      running: commission.isRunning(node),
    }))
    .handle('commission.reports', ({ node }) => ({ reports: commission.reports(node) }))
    .handle('commission.profiles', () => ({ profiles: d.profiles.list() }))
    .handle('commission.profile.save', ({ name, text }) => d.profiles.save(name, text))
    .topic('commission.session', ({ node }, emit) => commission.watch(node, emit));
}
