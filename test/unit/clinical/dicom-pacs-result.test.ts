import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syntheticStudy } from '../../../shared/clinical/dicom-study.js';
import { DicomIngress } from '../../../shared/clinical/dicom-target.js';
import { parseRoundTrip, probeArgs } from '../../../electron/services/clinical/dicom-probe.js';
import { loadAgent } from '../../../electron/services/agents/agent-script.js';
import { freePort } from '../../helpers/free-port.js';
import { startOrthanc, type OrthancServer } from '../../helpers/orthanc.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const listening = (p: number) => spawnSync('sh', ['-c', `grep -q ":$(printf '%04X' ${p}) .* 0A " /proc/net/tcp`]).status === 0;

/**
 * The round trip with the result looked for where radiologists see it: the PACS (a real Orthanc,
 * queried with QIDO-RS or C-FIND), the stand-in AI sending its result there by C-STORE after 300 ms.
 */
describe('a DICOM round trip whose result is found at the PACS', () => {
  const tmp = makeTempDir('edgeward-pacs-result-');
  let pacs: OrthancServer;
  let ai: ChildProcess;
  let port: number;
  let dicomPort: number;

  /** One round trip; `oddUid`: a Study UID of odd length, which the PACS pads (Orthanc with a NUL) in its answers. */
  const probe = (t: Partial<DicomIngress>, oddUid = false) => {
    const target = DicomIngress.parse({ port, calledAE: 'AI_INGRESS', resultQido: pacs.dicomweb, ...t });
    let s = syntheticStudy(undefined, (n) => crypto.randomBytes(n));
    while (oddUid && s.studyUid.length % 2 === 0) s = syntheticStudy(undefined, (n) => crypto.randomBytes(n));
    const r = spawnSync('sh', ['-s', '--', ...probeArgs(target, s)], { input: loadAgent('dicom-roundtrip.sh').text, encoding: 'utf8' });
    return parseRoundTrip(r.stdout, target, s.studyUid);
  };

  beforeAll(async () => {
    dicomPort = await freePort();
    pacs = await startOrthanc({
      dir: path.join(tmp.dir, 'pacs'),
      host: '127.0.0.1',
      httpPort: await freePort(),
      dicomPort,
      findAEs: ['EDGEWARD'],
    });
    port = await freePort();
    const inner = await freePort();
    ai = spawn(
      path.resolve('test/testbed/ai-ingress.sh'),
      ['serve', 'AI_INGRESS', String(port), String(inner), '0.3', '127.0.0.1', String(dicomPort), 'PACS', path.join(tmp.dir, 'ai')],
      { stdio: 'ignore' },
    );
    await vi.waitFor(
      () => {
        if (!listening(port) || !listening(inner)) throw new Error('the stand-in AI does not listen');
      },
      { timeout: 15_000, interval: 100 },
    );
  }, 60_000);
  afterAll(async () => {
    ai?.kill();
    await pacs?.stop();
    tmp.cleanup();
  });

  it('times the result from the C-STORE to its appearance at the PACS', async () => {
    const r = probe({});
    expect(r.error).toBeUndefined();
    expect(r.resultMs!).toBeGreaterThanOrEqual(300);
    expect(r.resultMs!).toBeLessThan(5300);
    // Orthanc holds the AI's result for the study, and not our own image (it went to the AI only).
    const found = (await fetch(`${pacs.dicomweb}/studies/${r.studyUid}/instances`, { headers: { accept: 'application/dicom+json' } }).then(
      (x) => x.json(),
    )) as unknown[];
    expect(found).toHaveLength(1);
  });

  it('says the PACS does not answer, apart from a result that never comes', async () => {
    const down = probe({ resultQido: `http://127.0.0.1:${await freePort()}/dicom-web`, timeoutMs: 800 });
    expect(down.error).toMatchObject({
      kind: 'pacs',
      message: expect.stringContaining('does not answer QIDO-RS'),
      next: expect.stringContaining('DICOMweb base URL'),
    });
    // A PACS that answers but never gets the result (the AI sends it elsewhere): a timeout, naming the PACS.
    const other = await startOrthanc({
      dir: path.join(tmp.dir, 'other'),
      host: '127.0.0.1',
      httpPort: await freePort(),
      dicomPort: await freePort(),
    });
    try {
      const lost = probe({ resultQido: other.dicomweb, timeoutMs: 1500 });
      expect(lost.error).toMatchObject({ kind: 'timeout', message: expect.stringContaining(`appeared at the PACS (${other.dicomweb})`) });
    } finally {
      await other.stop();
    }
  });

  it('finds the result at the PACS by C-FIND (for a PACS without DICOMweb), whatever the UID padding in its answers', async () => {
    const find = { calledAE: 'PACS', host: '127.0.0.1', port: dicomPort };
    for (const oddUid of [false, true]) {
      const r = probe({ resultQido: undefined, resultFind: find }, oddUid);
      expect(r.error, `odd-length UID: ${oddUid}`).toBeUndefined();
      expect(r.resultMs!).toBeGreaterThanOrEqual(300);
      expect(r.resultMs!).toBeLessThan(5300);
    }
  });

  it('tells a PACS that will not take the query from one that does not answer', async () => {
    // Orthanc lets only the peers it lists query it: a calling AE it does not know is turned away.
    const refused = probe({
      resultQido: undefined,
      callingAE: 'STRANGER',
      resultFind: { calledAE: 'PACS', host: '127.0.0.1', port: dicomPort },
      timeoutMs: 800,
    });
    expect(refused.error).toMatchObject({
      kind: 'pacs_refused',
      message: expect.stringContaining(`PACS@127.0.0.1:${dicomPort} refused the probe's C-FIND (calling AE STRANGER)`),
      next: expect.stringContaining('add STRANGER to its known peers'),
    });
    const closed = await freePort();
    const down = probe({ resultQido: undefined, resultFind: { calledAE: 'PACS', host: '127.0.0.1', port: closed }, timeoutMs: 800 });
    expect(down.error).toMatchObject({
      kind: 'pacs',
      message: expect.stringContaining(`does not answer C-FIND at PACS@127.0.0.1:${closed}`),
    });
  });

  it('times out naming the PACS when the result never reaches it by C-FIND', async () => {
    const otherPort = await freePort();
    const other = await startOrthanc({
      dir: path.join(tmp.dir, 'other-find'),
      host: '127.0.0.1',
      httpPort: await freePort(),
      dicomPort: otherPort,
      findAEs: ['EDGEWARD'],
    });
    try {
      const lost = probe({ resultQido: undefined, resultFind: { calledAE: 'PACS', host: '127.0.0.1', port: otherPort }, timeoutMs: 1500 });
      expect(lost.error).toMatchObject({
        kind: 'timeout',
        message: expect.stringContaining(`appeared at the PACS (PACS@127.0.0.1:${otherPort})`),
      });
    } finally {
      await other.stop();
    }
  });
});
