/**
 * A synthetic study for the DICOM round-trip probe: one tiny secondary-capture image with no
 * patient data, unique Study/Series/SOP Instance UIDs, and marked as test data in the fields a
 * PACS shows (patient name and ID, study description, Patient Identity Removed). Written as a
 * dcmtk dump, so the node's own dcmtk (dump2dcm) encodes it: no hand-made DICOM encoder here.
 */

/** DICOM UIDs: digits and dots, components without leading zeros, at most 64 characters. */
export const UID_ROOT = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/;
/**
 * The longest root makeUids can use: it appends ".<13-digit ms>.<≤10-digit random>.<k>" (27
 * characters) and a UID may have 64.
 */
export const UID_ROOT_MAX = 64 - 27;

export interface SyntheticStudy {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  /** dump2dcm input. */
  dump: string;
}

/** 128 random bits as a decimal integer (the `2.25.` form, ISO/IEC 9834-8). */
function randomDecimal(random: (n: number) => Uint8Array): string {
  let v = 0n;
  for (const b of random(16)) v = (v << 8n) | BigInt(b);
  return v.toString();
}

export function makeUids(root: string | undefined, random: (n: number) => Uint8Array, now = Date.now()): [string, string, string] {
  if (!root) return [0, 1, 2].map(() => `2.25.${randomDecimal(random)}`) as [string, string, string];
  if (!UID_ROOT.test(root))
    throw new Error(`${JSON.stringify(root)} is not a UID root (digits and dots, e.g. 1.2.826.0.1.3680043.10.1234)`);
  const [a = 0, b = 0, c = 0, d = 0] = random(4);
  const unique = `${now}.${((a << 24) | (b << 16) | (c << 8) | d) >>> 0}`;
  const uids = [1, 2, 3].map((k) => `${root}.${unique}.${k}`) as [string, string, string];
  if (uids.some((u) => u.length > 64)) throw new Error(`the UID root ${root} is too long: UIDs made under it exceed 64 characters`);
  return uids;
}

export function syntheticStudy(root: string | undefined, random: (n: number) => Uint8Array, now = Date.now()): SyntheticStudy {
  const [studyUid, seriesUid, sopUid] = makeUids(root, random, now);
  const d = new Date(now);
  const date = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const time = `${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}`;
  const lines = [
    '(0008,0016) UI =SecondaryCaptureImageStorage',
    `(0008,0018) UI [${sopUid}]`,
    `(0008,0020) DA [${date}]`,
    `(0008,0030) TM [${time}]`,
    '(0008,0060) CS [OT]',
    '(0008,0064) CS [WSD]',
    '(0008,1030) LO [EDGEWARD SYNTHETIC PROBE - NOT A PATIENT]',
    '(0010,0010) PN [EDGEWARD^PROBE]',
    '(0010,0020) LO [EDGEWARD-PROBE]',
    '(0012,0062) CS [YES]',
    '(0012,0063) LO [Synthetic test data made by Edgeward]',
    `(0020,000d) UI [${studyUid}]`,
    `(0020,000e) UI [${seriesUid}]`,
    '(0020,0013) IS [1]',
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 4',
    '(0028,0011) US 4',
    '(0028,0100) US 8',
    '(0028,0101) US 8',
    '(0028,0102) US 7',
    '(0028,0103) US 0',
    `(7fe0,0010) OB ${Array.from({ length: 16 }, (_, i) => (i * 17).toString(16).padStart(2, '0')).join('\\')}`,
  ];
  return { studyUid, seriesUid, sopUid, dump: `${lines.join('\n')}\n` };
}
