import { z } from 'zod';
import { overall, SECTIONS, SECTION_TITLES, type CheckResult, type SectionId, type Verdict } from './checks.js';

const VerdictSchema = z.enum(['pass', 'warn', 'fail']);
export const CheckResultSchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  verdict: VerdictSchema,
  expected: z.string(),
  evidence: z.string(),
});

/**
 * One section of a commissioning: pending until it runs; done with its results; failed when it
 * could not run (link lost, timeout); cancelled when the technician stopped it or the console
 * stopped while it ran (a half-finished commissioning resumes with these).
 */
export const SectionState = z.strictObject({
  id: z.enum(SECTIONS),
  title: z.string(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'cancelled']),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  results: z.array(CheckResultSchema),
  error: z.string().optional(),
});
export type SectionState = z.infer<typeof SectionState>;

/** A commissioning of one node against one profile, from the first check to the sign-off. */
export const CommissionSession = z.strictObject({
  id: z.string(),
  node: z.string(),
  profileName: z.string(),
  profileText: z.string(),
  startedAt: z.number(),
  updatedAt: z.number(),
  sections: z.array(SectionState),
  overrides: z.array(z.strictObject({ id: z.string(), reason: z.string(), by: z.string(), at: z.number() })),
  signoff: z
    .strictObject({
      by: z.string(),
      /** The signer's role (biomedical engineer, site IT lead); absent on sign-offs from before it was asked. */
      role: z.string().optional(),
      at: z.number(),
      verdict: VerdictSchema,
      reportFile: z.string(),
      reportSha256: z.string(),
      /** A PDF printed from the report in the desktop app, and its hash (recorded in the audit log too). */
      pdf: z.strictObject({ file: z.string(), sha256: z.string(), at: z.number() }).optional(),
    })
    .nullable(),
});
export type CommissionSession = z.infer<typeof CommissionSession>;

export function newSectionState(id: SectionId): SectionState {
  return { id, title: SECTION_TITLES[id], status: 'pending', startedAt: null, finishedAt: null, results: [] };
}

export function sessionResults(s: CommissionSession): CheckResult[] {
  return s.sections.flatMap((x) => x.results);
}

/** The verdict as it stands: overridden failures count as warnings; sections not yet run leave it open. */
export function sessionVerdict(s: CommissionSession): Verdict | 'incomplete' {
  if (s.sections.some((x) => x.status !== 'done')) return 'incomplete';
  return overall(sessionResults(s), new Set(s.overrides.map((o) => o.id)));
}

/** Which sections a re-run covers: those not done yet, or those with a failing check as well. */
export function sectionsToRun(s: CommissionSession, which: 'remaining' | 'failed'): SectionId[] {
  return s.sections
    .filter((x) => x.status !== 'done' || (which === 'failed' && x.results.some((r) => r.verdict === 'fail')))
    .map((x) => x.id);
}

/** Who signs a commissioning off: asked at sign-off, never taken from a setting. */
export const Signer = z.strictObject({
  name: z.string().trim().min(2).max(100),
  role: z.string().trim().min(2).max(100),
});
export type Signer = z.infer<typeof Signer>;
