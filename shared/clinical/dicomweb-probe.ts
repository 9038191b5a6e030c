import { z } from 'zod';
import { BASE_URL } from '../names.js';
import { NodeName } from '../fleet.js';
import { DicomUidRoot } from './dicom-target.js';
import { CheckResultSchema } from '../commission/session.js';

/** A DICOMweb probe from a node: the PACS's base URL as the node reaches it. */
export const DicomwebProbeRequest = z.strictObject({
  node: NodeName,
  baseUrl: z.string().max(2000).regex(BASE_URL, 'a DICOMweb base URL (http or https)'),
  uidRoot: DicomUidRoot.optional(),
});

/** Each check judged as commissioning judges it (the same three checks, the same verdicts). */
export const DicomwebCheck = CheckResultSchema;
export type DicomwebCheck = z.infer<typeof DicomwebCheck>;

/** STOW-RS, QIDO-RS and WADO-RS, each judged; ok when none failed. */
export const DicomwebProbeResult = z.strictObject({ ok: z.boolean(), studyUid: z.string(), checks: z.array(DicomwebCheck) });
export type DicomwebProbeResult = z.infer<typeof DicomwebProbeResult>;
