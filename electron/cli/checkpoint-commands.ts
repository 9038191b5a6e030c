import fs from 'node:fs';
import os from 'node:os';
import type { Backend } from '../app/backend.js';
import { AppErrorException } from '../../shared/errors.js';
import {
  checkpointOrigin,
  checkpointsFile,
  createKeyFile,
  readKeyFile,
  signCheckpoint,
  verifierKey,
  verifyCheckpoints,
} from '../services/audit/checkpoints.js';
import { reportError, type CliOutput } from './output.js';

export interface CheckpointCliOptions {
  key?: string;
  checkpoints?: string;
  name?: string;
  output?: string;
}

/**
 * `audit checkpoint-key FILE [--name NAME]`, `audit checkpoint --key FILE [-o FILE]`,
 * `audit verify --checkpoints FILE --key VERIFIER`: Ed25519-signed checkpoints of the head.
 */
export async function runCheckpointCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: CheckpointCliOptions,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, ...rest] = args;
  if (command !== 'audit') return undefined;
  const auditDir = backend.audit.log.dir;
  try {
    if (sub === 'checkpoint-key') {
      if (rest.length !== 1) return usageError('audit checkpoint-key needs the file to write the private key to');
      const key = createKeyFile(rest[0]!, opts.name ?? `edgeward-${os.hostname()}`);
      if (out.json) out.print(JSON.stringify({ file: rest[0], verifier: verifierKey(key) }));
      else {
        out.print(`private key written to ${rest[0]} (0600); give it to the collector, and keep this verifier key with the SIEM:`);
        out.print(verifierKey(key));
      }
      return 0;
    }
    if (sub === 'checkpoint' && rest.length === 0) {
      if (!opts.key) return usageError('audit checkpoint needs --key FILE (made by audit checkpoint-key)');
      const chain = await backend.audit.verify();
      if (!chain.intact) {
        out.error(`Not signed: the log is broken (${chain.kind} at seq ${chain.seq}). A checkpoint would certify the damage.`);
        return 1;
      }
      const note = signCheckpoint(readKeyFile(opts.key), checkpointOrigin(), chain.head);
      const file = opts.output ?? checkpointsFile(auditDir);
      fs.appendFileSync(file, `${note}\n`, { mode: 0o600 });
      out.print(out.json ? JSON.stringify({ file, seq: chain.head.seq, note }) : `${note}(appended to ${file})`);
      return 0;
    }
    if (sub === 'verify' && opts.checkpoints !== undefined) {
      if (!opts.key) return usageError('audit verify --checkpoints FILE needs --key VERIFIER (the NAME+ID+KEY line, or a file holding it)');
      const vkey = fs.existsSync(opts.key) ? fs.readFileSync(opts.key, 'utf8').trim() : opts.key;
      const r = await verifyCheckpoints(auditDir, fs.readFileSync(opts.checkpoints, 'utf8'), vkey);
      if (out.json) out.print(JSON.stringify(r));
      else {
        out.print(`chain: ${r.chain}`);
        for (const c of r.checkpoints) out.print(`checkpoint seq ${c.seq}: ${c.ok ? 'matches the log' : `FAILS: ${c.problem}`}`);
        if (!r.checkpoints.length) out.print('no checkpoint in the file');
        out.print(r.intact ? 'intact: the log is the one that produced every checkpoint' : 'NOT intact');
      }
      return r.intact ? 0 : 1;
    }
    return undefined;
  } catch (e) {
    if (e instanceof AppErrorException) return reportError(e.appError, out);
    return reportError({ code: 'INTERNAL', message: (e as Error).message, action: 'Check the files given.' }, out);
  }
}
