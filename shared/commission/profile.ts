import { parseYamlWith, type YamlProblem } from '../yaml-schema.js';
import { z } from 'zod';
import { DicomUidRoot } from '../clinical/dicom-target.js';
import { BASE_URL } from '../names.js';

/** Versions like 550.127.05 or 12.4, compared part by part as numbers. */
const VERSION = /^\d+(\.\d+){0,3}$/;
/** A DNS name or an IPv4 address: these reach the node's shell as arguments, so nothing else. */
const HOST = z
  .string()
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'a host name or IPv4 address',
  );
const HTTP_URL = z.string().max(2000).regex(BASE_URL, 'an http(s) URL');
/** DICOM AE titles: up to 16 characters of the default repertoire, no backslash, not blank. */
const AE_TITLE = z
  .string()
  .regex(/^[A-Za-z0-9_.-](?:[A-Za-z0-9 _.-]{0,14}[A-Za-z0-9_.-])?$/, 'an AE title (1–16 letters, digits, "_", ".", "-")');

/**
 * What a new GPU server must be before it joins the fleet, as the site's hardware standard says:
 * e.g. 4 × NVIDIA L40S 48 GB, driver ≥ 550, CUDA ≥ 12.4, PCIe Gen4 x16, 2 TB model volume.
 */
export const HardwareProfile = z.strictObject({
  name: z.string().min(1).max(100),
  gpu: z.strictObject({
    /** Matched against nvidia-smi's name, case-insensitively ("L40S" matches "NVIDIA L40S"). */
    model: z.string().min(1).max(100),
    count: z.number().int().min(1).max(16),
    minMemoryMiB: z.number().int().min(0).default(0),
  }),
  driverMin: z.string().regex(VERSION, 'a version like 550.54.15').optional(),
  cudaMin: z.string().regex(VERSION, 'a version like 12.4').optional(),
  pcie: z.strictObject({ gen: z.number().int().min(1).max(6), width: z.number().int().min(1).max(32) }).optional(),
  eccRequired: z.boolean().default(true),
  persistenceMode: z.boolean().default(true),
  idle: z.strictObject({ maxTempC: z.number().default(60), maxPowerW: z.number().optional() }).default({ maxTempC: 60 }),
  modelVolume: z
    .strictObject({ path: z.string().regex(/^\/[A-Za-z0-9._/-]{0,4095}$/, 'an absolute path'), minFreeGiB: z.number().min(0) })
    .optional(),
  minMemoryGiB: z.number().min(0).optional(),
  maxClockSkewMs: z.number().min(1).default(500),
  containerRuntime: z.boolean().default(true),
  /** An image present on the node, run with every GPU to prove a container sees them. */
  testImage: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/, 'an image reference')
    .optional(),
  /** What the test container runs; its output must show a GPU ("GPU 0:" or /dev/nvidia0). */
  testCommand: z.array(z.string().max(1000)).min(1).max(32).default(['nvidia-smi', '-L']),
  /** A short GPU load: `command` runs in testImage with every GPU while the GPUs are sampled each second. */
  load: z
    .strictObject({
      seconds: z.number().int().min(5).max(600).default(30),
      command: z.array(z.string().max(1000)).min(1).max(32).optional(),
      maxTempC: z.number().default(85),
      /** Under load the GPUs must be busy at least this much, or the load never reached them. */
      minUtilizationPct: z.number().min(0).max(100).default(50),
    })
    .optional(),
  /** Names the node must resolve (PACS, EHR, registry, hub). */
  dns: z.array(HOST).min(1).max(16).optional(),
  /** The hub or site gateway the node reports to: reachable over TCP within maxLatencyMs. */
  hub: z.strictObject({ url: HTTP_URL, maxLatencyMs: z.number().min(1).default(50) }).optional(),
  /** Radiology nodes: a C-ECHO to the PACS as the node's AE title (dcmtk's echoscu on the node). */
  dicom: z
    .strictObject({
      host: HOST,
      port: z.number().int().min(1).max(65535).default(104),
      calledAE: AE_TITLE,
      callingAE: AE_TITLE.default('EDGEWARD'),
    })
    .optional(),
  /**
   * Radiology nodes: the PACS's DICOMweb service at BASE (e.g. http://pacs/dicom-web): a synthetic
   * instance (test data, no patient) stored with STOW-RS, found with QIDO-RS, read back with WADO-RS.
   */
  dicomweb: z
    .strictObject({
      baseUrl: HTTP_URL,
      /** The root of the synthetic instance's UIDs (the hospital's own); a 2.25 UUID UID without it. */
      uidRoot: DicomUidRoot.optional(),
    })
    .optional(),
  /**
   * EHR nodes: the FHIR server's CapabilityStatement at BASE/metadata; optionally its FHIR version
   * ("4.0" passes 4.0.1), the resource types the workload reads, and SMART Backend Services
   * discovery at BASE/.well-known/smart-configuration.
   */
  fhir: z
    .strictObject({
      baseUrl: HTTP_URL,
      version: z.string().regex(VERSION, 'a FHIR version such as 4.0 or 4.0.1').optional(),
      resources: z
        .array(z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'a FHIR resource type such as Patient'))
        .min(1)
        .max(64)
        .optional(),
      smart: z.boolean().default(false),
    })
    .optional(),
});
export type HardwareProfile = z.infer<typeof HardwareProfile>;

/** Every problem of a profile's YAML with its line and field (none when it is valid): for the editor. */
export function profileProblems(text: string): YamlProblem[] {
  return parseYamlWith(HardwareProfile, text, 64 * 1024, 'profile').problems;
}

/** YAML text → profile, or every problem as "line N: field: message". */
export function parseProfile(text: string): { profile: HardwareProfile; problems: [] } | { profile?: undefined; problems: string[] } {
  const r = parseYamlWith(HardwareProfile, text, 64 * 1024, 'profile');
  if (r.value) return { profile: r.value, problems: [] };
  return { problems: r.problems.map((p) => `line ${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`) };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
