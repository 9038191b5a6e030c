import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { AuditAction, AuditRecord } from '../../../shared/audit.js';
import { AuditAction as AuditActionSchema, AuditTarget } from '../../../shared/audit.js';
import { processAlive } from '../common/process-alive.js';
import { writeAtomic } from '../common/write-atomic.js';
import type { AuditLog } from './audit-log.js';
import { listLogFiles } from './files.js';
import { DirLock } from './lock.js';

/**
 * Intents whose outcome never came: at start-up, every intent written by a process that is gone
 * (a crash, a kill -9, a power cut) is closed with an "outcome unknown" record that says what to
 * check. The scan resumes from a checkpoint, so a start reads only what was appended since the
 * last one; without a usable checkpoint it reads the whole log.
 */

const OpenEntry = z.strictObject({
  seq: z.number().int().positive(),
  ts: z.string(),
  action: AuditActionSchema,
  target: AuditTarget,
  params: z.record(z.string(), z.unknown()),
  actor: z.strictObject({ osUser: z.string(), operator: z.string() }),
  proc: z.strictObject({ host: z.string(), pid: z.number().int() }).optional(),
});
type OpenEntry = z.infer<typeof OpenEntry>;

const Checkpoint = z.strictObject({
  version: z.literal(1),
  file: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  open: z.array(OpenEntry),
});
type Checkpoint = z.infer<typeof Checkpoint>;

/** What to look at when an action of this kind may or may not have happened. */
export function whatToCheck(action: AuditAction, target: { node?: string; deployment?: string; service?: string }): string {
  const node = target.node ?? '';
  if (action.startsWith('node.') || action === 'nodes.import')
    return `check ${node || 'the inventory'} in the fleet list (edgeward nodes ls)`;
  if (action.startsWith('hostkey.')) return `check the host key pinned for ${node} (Fleet, node details) before trusting it again`;
  if (action === 'deploy.step') return `check the containers of this deployment on ${node} (edgeward deploy drift)`;
  if (action.startsWith('deploy.'))
    return `check the rollout of ${target.deployment ?? node} (edgeward deploy status ${target.deployment ?? node}): resume, roll back or reconcile it`;
  if (action === 'fleet.exec') return 'the command may have run on some nodes: check them before running it again';
  if (action.startsWith('commission.')) return `check the commissioning of ${node} (Commission view) and run it again if it is incomplete`;
  if (action.startsWith('service.'))
    return `check the service ${target.service ?? ''} (edgeward services show ${target.service ?? 'NAME'}) and apply it again if needed`;
  if (action === 'site.windows') return "check the site's maintenance windows (edgeward sites windows) and set them again if needed";
  if (action === 'drill.run')
    return `a failover drill of ${target.service ?? 'a service'} stopped midway: check that ${node || 'the member it took out'} runs and is ready again`;
  if (action === 'probe.dicom')
    return `a DICOM round trip from ${node} stopped midway: its test study may be at the AI ingress; run the probe again`;
  if (action.startsWith('job.'))
    return `a batch job run stopped with its console: its containers may still be on the nodes; remove them with edgeward jobs cancel RUN (edgeward jobs ls shows it as interrupted)`;
  if (action === 'probe.dicomweb')
    return `a DICOMweb probe from ${node} stopped midway: its test instance may be at the PACS; run the probe again`;
  if (action === 'probe.smart') return 'a SMART token request stopped midway: nothing was changed; run it again';
  if (action === 'audit.export') return 'the export file may be incomplete: export again';
  if (action === 'alert.acknowledge') return 'check the alert in the Alerts view and acknowledge it again if needed';
  if (action === 'alert.silence' || action === 'alert.unsilence')
    return 'check the silences in the Alerts view and set or end it again if needed';
  return 'check Settings';
}

interface Scan {
  checkpoint: Checkpoint;
  open: Map<number, OpenEntry>;
}

