import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { multipartBoundary, multipartParts, part10Meta } from '../../../shared/clinical/dicom-part10.js';
import { syntheticStudy } from '../../../shared/clinical/dicom-study.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const tmp = makeTempDir('edgeward-part10-');
afterAll(() => tmp.cleanup());

/** A synthetic instance encoded by dcmtk in the given transfer syntax. */
function instance(xfer: string): { file: Uint8Array; sop: string } {
  const s = syntheticStudy(undefined, (n) => crypto.randomBytes(n));
  const dump = path.join(tmp.dir, `${s.sopUid}.dump`);
  const dcm = path.join(tmp.dir, `${s.sopUid}.dcm`);
  fs.writeFileSync(dump, s.dump);
  const r = spawnSync('dump2dcm', [xfer, dump, dcm], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { file: fs.readFileSync(dcm), sop: s.sopUid };
}

/** dcmdump's reading of a meta header element: the oracle. */
function dcmdumpMeta(file: Uint8Array, tag: string): string {
  const f = path.join(tmp.dir, `oracle-${crypto.randomUUID()}.dcm`);
  fs.writeFileSync(f, file);
  const out = spawnSync('dcmdump', ['-M', '-Un', '+P', tag, f], { encoding: 'utf8' }).stdout;
  return /\[([^\]]*)\]/.exec(out)?.[1] ?? '';
}

describe('a DICOM Part 10 meta header', () => {
  it('gives the UIDs dcmdump reads, whatever the dataset transfer syntax', () => {
    for (const xfer of ['--write-xfer-little', '--write-xfer-big', '--write-xfer-implicit']) {
      const { file, sop } = instance(xfer);
      const meta = part10Meta(file);
      expect(meta, xfer).toEqual({
        sopClassUid: dcmdumpMeta(file, '0002,0002'),
        sopInstanceUid: dcmdumpMeta(file, '0002,0003'),
        transferSyntaxUid: dcmdumpMeta(file, '0002,0010'),
      });
      expect('sopInstanceUid' in meta && meta.sopInstanceUid).toBe(sop);
    }
  });

  it('says what is wrong with a file that is not one, or is cut short', () => {
    const { file } = instance('--write-xfer-little');
    expect(part10Meta(crypto.randomBytes(400))).toEqual({ error: expect.stringContaining('not a DICOM file') });
    expect(part10Meta(file.subarray(0, 150))).toEqual({ error: expect.stringContaining('cut short') });
    // A header that stops after the SOP class: the instance UID is missing, and named so.
    const cut = Uint8Array.from(file);
    const view = new DataView(cut.buffer);
    for (let at = 132; at < cut.length;) {
      const element = view.getUint16(at + 2, true);
      if (element === 0x0003) {
        view.setUint16(at, 0x0008, true);
        break;
      }
      const long = ['OB', 'UN', 'SQ', 'UT'].includes(String.fromCharCode(cut[at + 4]!, cut[at + 5]!));
      at += long ? 12 + view.getUint32(at + 8, true) : 8 + view.getUint16(at + 6, true);
    }
    expect(part10Meta(cut)).toEqual({ error: expect.stringContaining('lacks its SOP class, SOP instance or transfer syntax') });
  });
});

describe('a multipart/related body', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const join = (...xs: Uint8Array[]) => Uint8Array.from(xs.flatMap((x) => [...x]));

  it('splits into its parts byte for byte, even when a part holds CRLF and dashes', () => {
    const a = join(enc('\r\n--not-the-boundary\r\n\r\n'), crypto.randomBytes(300));
    const b = crypto.randomBytes(50);
    const body = join(
      enc('a preamble to ignore\r\n--b0und\r\nContent-Type: application/dicom\r\n\r\n'),
      a,
      enc('\r\n--b0und\r\ncontent-type: application/dicom\r\nContent-Location: x\r\n\r\n'),
      b,
      enc('\r\n--b0und--\r\nan epilogue'),
    );
    const parts = multipartParts(body, multipartBoundary('multipart/related; type="application/dicom"; boundary="b0und"')!);
    expect(parts.map((p) => Buffer.from(p.body).toString('hex'))).toEqual([Buffer.from(a).toString('hex'), Buffer.from(b).toString('hex')]);
    expect(parts[1]!.headers).toEqual({ 'content-type': 'application/dicom', 'content-location': 'x' });
  });

  it('reads the boundary quoted or bare, and has no parts without it', () => {
    expect(multipartBoundary('multipart/related; boundary=abc-1; type="application/dicom"')).toBe('abc-1');
    expect(multipartBoundary('multipart/related; type="application/dicom"; BOUNDARY="a b"')).toBe('a b');
    expect(multipartBoundary('application/dicom')).toBeUndefined();
    expect(multipartParts(enc('--other\r\n\r\nx\r\n--other--'), 'b0und')).toEqual([]);
    // Cut before its closing delimiter: the unfinished part is not taken as whole.
    expect(multipartParts(enc('--b0und\r\n\r\nhalf a part'), 'b0und')).toEqual([]);
  });
});
