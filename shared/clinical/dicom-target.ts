import { z } from 'zod';
import { BASE_URL, HOST } from '../names.js';
import { UID_ROOT, UID_ROOT_MAX } from './dicom-study.js';

/** An application entity title: 1–16 characters of the default repertoire, no spaces or backslash (here: a safe subset). */
export const AE_TITLE = /^[A-Za-z0-9_.-]{1,16}$/;
const AE = z.string().regex(AE_TITLE, 'an AE title (1–16 letters, digits, "_", ".", "-")');

/** The hospital's UID root for synthetic test studies: short enough for every UID made under it. */
export const DicomUidRoot = z
  .string()
  .max(UID_ROOT_MAX, `at most ${UID_ROOT_MAX} characters: the UIDs made under it add 27 and may have 64`)
  .regex(UID_ROOT, 'a UID root: digits and dots, e.g. 1.2.826.0.1.3680043.10.1234');

/**
 * A radiology AI's DICOM ingress as the round-trip probe reaches it from the node: where studies go
 * in (host, port, called AE), who the probe says it is (calling AE), and the storage SCP the probe
 * runs on the node for the AI's result (the AI must be configured to send results there).
 */
export const DicomIngress = z
  .strictObject({
    /** The AI ingress as the node reaches it (127.0.0.1 when the AI runs on the node). */
    host: z.string().regex(HOST, 'a host name or IP address').default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(104),
    calledAE: AE,
    callingAE: AE.default('EDGEWARD'),
    resultPort: z.number().int().min(1).max(65535).default(11113),
    resultAE: AE.default('EDGEWARD_PROBE'),
    /** How long a result may take before the probe counts it as missing: the SLO's bound, or longer. */
    timeoutMs: z.number().int().min(100).max(600_000).default(5000),
    /** The root the synthetic UIDs are made under (the hospital's own), else 2.25 (UUID-derived). */
    uidRoot: DicomUidRoot.optional(),
    /**
     * Where the AI's result is looked for: the PACS it sends results to, by QIDO-RS at this DICOMweb
     * base (the study's instances polled every 50 ms), in place of the probe's own storage SCP.
     */
    resultQido: z.string().max(2000).regex(BASE_URL, 'a DICOMweb base URL (http or https)').optional(),
    /**
     * Or looked for at a PACS by C-FIND (DIMSE, for a PACS without DICOMweb): the study's series
     * queried every 50 ms until one that is not ours is there. The PACS must know `callingAE` as a
     * peer allowed to query.
     */
    resultFind: z
      .strictObject({
        calledAE: AE,
        host: z.string().regex(HOST, 'a host name or IP address'),
        port: z.number().int().min(1).max(65535).default(104),
      })
      .optional(),
    /** How often the probe runs while the node is watched; each round trip stores one study. */
    intervalMs: z.number().int().min(2000).max(3_600_000).default(30_000),
  })
  .refine((d) => !(d.resultQido && d.resultFind), {
    message: 'look for the result by QIDO-RS (resultQido) or by C-FIND (resultFind), not both',
    path: ['resultFind'],
  });
export type DicomIngress = z.infer<typeof DicomIngress>;

export const DicomProbeErrorKind = z.enum([
  'tools',
  'generate',
  'refused',
  'rejected',
  'context',
  'store',
  'result_port',
  'pacs',
  'pacs_refused',
  'timeout',
]);
export type DicomProbeErrorKind = z.infer<typeof DicomProbeErrorKind>;

/** One round trip: times on the node's clock, or what failed and what to do next. */
export const DicomRoundTrip = z.strictObject({
  ok: z.boolean(),
  /** From the start of the C-STORE to the result's arrival. */
  resultMs: z.number().int().optional(),
  /** The C-STORE alone, association included. */
  sentMs: z.number().int().optional(),
  studyUid: z.string(),
  error: z.strictObject({ kind: DicomProbeErrorKind, message: z.string(), next: z.string() }).optional(),
});
export type DicomRoundTrip = z.infer<typeof DicomRoundTrip>;

/** The history and alert key of an endpoint's DICOM round trips (endpoint names have no "/"). */
export const dicomSeries = (endpoint: string) => `${endpoint}/dicom`;
