import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { hashesAt } from './verify.js';
import { verifyLogParallel } from './verify-parallel.js';

/**
 * Signed checkpoints of the audit log: every so often the head (seq and hash) is signed with
 * Ed25519 as a C2SP tlog-checkpoint in the signed-note format. A checkpoint kept elsewhere (the
 * SIEM, a ticket) is an outside witness: a log rewritten afterwards, even with a correct hash chain,
 * no longer has that hash at that seq, and a new checkpoint for it needs the private key.
 *
 *   <origin>\n<seq>\n<base64 head hash>\n\n— <key name> <base64(key id ‖ signature)>\n
 */
const ALG_ED25519 = 0x01;

export interface CheckpointKey {
  name: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

const rawPublic = (k: crypto.KeyObject) => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');

/** The 4-byte key id of a signed note: SHA-256(name ‖ "\n" ‖ alg ‖ public key), first four bytes. */
function keyId(name: string, pub: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([ALG_ED25519]), pub]))
    .digest()
    .subarray(0, 4);
}

/** The verifier key as notes spell it: `name+keyidhex+base64(alg ‖ public key)`. */
export function verifierKey(k: Pick<CheckpointKey, 'name' | 'publicKey'>): string {
  const pub = rawPublic(k.publicKey);
  return `${k.name}+${keyId(k.name, pub).toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), pub]).toString('base64')}`;
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** A new key, and its text: PKCS#8 PEM after a first line that names it (a key file, or a kept secret). */
export function createKey(name: string): { key: CheckpointKey; text: string } {
  if (!KEY_NAME.test(name))
    throw new AppErrorException(appError('VALIDATION', `"${name}" is not a key name`, 'Use letters, digits, ".", "_", "/", "-".'));
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    key: { name, privateKey, publicKey },
    text: `# edgeward checkpoint key: ${name}\n${privateKey.export({ format: 'pem', type: 'pkcs8' }) as string}`,
  };
}

/** A new key, written as a 0600 key file. */
export function createKeyFile(file: string, name: string): CheckpointKey {
  const { key, text } = createKey(name);
  fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  return key;
}

/** The key in a key's text; `where` names it in errors. */
export function parseKey(text: string, where: string): CheckpointKey {
  const name = /^# edgeward checkpoint key: (\S+)$/m.exec(text)?.[1];
  if (!name || !KEY_NAME.test(name) || !text.includes('-----BEGIN'))
    throw new AppErrorException(
      appError('VALIDATION', `${where} is not an Edgeward checkpoint key`, 'Make one with audit checkpoint-key.'),
    );
  const privateKey = crypto.createPrivateKey(text.slice(text.indexOf('-----BEGIN')));
  return { name, privateKey, publicKey: crypto.createPublicKey(privateKey) };
}

