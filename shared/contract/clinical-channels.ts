import { z } from 'zod';
import { DicomRoundTrip } from '../clinical/dicom-target.js';
import { SmartClient, SmartClientId, SmartClientKey, SmartTokenCheck } from '../clinical/smart.js';
import { NodeName } from '../fleet.js';
import { DicomwebProbeRequest, DicomwebProbeResult } from '../clinical/dicomweb-probe.js';

/** Clinical checks run on demand, each audited. */
export const clinicalChannels = {
  /** One DICOM round trip through an endpoint's AI ingress (stores one synthetic test study there). */
  'probe.dicom': {
    request: z.strictObject({ node: NodeName, endpoint: NodeName }),
    response: DicomRoundTrip,
  },
  /** STOW-RS, QIDO-RS and WADO-RS from a node to a PACS (stores one synthetic test instance there). */
  'probe.dicomweb': { request: DicomwebProbeRequest, response: DicomwebProbeResult },
  /** One SMART Backend Services token request with the kept client key (the token is not returned). */
  'probe.smart': { request: SmartClient, response: SmartTokenCheck },
  /** Makes a SMART client key, kept encrypted; returns the public JWKS to register at the EHR. */
  'smart.key.create': { request: z.strictObject({ clientId: SmartClientId }), response: SmartClientKey },
} as const;
