import { z } from 'zod';
import { DicomRoundTrip } from '../clinical/dicom-target.js';
import { NodeName } from '../fleet.js';

/** Clinical checks run on demand, each audited. */
export const clinicalChannels = {
  /** One DICOM round trip through an endpoint's AI ingress (stores one synthetic test study there). */
  'probe.dicom': {
    request: z.strictObject({ node: NodeName, endpoint: NodeName }),
    response: DicomRoundTrip,
  },
} as const;
