import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, evaluateSection, parseCommissionFacts, type CheckResult } from '../../../shared/commission/checks.js';
import { parseProfile } from '../../../shared/commission/profile.js';
import { startSmartFhirStub, type SmartFhirStub } from '../../testbed/smart-fhir-stub.js';

const agent = fs.readFileSync(path.resolve('agents/commission.sh'));

/** The commissioning agent's fhir section run as a node's sh would, judged as the console does. */
async function commissionFhir(fhirYaml: string): Promise<Record<string, CheckResult>> {
  const parsed = parseProfile(`name: ehr\ngpu: {model: L40S, count: 1}\nfhir: ${fhirYaml}\n`);
  if (!parsed.profile) throw new Error(parsed.problems.join('; '));
  const child = spawn('sh', ['-s', '--', ...agentArgs('fhir', parsed.profile)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(agent);
  await new Promise((r) => child.once('exit', r));
  return Object.fromEntries(
    evaluateSection('fhir', parsed.profile, parseCommissionFacts(out), { sentAt: 0, receivedAt: 0 }).map((r) => [r.id, r]),
  );
}

describe('commissioning an EHR node: FHIR capabilities and SMART discovery', () => {
  let ehr: SmartFhirStub;
  beforeAll(async () => {
    ehr = await startSmartFhirStub();
  });
  afterAll(() => ehr?.close());

  it("passes the version, the workload's resources and SMART Backend Services on the bed's EHR", async () => {
    const r = await commissionFhir(`{baseUrl: "${ehr.base}", version: "4.0", resources: [Patient, Observation], smart: true}`);
    expect(Object.values(r).map((x) => [x.id, x.verdict])).toEqual([
      ['fhir.metadata', 'pass'],
      ['fhir.version', 'pass'],
      ['fhir.resources', 'pass'],
      ['fhir.smart', 'pass'],
    ]);
    expect(r['fhir.resources']!.evidence).toBe('Patient (read, search-type); Observation (search-type)');
    expect(r['fhir.smart']!.evidence).toContain(`token endpoint ${ehr.tokenUrl}; RS384, ES384`);
  });

  it('names a wrong version, a resource not served or served without read, and missing SMART pieces', async () => {
    ehr.state.fhirVersion = '5.0.0';
    ehr.state.capabilities = ['launch-ehr'];
    try {
      const r = await commissionFhir(
        `{baseUrl: "${ehr.base}", version: "4.0", resources: [Patient, DocumentReference, Encounter], smart: true}`,
      );
      expect(r['fhir.version']).toMatchObject({ verdict: 'fail', evidence: 'fhirVersion 5.0.0' });
      expect(r['fhir.resources']).toMatchObject({
        verdict: 'fail',
        evidence: 'DocumentReference served without read or search; Encounter not served',
      });
      expect(r['fhir.smart']).toMatchObject({ verdict: 'fail', evidence: 'capability client-confidential-asymmetric not listed' });
      ehr.state.smart = false;
      expect((await commissionFhir(`{baseUrl: "${ehr.base}", smart: true}`))['fhir.smart']).toMatchObject({
        verdict: 'fail',
        evidence: 'HTTP 404',
      });
    } finally {
      Object.assign(ehr.state, { fhirVersion: '4.0.1', capabilities: ['client-confidential-asymmetric'], smart: true });
    }
  });

  it('says a CapabilityStatement too large to read is too large, not broken', async () => {
    // Real servers' statements run to hundreds of KiB; the node sends 64 KiB of it.
    const big = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/fhir+json');
      res.end(JSON.stringify({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', padding: 'x'.repeat(200_000) }));
    });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    try {
      const r = await commissionFhir(`{baseUrl: "http://127.0.0.1:${(big.address() as AddressInfo).port}/fhir", resources: [Patient]}`);
      expect(r['fhir.metadata']).toMatchObject({
        verdict: 'fail',
        evidence: expect.stringMatching(/^HTTP 200, 195 KiB: more than the 64 KiB the node reads/),
      });
      expect(r['fhir.resources']!.verdict).toBe('fail');
    } finally {
      await new Promise((r) => big.close(r));
    }
  });
});
