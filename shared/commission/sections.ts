import { syntheticStudy } from '../clinical/dicom-study.js';
import type { HardwareProfile } from './profile.js';

/**
 * The checks run in sections, one agent run each (agents/commission.sh SECTION): progress is shown
 * per section, a stop lands between sections, and a half-finished commissioning resumes with the
 * sections that have not run.
 */
export const SECTIONS = ['gpu', 'runtime', 'load', 'host', 'dns', 'hub', 'dicom', 'dicomweb', 'fhir'] as const;
export type SectionId = (typeof SECTIONS)[number];
export const SECTION_TITLES: Record<SectionId, string> = {
  gpu: 'GPUs: count, model, driver, ECC, PCIe, idle',
  runtime: 'Container runtime with GPU access',
  load: 'GPUs under a short load',
  host: 'Clock, memory and model volume',
  dns: 'DNS',
  hub: 'Hub reachability and latency',
  dicom: 'DICOM C-ECHO to the PACS',
  dicomweb: 'DICOMweb: STOW-RS, QIDO-RS, WADO-RS',
  fhir: 'FHIR capabilities and SMART discovery',
};

/** The sections a profile asks for, in the order they run. */
export function sectionsFor(p: HardwareProfile): SectionId[] {
  return SECTIONS.filter((s) => {
    if (s === 'runtime') return p.containerRuntime;
    if (s === 'load') return p.load !== undefined;
    if (s === 'dns') return p.dns !== undefined;
    if (s === 'hub') return p.hub !== undefined;
    if (s === 'dicom') return p.dicom !== undefined;
    if (s === 'dicomweb') return p.dicomweb !== undefined;
    if (s === 'fhir') return p.fhir !== undefined;
    return true;
  });
}

const secureRandom = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/**
 * The agent's arguments for one section (each becomes one quoted word on the node). `dicomweb`
 * stores a synthetic instance made here for each run (new UIDs every time; test data, no patient).
 */
export function agentArgs(section: SectionId, p: HardwareProfile, random = secureRandom): string[] {
  switch (section) {
    case 'gpu':
      return ['gpu'];
    case 'runtime':
      return p.testImage ? ['runtime', p.testImage, ...p.testCommand] : ['runtime'];
    case 'load':
      return ['load', String(p.load!.seconds), ...(p.testImage ? [p.testImage, ...(p.load!.command ?? [])] : [])];
    case 'host':
      return ['host', p.modelVolume?.path ?? '/'];
    case 'dns':
      return ['dns', ...p.dns!];
    case 'hub':
      return ['hub', p.hub!.url];
    case 'dicom':
      return ['dicom', p.dicom!.host, String(p.dicom!.port), p.dicom!.calledAE, p.dicom!.callingAE];
    case 'dicomweb': {
      const study = syntheticStudy(p.dicomweb!.uidRoot, random);
      return ['dicomweb', p.dicomweb!.baseUrl, study.studyUid, study.seriesUid, study.sopUid, study.dump];
    }
    case 'fhir':
      return p.fhir!.smart ? ['fhir', p.fhir!.baseUrl, 'smart'] : ['fhir', p.fhir!.baseUrl];
  }
}

/** How long a section may take on the node before it counts as hung. */
export function sectionTimeoutMs(section: SectionId, p: HardwareProfile): number {
  return section === 'load' ? (p.load!.seconds + 60) * 1000 : section === 'runtime' ? 180_000 : 60_000;
}
