import crypto from 'node:crypto';
import { syntheticStudy } from '../../../shared/clinical/dicom-study.js';
import type { DicomwebCheck } from '../../../shared/clinical/dicomweb-probe.js';
import { dicomwebChecks, parseDicomwebFacts, recordChecks } from '../../../shared/commission/dicomweb-checks.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import { sanitizeBytes } from '../../../shared/sanitize.js';
import { loadAgent } from '../agents/agent-script.js';
import { execOnNode } from '../ssh/exec.js';
import type { SshPool } from '../ssh/pool.js';
import { shellCommand } from '../ssh/shell-quote.js';

/**
 * DICOMweb from a node, on demand: the commissioning agent's `dicomweb` section (a synthetic
 * instance stored with STOW-RS, its study found with QIDO-RS, the instance read back with WADO-RS),
 * judged by the same checks commissioning uses. The PACS keeps the instance: it is test data.
 */
export async function dicomwebProbe(
  pool: SshPool,
  node: string,
  baseUrl: string,
  uidRoot?: string,
  signal?: AbortSignal,
): Promise<{ studyUid: string; checks: DicomwebCheck[] }> {
  const study = syntheticStudy(uidRoot, (n) => crypto.randomBytes(n));
  const r = await execOnNode(
    pool,
    node,
    shellCommand(['sh', '-s', '--', 'dicomweb', baseUrl, study.studyUid, study.seriesUid, study.sopUid, study.dump]),
    { stdin: loadAgent('commission.sh').text, timeoutMs: 60_000, maxOutputBytes: 512 * 1024, ...(signal ? { signal } : {}) },
  );
  if (r.cancelled) throw new AppErrorException(appError('CANCELLED', `The DICOMweb probe from ${node} was stopped`, 'Run it again.'));
  if (r.lostConnection || r.timedOut)
    throw new AppErrorException(
      appError(
        'UNREACHABLE',
        `The DICOMweb probe from ${node} got no answer: ${r.lostConnection ?? 'no answer within 60 s'}`,
        'Check the link to the node (edgeward nodes check), then run it again.',
      ),
    );
  // The node's and the PACS's words, hostile until parsed: escapes removed, invalid UTF-8 replaced.
  const facts = parseDicomwebFacts(sanitizeBytes(r.stdout, 100_000));
  const checks: DicomwebCheck[] = [];
  dicomwebChecks(baseUrl, facts, recordChecks(checks));
  return { studyUid: study.studyUid, checks };
}
