import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeUids, syntheticStudy, UID_ROOT_MAX } from '../../../shared/clinical/dicom-study.js';
import { DicomIngress, DicomUidRoot } from '../../../shared/clinical/dicom-target.js';
import { parseRoundTrip, probeArgs } from '../../../electron/services/clinical/dicom-probe.js';
import { loadAgent } from '../../../electron/services/agents/agent-script.js';
import { freePort } from '../../helpers/free-port.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const random = (n: number) => crypto.randomBytes(n);
const tag = (file: string, t: string) => /\[(.*)\]/.exec(spawnSync('dcmdump', ['-q', '+P', t, file], { encoding: 'utf8' }).stdout)?.[1];

/**
 * The DICOM round-trip probe as it runs on a node (its script under sh, dcmtk doing the DICOM),
 * against the bed's stand-in AI: dcmtk's storescp answering each study with a result after a delay.
 */
/** A TCP port something listens on (IPv4, state 0A = LISTEN). */
const listening = (p: number) => spawnSync('sh', ['-c', `grep -q ":$(printf '%04X' ${p}) .* 0A " /proc/net/tcp`]).status === 0;

describe('DICOM round-trip probe', () => {
  const tmp = makeTempDir('edgeward-dicom-');
  let ingress: ChildProcess;
  let port: number;
  let resultPort: number;
  const DELAY_S = 0.3;

  /** Runs the probe script as a node's sh would. */
  const probe = (t: Partial<DicomIngress>) => {
    const target = DicomIngress.parse({ port, calledAE: 'AI_INGRESS', resultPort, resultAE: 'EW_PROBE', ...t });
    const s = syntheticStudy(target.uidRoot, random);
    const args = probeArgs(target, s);
    const r = spawnSync('sh', ['-s', '--', ...args], { input: loadAgent('dicom-roundtrip.sh').text, encoding: 'utf8' });
    return parseRoundTrip(r.stdout, target, s.studyUid);
  };

  beforeAll(async () => {
    port = await freePort();
    resultPort = await freePort();
    const inner = await freePort();
    ingress = spawn(
      path.resolve('test/testbed/ai-ingress.sh'),
      [
        'serve',
        'AI_INGRESS',
        String(port),
        String(inner),
        String(DELAY_S),
        '127.0.0.1',
        String(resultPort),
        'EW_PROBE',
        path.join(tmp.dir, 'ingress'),
        'EDGEWARD',
        'EW_OTHER',
      ],
      { stdio: 'ignore' },
    );
    // Python and storescp start slowly on a loaded machine: wait for both to listen, not a fixed time.
    await vi.waitFor(
      () => {
        if (!listening(port) || !listening(inner)) throw new Error(`the stand-in AI does not listen on ${port} and ${inner}`);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
  afterAll(() => {
    ingress?.kill();
    tmp.cleanup();
  });

  it('makes a study dcmtk reads back: unique UIDs under the root, no patient data, marked as test data', () => {
    const s = syntheticStudy('1.2.826.0.1.3680043.10.999', random, Date.UTC(2026, 11, 2, 3, 4, 5));
    fs.writeFileSync(path.join(tmp.dir, 's.dump'), s.dump);
    const file = path.join(tmp.dir, 's.dcm');
    const made = spawnSync('dump2dcm', ['--write-xfer-little', path.join(tmp.dir, 's.dump'), file], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expect(tag(file, '0020,000d')).toBe(s.studyUid);
    expect(tag(file, '0008,0018')).toBe(s.sopUid);
    expect(tag(file, '0010,0010')).toBe('EDGEWARD^PROBE');
    expect(tag(file, '0012,0062')).toBe('YES');
    expect(tag(file, '0008,0020')).toBe('20261202');
    for (const uid of [s.studyUid, s.seriesUid, s.sopUid]) {
      expect(uid.startsWith('1.2.826.0.1.3680043.10.999.')).toBe(true);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(uid).toMatch(/^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/);
    }
    expect(new Set([s.studyUid, s.seriesUid, s.sopUid]).size).toBe(3);
    expect(makeUids(undefined, random)[0]).toMatch(/^2\.25\.[1-9]\d{20,39}$/);
    expect(() => makeUids('1.02.3', random)).toThrow('is not a UID root');
    expect(() => makeUids(`1.${'2'.repeat(50)}`, random)).toThrow('too long');
    // The settings refuse a root too long for its UIDs when it is set, not at the first probe (40
    // characters used to pass the schema and fail every probe). The worst case: all-9 random parts.
    const longest = `1.${'2'.repeat(UID_ROOT_MAX - 2)}`;
    const worst = () => new Uint8Array(16).fill(255);
    for (const uid of makeUids(longest, worst, 9_999_999_999_999)) expect(uid.length).toBeLessThanOrEqual(64);
    expect(DicomUidRoot.safeParse(longest).success).toBe(true);
    expect(DicomUidRoot.safeParse(`${longest}1`).error?.issues[0]?.message).toContain('at most 37 characters');
  });

  it('times a round trip through an AI that answers after 300 ms', () => {
    const r = probe({});
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.resultMs!).toBeGreaterThanOrEqual(DELAY_S * 1000);
    expect(r.resultMs!).toBeLessThan(DELAY_S * 1000 + 5000);
    expect(r.sentMs!).toBeLessThanOrEqual(r.resultMs!);
  });

  it('says which AE title the AI ingress did not know', () => {
    const called = probe({ calledAE: 'NOT_THE_AI' });
    expect(called.error).toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/called AE NOT_THE_AI, calling AE EDGEWARD\): .*Called AE Title Not Recognized/),
      next: expect.stringContaining('AE titles'),
    });
    const calling = probe({ callingAE: 'STRANGER' });
    expect(calling.error).toMatchObject({ kind: 'rejected', message: expect.stringContaining('Calling AE Title Not Recognized') });
    // Another calling AE the ingress knows is served.
    expect(probe({ callingAE: 'EW_OTHER' }).ok).toBe(true);
  });

  it('says what failed: nothing listening, and a result that never comes', async () => {
    const refused = probe({ port: await freePort() });
    expect(refused.error).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/^nothing answers DICOM at 127\.0\.0\.1:\d+: .*Connection refused/),
    });
    // The AI sends its results elsewhere: the probe's SCP waits in vain, then says where it waited.
    const lost = probe({ resultPort: await freePort(), timeoutMs: 1500 });
    expect(lost.error).toMatchObject({ kind: 'timeout', next: expect.stringContaining('sends its results to EW_PROBE on port') });
  });

  it('leaves nothing running when the stand-in AI is stopped (its SCP and its AE check go with it)', async () => {
    const front = await freePort();
    const inner = await freePort();
    const ai = spawn(
      path.resolve('test/testbed/ai-ingress.sh'),
      ['serve', 'AI2', String(front), String(inner), '0', '127.0.0.1', '1', 'X', path.join(tmp.dir, 'ai2')],
      {
        stdio: 'ignore',
      },
    );
    await expect.poll(() => listening(front) && listening(inner), { timeout: 5000 }).toBe(true);
    ai.kill('SIGTERM');
    await expect.poll(() => listening(front) || listening(inner), { timeout: 5000 }).toBe(false);
  });

  it('takes nothing from hostile output but what it asked for', () => {
    const t = DicomIngress.parse({ calledAE: 'AI' });
    expect(parseRoundTrip('result_ms=99999999999\nerror=evil\x1b[31m pwned', t, '2.25.1')).toMatchObject({
      ok: false,
      error: { kind: 'store', message: expect.not.stringContaining('\x1b') },
    });
    expect(parseRoundTrip('sent_ms=12\nresult_ms=340\n', t, '2.25.1')).toEqual({ ok: true, sentMs: 12, resultMs: 340, studyUid: '2.25.1' });
    expect(() => DicomIngress.parse({ calledAE: 'AI; rm -rf /' })).toThrow();
  });
});
