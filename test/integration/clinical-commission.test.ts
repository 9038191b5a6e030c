import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionResults } from '../../shared/commission/session.js';
import type { BedState } from '../testbed/bed.js';
import { HOST_ADDRESS } from '../testbed/layout.js';
import { startSmartFhirStub, type SmartFhirStub } from '../testbed/smart-fhir-stub.js';
import { startOrthanc, type OrthancServer } from '../helpers/orthanc.js';
import { ensureBed, ssh } from './helpers/bed.js';
import { addTrusted, fleetBackend, type FleetHarness } from './helpers/fleet.js';
import { runCommand, type CliOutput } from '../../electron/cli/commands.js';
import type { AuditRecord } from '../../shared/audit.js';

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

  it('probes DICOMweb from the node on demand (edgeward probe dicomweb): the same three checks, audited with the test study', async () => {
    const lines: string[] = [];
    const out: CliOutput = { json: false, print: (l) => lines.push(l), error: (l) => lines.push(l) };
    expect(await runCommand(h.backend, ['probe', 'dicomweb', node().name], out, { dicomweb: pacs.dicomweb })).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^PASS {2}DICOMweb STOW-RS stores an instance: HTTP 200/),
      expect.stringMatching(/^PASS {2}DICOMweb QIDO-RS finds the study: HTTP 200/),
      expect.stringMatching(/^PASS {2}DICOMweb WADO-RS retrieves it/),
    ]);
    const done = (h.backend.audit.index.query({ action: 'probe.dicomweb' }, 0, 10).records as AuditRecord[]).find(
      (x) => x.outcome !== 'intent',
    )!;
    expect(done).toMatchObject({
      outcome: 'ok',
      target: { node: node().name },
      params: { baseUrl: pacs.dicomweb, checks: ['dicomweb.stow:pass', 'dicomweb.qido:pass', 'dicomweb.wado:pass'] },
    });
    // The study the audit record names is the one now at the PACS.
    const study = String(done.params!.studyUid);
    expect(((await fetch(`${pacs.url}/tools/lookup`, { method: 'POST', body: study }).then((x) => x.json())) as unknown[]).length).toBe(1);
    // A URL the node cannot reach fails with exit 1 and says so; bad input never reaches the node.
    const down: string[] = [];
    const dout: CliOutput = { json: false, print: (l) => down.push(l), error: (l) => down.push(l) };
    expect(
      await runCommand(h.backend, ['probe', 'dicomweb', node().name], dout, { dicomweb: `http://${pacsNode().address}:1/dicom-web` }),
    ).toBe(1);
    expect(down[0]).toMatch(/^FAIL {2}DICOMweb STOW-RS stores an instance: .*(Failed to connect|Could not connect)/);
    // A URL may hold shell characters ($, parentheses, ;): they reach curl as one quoted word and run nothing.
    const hostile = `http://${pacsNode().address}:1/$(mkdir$IFS'/tmp/ew-pwned');mkdir$IFS'/tmp/ew-pwned2'`;
    expect(await runCommand(h.backend, ['probe', 'dicomweb', node().name], dout, { dicomweb: hostile })).toBe(1);
    expect(ssh(bed, node(), 'ls -d /tmp/ew-pwned /tmp/ew-pwned2 2>&1 || true').stdout).not.toMatch(/^\/.*ew-pwned/m);
    // Not a URL: refused before anything runs on the node.
    const bad: string[] = [];
    const bout: CliOutput = { json: false, print: (l) => bad.push(l), error: (l) => bad.push(l) };
    expect(await runCommand(h.backend, ['probe', 'dicomweb', node().name], bout, { dicomweb: 'pacs:8042 -o /etc/passwd' })).not.toBe(0);
    expect(bad.join('\n')).toMatch(/DICOMweb base URL/);
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