export function readKeyFile(file: string): CheckpointKey {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppErrorException(
      appError(
        'NOT_FOUND',
        `Cannot read the checkpoint key ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        'Give the key file made by audit checkpoint-key.',
      ),
    );
  }
  if ((fs.statSync(file).mode & 0o077) !== 0)
    throw new AppErrorException(appError('VALIDATION', `${file} can be read by others`, `Make it private first: chmod 600 ${file}`));
  return parseKey(text, file);
}

/** Where a data directory's checkpoints go unless told otherwise (and where forwarding reads them). */
export const checkpointsFile = (auditDir: string) => path.join(auditDir, 'checkpoints.txt');
export const checkpointOrigin = () => `edgeward/${os.hostname()}/audit`;

/** The record a checkpoint note signs: the second line of its body. */
export const checkpointSeq = (note: string) => Number(note.split('\n')[1]);

/** A signed checkpoint of the head. */
export function signCheckpoint(key: CheckpointKey, origin: string, head: { seq: number; hash: string }): string {
  const body = `${origin}\n${head.seq}\n${Buffer.from(head.hash, 'hex').toString('base64')}\n`;
  const sig = crypto.sign(null, Buffer.from(body), key.privateKey);
  return `${body}\n\u2014 ${key.name} ${Buffer.concat([keyId(key.name, rawPublic(key.publicKey)), sig]).toString('base64')}\n`;
}

export interface CheckedCheckpoint {
  seq: number;
  hash: string;
  ok: boolean;
  problem?: string;
}

/** Parses a verifier key `name+id+base64`. */
function parseVerifier(vkey: string): { name: string; id: Buffer; publicKey: crypto.KeyObject } {
  // The key data is base64 and may hold '+': only the first two separate fields.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey.trim());
  const [, name, idHex, b64] = m ?? [];
  const raw = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  if (!name || !idHex || raw.length !== 33 || raw[0] !== ALG_ED25519)
    throw new AppErrorException(
      appError('VALIDATION', 'Not a verifier key (NAME+KEYID+BASE64, Ed25519)', 'Give the key that audit checkpoint-key printed.'),
    );
  const pub = raw.subarray(1);
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' });
  if (!keyId(name, pub).equals(Buffer.from(idHex, 'hex')))
    throw new AppErrorException(appError('VALIDATION', 'The verifier key id does not match its key', 'Copy the whole key again.'));
  return { name, id: Buffer.from(idHex, 'hex'), publicKey };
}

/** Notes in a file, one after the other: each a checkpoint body, a blank line, its signature lines. */
export function splitNotes(text: string): string[] {
  const parts = text
    .split('\n\n')
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter(Boolean);
  const notes: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const body = parts[i]!;
    if (body.startsWith('\u2014')) continue;
    const sigs = parts[i + 1]?.startsWith('\u2014') ? parts[++i]! : '';
    notes.push(`${body}\n\n${sigs}\n`);
  }
  return notes;
}

/**
 * Every checkpoint in `text`, checked: signed by the key, and the log (itself intact) still has
 * that hash at that seq. A rewritten or truncated log fails, however good its own chain is.
 */
export async function verifyCheckpoints(
  dir: string,
  text: string,
  vkey: string,
): Promise<{ intact: boolean; chain: string; checkpoints: CheckedCheckpoint[] }> {
  const v = parseVerifier(vkey);
  const parsed = splitNotes(text).map((note): CheckedCheckpoint => {
    const split = note.indexOf('\n\n');
    const body = split >= 0 ? note.slice(0, split + 1) : note;
    const [, seqText = '', hashB64 = ''] = body.split('\n');
    const seq = Number(seqText);
    const hash = Buffer.from(hashB64, 'base64').toString('hex');
    const sigs =
      split >= 0
        ? note
            .slice(split + 2)
            .split('\n')
            .filter(Boolean)
        : [];
    const mine = sigs
      .map((l) => /^\u2014 (\S+) (\S+)$/.exec(l))
      .find((m) => m?.[1] === v.name && Buffer.from(m[2]!, 'base64').subarray(0, 4).equals(v.id));
    if (!mine) return { seq, hash, ok: false, problem: `no signature by ${v.name} on this checkpoint` };
    const sig = Buffer.from(mine[2]!, 'base64').subarray(4);
    if (!crypto.verify(null, Buffer.from(body), v.publicKey, sig))
      return { seq, hash, ok: false, problem: 'the signature does not verify: the checkpoint was altered or signed by another key' };
    if (!Number.isInteger(seq) || seq < 0 || hash.length !== 64)
      return { seq, hash, ok: false, problem: 'not a checkpoint of this log format' };
    return { seq, hash, ok: true };
  });
  const chain = (await verifyLogParallel(dir)).result;
  const at = hashesAt(dir, new Set(parsed.filter((c) => c.ok).map((c) => c.seq)));
  const checkpoints = parsed.map((c) => {
    if (!c.ok) return c;
    const now = at.get(c.seq);
    if (now === undefined) return { ...c, ok: false, problem: `the log has no record ${c.seq} any more: it was truncated or rewritten` };
    if (now !== c.hash)
      return {
        ...c,
        ok: false,
        problem: `record ${c.seq} has hash ${now.slice(0, 16)}…, the checkpoint says ${c.hash.slice(0, 16)}…: the log was rewritten since`,
      };
    return c;
  });
  const chainText = chain.intact ? `intact, head seq ${chain.head.seq}` : `BROKEN (${chain.kind}) at seq ${chain.seq}: ${chain.message}`;
  return { intact: chain.intact && checkpoints.length > 0 && checkpoints.every((c) => c.ok), chain: chainText, checkpoints };
}

/**
 * Signs the head every `every` records or `everyMs`, whichever comes first, appending to `file`.
 * Runs in long-running processes that were given a key.
 */
export function startCheckpointing(
  log: { head(): { seq: number; hash: string }; onAppend(l: (r: AuditRecord[]) => void): () => void },
  key: CheckpointKey,
  origin: string,
  file: string,
  o: { every?: number; everyMs?: number; onError?: (err: unknown) => void } = {},
): () => void {
  let last = 0;
  const sign = () => {
    const head = log.head();
    if (head.seq === last || head.seq === 0) return;
    try {
      fs.appendFileSync(file, `${signCheckpoint(key, origin, head)}\n`, { mode: 0o600 });
      last = head.seq;
    } catch (err) {
      o.onError?.(err);
    }
  };
  const stop = log.onAppend(() => {
    if (log.head().seq - last >= (o.every ?? 1000)) sign();
  });
  const timer = setInterval(sign, o.everyMs ?? 10 * 60_000);
  timer.unref();
  return () => {
    stop();
    clearInterval(timer);
    sign();
  };
}
