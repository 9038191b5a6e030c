import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, evaluateSection, parseCommissionFacts, type CheckResult } from '../../../shared/commission/checks.js';
import { parseProfile } from '../../../shared/commission/profile.js';
import { syntheticStudy } from '../../../shared/clinical/dicom-study.js';
import { freePort } from '../../helpers/free-port.js';
import { startOrthanc, type OrthancServer } from '../../helpers/orthanc.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const agent = fs.readFileSync(path.resolve('agents/commission.sh'));

/** The commissioning agent's dicomweb section run as a node's sh would, judged as the console does. */
async function commissionDicomweb(baseUrl: string, uidRoot?: string): Promise<Record<string, CheckResult>> {
  const parsed = parseProfile(
    `name: r\ngpu: {model: L40S, count: 1}\ndicomweb: {baseUrl: "${baseUrl}"${uidRoot ? `, uidRoot: "${uidRoot}"` : ''}}\n`,
  );
  if (!parsed.profile) throw new Error(parsed.problems.join('; '));
  const child = spawn('sh', ['-s', '--', ...agentArgs('dicomweb', parsed.profile)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(agent);
  await new Promise((r) => child.once('exit', r));
  const results = evaluateSection('dicomweb', parsed.profile, parseCommissionFacts(out), { sentAt: 0, receivedAt: 0 });
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

describe('commissioning DICOMweb against a real Orthanc', () => {
  const tmp = makeTempDir('edgeward-orthanc-');
  let pacs: OrthancServer;
  let bare: OrthancServer;

  beforeAll(async () => {
    const start = async (name: string, dicomweb: boolean) =>
      startOrthanc({ dir: path.join(tmp.dir, name), host: '127.0.0.1', httpPort: await freePort(), dicomPort: await freePort(), dicomweb });
    [pacs, bare] = await Promise.all([start('pacs', true), start('bare', false)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([pacs?.stop(), bare?.stop()]);
    tmp.cleanup();
  });

  it('stores a synthetic instance, finds its study and reads it back, under the hospital UID root', async () => {
    const r = await commissionDicomweb(pacs.dicomweb, '1.2.826.0.1.3680043.10.99');
    for (const id of ['dicomweb.stow', 'dicomweb.qido', 'dicomweb.wado']) expect(r[id]?.verdict, `${id}: ${r[id]?.evidence}`).toBe('pass');
    const sop = /SOP instance (\S+)/.exec(r['dicomweb.stow']!.evidence)![1]!;
    expect(sop).toMatch(/^1\.2\.826\.0\.1\.3680043\.10\.99\.\d+\.\d+\.3$/);
    expect(r['dicomweb.wado']!.evidence).toContain(sop);
    // Orthanc holds it as the test data it is: no patient, named as synthetic.
    const found = (await await fetch(`${pacs.url}/tools/find`, {
      method: 'POST',
      body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: sop }, Expand: true }),
    }).then((x) => x.json())) as { MainDicomTags: Record<string, string>; PatientMainDicomTags?: Record<string, string> }[];
    expect(found).toHaveLength(1);
    const tags = (await fetch(`${pacs.url}/instances/${(found[0] as unknown as { ID: string }).ID}/simplified-tags`).then((x) =>
      x.json(),
    )) as Record<string, string>;
    expect(tags).toMatchObject({
      PatientName: 'EDGEWARD^PROBE',
      PatientIdentityRemoved: 'YES',
      StudyDescription: expect.stringContaining('NOT A PATIENT'),
    });
    // Each run stores a new instance: a second commissioning does not collide with the first.
    const again = await commissionDicomweb(pacs.dicomweb);
    expect(again['dicomweb.stow']!.verdict).toBe('pass');
    expect(again['dicomweb.stow']!.evidence).not.toContain(sop);
  });

  it('names what a PACS without DICOMweb answers, and a PACS that is not there', async () => {
    const r = await commissionDicomweb(`${bare.url}/dicom-web`);
    for (const id of ['dicomweb.stow', 'dicomweb.qido', 'dicomweb.wado']) {
      expect(r[id]).toMatchObject({ verdict: 'fail', evidence: expect.stringMatching(/^HTTP 404\b/) });
    }
    const nobody = await commissionDicomweb(`http://127.0.0.1:${await freePort()}/dicom-web`);
    expect(nobody['dicomweb.qido']).toMatchObject({
      verdict: 'fail',
      evidence: expect.stringMatching(/Failed to connect|Connection refused|Could not connect/),
    });
  });
});

describe('commissioning DICOMweb against a PACS that answers wrongly', () => {
  let server: http.Server;
  let base: string;
  const tmp = makeTempDir('edgeward-liar-');
  /** Another instance than the one asked for, as a real Part 10 file. */
  let other: Buffer;
  let otherSop: string;

  beforeAll(async () => {
    const s = syntheticStudy(undefined, (n) => crypto.randomBytes(n));
    fs.writeFileSync(path.join(tmp.dir, 'o.dump'), s.dump);
    spawnSync('dump2dcm', ['--write-xfer-little', path.join(tmp.dir, 'o.dump'), path.join(tmp.dir, 'o.dcm')]);
    other = fs.readFileSync(path.join(tmp.dir, 'o.dcm'));
    otherSop = s.sopUid;
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST') {
          // Refused, with the reason per instance (0xA700: out of resources, PS3.18 table I.2-2).
          res.writeHead(409, { 'content-type': 'application/dicom+json' });
          res.end(JSON.stringify({ '00081198': { vr: 'SQ', Value: [{ '00081197': { vr: 'US', Value: [0xa700] } }] } }));
        } else if (req.url!.includes('/instances/')) {
          res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=xyz' });
          res.end(Buffer.concat([Buffer.from('--xyz\r\nContent-Type: application/dicom\r\n\r\n'), other, Buffer.from('\r\n--xyz--\r\n')]));
        } else {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html>login</html>');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  });

  it('names the refusal reason, the wrong content type and the wrong instance', async () => {
    const r = await commissionDicomweb(base);
    expect(r['dicomweb.stow']).toMatchObject({ verdict: 'fail', evidence: 'HTTP 409, failure reason 0xA700' });
    expect(r['dicomweb.qido']).toMatchObject({
      verdict: 'fail',
      evidence: expect.stringContaining('as text/html, not application/dicom+json'),
    });
    expect(r['dicomweb.wado']).toMatchObject({ verdict: 'fail', evidence: expect.stringContaining(`the instance is ${otherSop}, not `) });
  });
});
