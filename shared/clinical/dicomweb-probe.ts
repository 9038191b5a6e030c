import { z } from 'zod';
import { BASE_URL } from '../names.js';
import { NodeName } from '../fleet.js';
import { DicomUidRoot } from './dicom-target.js';

/** A DICOMweb probe from a node: the PACS's base URL as the node reaches it. */
export const DicomwebProbeRequest = z.strictObject({
  node: NodeName,
  baseUrl: z.string().max(2000).regex(BASE_URL, 'a DICOMweb base URL (http or https)'),
  uidRoot: DicomUidRoot.optional(),
});

export const DicomwebCheck = z.strictObject({
  id: z.string(),
  title: z.string(),
  verdict: z.enum(['pass', 'warn', 'fail']),
  expected: z.string(),
  evidence: z.string(),
});
export type DicomwebCheck = z.infer<typeof DicomwebCheck>;

/** STOW-RS, QIDO-RS and WADO-RS, each judged; ok when none failed. */
export const DicomwebProbeResult = z.strictObject({ ok: z.boolean(), studyUid: z.string(), checks: z.array(DicomwebCheck) });
export type DicomwebProbeResult = z.infer<typeof DicomwebProbeResult>;
