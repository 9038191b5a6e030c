import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionResults } from '../../shared/commission/session.js';
import type { BedState } from '../testbed/bed.js';
import { HOST_ADDRESS } from '../testbed/layout.js';
import { startSmartFhirStub, type SmartFhirStub } from '../testbed/smart-fhir-stub.js';
import { startOrthanc, type OrthancServer } from '../helpers/orthanc.js';
import { ensureBed } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';

const ORTHANC_HTTP = 18042;
const ORTHANC_DICOM = 14242;

/**
 * Commissioning a radiology and an EHR node over SSH on the bed: the node itself talks to the PACS
 * (Debian's Orthanc with its DICOMweb plugin, in another node's network namespace) and to the EHR
 * (the bed's SMART/FHIR stub on the host address). The audit log holds each check's verdict.
 */
describe('commissioning the clinical connections of a node', () => {
  let bed: BedState;
  let h: FleetHarness;
  let pacs: OrthancServer;
  let ehr: SmartFhirStub;
  const node = () => bed.nodes[12]!;
  const pacsNode = () => bed.nodes[13]!;

  beforeAll(async () => {
    bed = await ensureBed();
    h = await fleetBackend();
    await addTrusted(h, bed, [node()]);
    const dir = fs.mkdtempSync(path.join(h.dataDir, 'orthanc-'));
    pacs = await startOrthanc({ dir, host: pacsNode().address, httpPort: ORTHANC_HTTP, dicomPort: ORTHANC_DICOM, netns: pacsNode().netns });
    ehr = await startSmartFhirStub(HOST_ADDRESS);
  }, 180_000);
  afterAll(async () => {
    await pacs?.stop();
    await ehr?.close();
    await h?.close();
  });

  it('stores, finds and reads back a synthetic instance over DICOMweb, and finds SMART Backend Services at the EHR', async () => {
    const profile = `name: Radiology and EHR
gpu: {model: L40S, count: 1}
dicomweb: {baseUrl: "${pacs.dicomweb}"}
fhir: {baseUrl: "${ehr.base}", version: "4.0", resources: [Patient, Observation], smart: true}
`;
    const s = await h.backend.commission.start(node().name, profile);
    const r = Object.fromEntries(sessionResults(s).map((x) => [x.id, x]));
    for (const id of ['dicomweb.stow', 'dicomweb.qido', 'dicomweb.wado', 'fhir.metadata', 'fhir.version', 'fhir.resources', 'fhir.smart'])
      expect(r[id]?.verdict, `${id}: ${r[id]?.evidence}`).toBe('pass');
    // The PACS holds the instance the node stored, and nothing else.
    const sop = /SOP instance (\S+)/.exec(r['dicomweb.stow']!.evidence)![1]!;
    const instances = (await fetch(`${pacs.url}/instances?expand`).then((x) => x.json())) as {
      MainDicomTags: { SOPInstanceUID: string };
    }[];
    expect(instances.map((i) => i.MainDicomTags.SOPInstanceUID)).toEqual([sop]);
    const run = (
      h.backend.audit.index.query({ action: 'commission.run' }, 0, 100).records as { outcome: string; params: { checks?: string[] } }[]
    ).find((x) => x.outcome !== 'intent')!;
    expect(run.params.checks).toEqual(expect.arrayContaining(['dicomweb.stow:pass', 'dicomweb.wado:pass', 'fhir.smart:pass']));
  });

  it('names a PACS that is down, from the node', async () => {
    await pacs.stop();
    try {
      const s = await h.backend.commission.start(
        node().name,
        `name: r\ngpu: {model: L40S, count: 1}\ndicomweb: {baseUrl: "${pacs.dicomweb}"}\n`,
      );
      const r = Object.fromEntries(sessionResults(s).map((x) => [x.id, x]));
      expect(r['dicomweb.stow']).toMatchObject({ verdict: 'fail', evidence: expect.stringMatching(/Failed to connect|Could not connect/) });
    } finally {
      pacs = await startOrthanc({
        dir: fs.mkdtempSync(path.join(h.dataDir, 'orthanc-')),
        host: pacsNode().address,
        httpPort: ORTHANC_HTTP,
        dicomPort: ORTHANC_DICOM,
        netns: pacsNode().netns,
      });
    }
  });
});