function readCheckpoint(file: string): Checkpoint | undefined {
  try {
    const parsed = Checkpoint.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the records appended after `from`, a chunk at a time (a log file may be tens of MB). */
function scan(dir: string, from: Checkpoint | undefined): Scan {
  const files = listLogFiles(dir);
  // A checkpoint that does not fit the files (a restored or replaced log) is ignored: read it all.
  const fits = from && files.some((f) => f.n === from.file && fs.statSync(f.file).size >= from.offset);
  const start = fits ? from : { version: 1 as const, file: files[0]?.n ?? 1, offset: 0, open: [] };
  const open = new Map(start.open.map((e) => [e.seq, e]));
  let position = { file: start.file, offset: start.offset };
  for (const f of files) {
    if (f.n < start.file) continue;
    let offset = f.n === start.file ? start.offset : 0;
    const fd = fs.openSync(f.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      let carry = '';
      // A chunk may end inside a multi-byte character: the decoder keeps it for the next one.
      const decoder = new StringDecoder('utf8');
      const chunk = Buffer.alloc(1 << 20);
      let read = offset;
      while (read < size) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - read), read);
        if (n <= 0) break;
        read += n;
        const text = carry + decoder.write(chunk.subarray(0, n));
        const lastNl = text.lastIndexOf('\n');
        if (lastNl < 0) {
          carry = text;
          continue;
        }
        for (const line of text.slice(0, lastNl).split('\n')) {
          offset += Buffer.byteLength(line) + 1;
          // Canonical JSON: the keys only appear like this as keys; most records are neither.
          if (!line.includes('"outcome":"intent"') && !line.includes('"intent":')) continue;
          let r: AuditRecord;
          try {
            r = JSON.parse(line) as AuditRecord;
          } catch {
            continue; // verify reports damaged lines; recovery only needs the readable ones
          }
          if (r.outcome === 'intent') {
            const e = OpenEntry.safeParse({
              seq: r.seq,
              ts: r.ts,
              action: r.action,
              target: r.target,
              params: r.params,
              actor: r.actor,
              proc: r.proc,
            });
            if (e.success) open.set(r.seq, e.data);
          } else if (typeof r.intent === 'number') open.delete(r.intent);
        }
        carry = text.slice(lastNl + 1);
      }
    } finally {
      fs.closeSync(fd);
    }
    position = { file: f.n, offset };
  }
  return { checkpoint: { version: 1, ...position, open: [...open.values()] }, open };
}

/** An intent's process is gone when it ran on this machine and no longer runs. */
const ownerGone = (e: OpenEntry, host: string): boolean => e.proc !== undefined && e.proc.host === host && !processAlive(e.proc.pid);

export async function closeAbandonedIntents(log: AuditLog, host = os.hostname()): Promise<AuditRecord[]> {
  const dir = path.join(log.dir, 'recovery');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'open-intents.json');
  // One process at a time, so two starts never close the same intent twice.
  const lock = new DirLock(dir, 'audit recovery');
  await lock.acquire(30_000);
  try {
    const { checkpoint, open } = scan(log.dir, readCheckpoint(file));
    const closed: AuditRecord[] = [];
    for (const e of open.values()) {
      if (!ownerGone(e, host)) continue;
      const check = whatToCheck(e.action, e.target);
      closed.push(
        await log.append(
          {
            action: e.action,
            target: e.target,
            params: e.params,
            outcome: 'unknown',
            error: `Edgeward (pid ${e.proc!.pid} on ${e.proc!.host}) stopped before it recorded the outcome of this ${e.action}, begun at ${e.ts}: ${check}.`,
            durationMs: 0,
            intent: e.seq,
          },
          e.actor,
        ),
      );
      open.delete(e.seq);
    }
    writeAtomic(file, JSON.stringify({ ...checkpoint, open: [...open.values()] }));
    return closed;
  } finally {
    await lock.release();
  }
}
