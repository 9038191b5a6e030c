/**
 * Just enough of two formats to judge a DICOMweb answer: the parts of a `multipart/related` body
 * (RFC 2046, as WADO-RS sends instances) and the UIDs of a DICOM Part 10 file's meta header
 * (group 0002, always explicit VR little endian, PS3.10 §7.1). Not a DICOM parser: the dataset
 * after the header is never read. Pure, so the renderer and the tests use the same code.
 */

export interface MultipartPart {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The boundary parameter of a multipart content type, quoted or not; undefined when it has none. */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF_CRLF = [13, 10, 13, 10];

function indexOf(hay: Uint8Array, needle: readonly number[], from: number): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts of a multipart body, in order; a body without the boundary has none. */
export function multipartParts(body: Uint8Array, boundary: string): MultipartPart[] {
  const delimiter = [...new TextEncoder().encode(`--${boundary}`)];
  const parts: MultipartPart[] = [];
  let at = indexOf(body, delimiter, 0);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    // "--" right after the delimiter closes the body.
    if (body[afterDelimiter] === 45 && body[afterDelimiter + 1] === 45) break;
    const headerEnd = indexOf(body, CRLF_CRLF, afterDelimiter);
    if (headerEnd < 0) break;
    const next = indexOf(body, [13, 10, ...delimiter], headerEnd + 4);
    if (next < 0) break;
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder().decode(body.subarray(afterDelimiter, headerEnd)).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

export interface Part10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/** VRs whose explicit-VR length is 4 bytes after 2 reserved ones (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** The meta header's UIDs (0002,0002/0003/0010), or what is wrong with the file. */
export function part10Meta(file: Uint8Array): Part10Meta | { error: string } {
  if (file.length < 132 || new TextDecoder().decode(file.subarray(128, 132)) !== 'DICM')
    return { error: 'not a DICOM file (no "DICM" after the 128-byte preamble)' };
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const found: Record<number, string> = {};
  let at = 132;
  while (at + 8 <= file.length && view.getUint16(at, true) === 0x0002) {
    const element = view.getUint16(at + 2, true);
    const vr = String.fromCharCode(file[at + 4]!, file[at + 5]!);
    const long = LONG_VRS.has(vr);
    const length = long ? (at + 12 <= file.length ? view.getUint32(at + 8, true) : -1) : view.getUint16(at + 6, true);
    const start = at + (long ? 12 : 8);
    if (length < 0 || start + length > file.length)
      return { error: `the meta header is cut short at (0002,${element.toString(16).padStart(4, '0')})` };
    if (vr === 'UI') found[element] = new TextDecoder().decode(file.subarray(start, start + length)).replace(/[\0 ]+$/, '');
    at = start + length;
  }
  // Bytes left, but too few for the next element's header: the file ends inside the meta header.
  if (at !== file.length && at + 8 > file.length) return { error: `the meta header is cut short after ${at} bytes` };
  const [sopClassUid, sopInstanceUid, transferSyntaxUid] = [found[0x0002], found[0x0003], found[0x0010]];
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid)
    return { error: 'the meta header lacks its SOP class, SOP instance or transfer syntax UID' };
  return { sopClassUid, sopInstanceUid, transferSyntaxUid };
}

/** Base64 → bytes without Node's Buffer (this also runs in the renderer); bad input → empty. */
export function base64Bytes(b64: string): Uint8Array {
  try {
    return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}
