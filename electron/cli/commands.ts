import type { Backend } from '../app/backend.js';
import { AuditAction, AuditFilter, type VerifyResult } from '../../shared/audit.js';
import type { AppError, Result } from '../../shared/errors.js';
import { parseAnchor } from '../services/audit/verify.js';
import { formatTable } from './table.js';
import { reportError, type CliOutput } from './output.js';
import { printStatus, watchTelemetry } from './telemetry-commands.js';
import { printNodeStatus } from './node-status.js';
import { runDeployCommand, type DeployCliOptions } from './deploy-commands.js';
import { runCommission } from './commission-commands.js';
import { setCliTimeZone } from './time.js';
import { runAlertsCommand, type AlertCliOptions } from './alert-commands.js';
import { runServiceCommand, type ServiceCliOptions } from './service-commands.js';
import { runDrillCommand, type DrillCliOptions } from './drill-commands.js';
import { runCheckpointCommand, type CheckpointCliOptions } from './checkpoint-commands.js';
import { runForwardCommand, type ForwardCliOptions } from './forward-commands.js';
import { runRegistryCommand, type RegistryCliOptions } from './registry-commands.js';
import { runProbeCommand, type ProbeCliOptions } from './probe-commands.js';
import { runJobCommand, type JobCliOptions } from './job-commands.js';

export type { CliOutput } from './output.js';
import { processIo, runFleetCommand, type CliIo, type FleetCliOptions } from './fleet-commands.js';

export type { CliOptions } from './options.js';

export function usage(): string {
  return `Usage: edgeward [--data-dir DIR] [--json] COMMAND

Commands:
  info                               version, platform and data directory
  settings get                       current settings
  settings set KEY VALUE             change one setting (operatorName, theme, timeZone local|utc); audited
  audit verify [--anchor SEQ:HASH]   check the whole hash chain; exit 1 when broken
  audit head                         the current head (seq and hash), to anchor in a ticket
  audit forward add syslog+tls://HOST:PORT [--format json|atna] [--ca FILE] | ls | status | rm URL | run [--follow]
                                     the audit log to SIEM collectors over syslog (RFC 5424/5425), store-and-forward
  audit checkpoint-key FILE [--name NAME]   a new Ed25519 key for signed checkpoints (0600); prints its verifier key
  audit checkpoint --key FILE [-o FILE]     sign the head now (C2SP tlog-checkpoint note), appended to audit/checkpoints.txt
  audit verify --checkpoints FILE --key VERIFIER
                                     is this the log that produced every checkpoint? (exit 1 if rewritten or truncated)
  audit export --format csv|jsonl [--since T] [--until T] [--node N] [--actor A] [--action X] [-o FILE]
  nodes add NAME --host H [--port P] [--user U] [--key PATH | --agent | --password-stdin]
            [--via GATEWAY[,GATEWAY]] [--site S] [--dept D] [--tag T]... [--role hub|gateway|edge]
  nodes ls | show NAME | rm NAME | disable NAME --reason TEXT | enable NAME
  nodes drain NAME --reason TEXT [--until TIME|4h] | undrain NAME   maintenance: no placements, no notifications (audited)
  nodes import-ssh-config [FILE] [--yes]      (default ~/.ssh/config; previews, imports with --yes)
  nodes import-csv FILE [--yes]
  trust NODE [--fingerprint SHA256:...] [--yes]
  exec (--all | --site S | --tag T | NODE...) [--concurrency N] [--timeout S] [--passphrase-stdin] -- COMMAND...
  telemetry watch NODE [--count N]            live GPU and host frames as they arrive (Ctrl+C stops)
  probe dicom NODE --endpoint NAME            one DICOM round trip through the endpoint's AI ingress, timed (audited;
                                              stores one synthetic test study; exit 1 when it failed)
  probe dicomweb NODE --dicomweb URL          STOW-RS, QIDO-RS and WADO-RS from the node to the PACS (audited; stores
                                              one synthetic test instance; exit 1 when one failed)
  nodes dicom NODE "ENDPOINT CALLED_AE@HOST:PORT [calling=AE] [result=PORT] [resultAE=AE] [timeout=5s] [every=30s] [pacs=URL | find=AE@HOST:PORT]"
  nodes dicom NODE ENDPOINT --clear           an endpoint's DICOM ingress for round trips (audited as a node edit)
  probe smart --fhir URL --client-id ID --scope "system/Patient.rs" [--key-stdin]
                                              SMART discovery and one Backend Services token request (audited; the
                                              token is never shown or kept; exit 1 when refused)
  jobs apply FILE | ls [NAME] | run NAME | cancel RUN | logs RUN [--shard N] [--count N]
                                              batch jobs (kind: job): a run is followed to its end, Ctrl+C cancels it
  fhir client-key --client-id ID              a new ES384 client key kept with safeStorage (desktop app); prints its JWKS
  collector [--listen 127.0.0.1:9464] [--checkpoint-key FILE]
                                              headless: telemetry, alerts, history of the fleet, GET /metrics for Prometheus;
                                              with a key, signs the audit head every 1,000 records or 10 minutes
  status                                      last known state of every node with its age (works offline)
  status NODE                                 one node in full: GPUs, host, containers, endpoints and SLO, open alerts
  deploy validate SPEC                        check a deployment spec; problems with line and field (exit 2)
  deploy apply SPEC [--yes] [--emergency REASON] [--password-stdin]
                                              placement per node, then canary, waves, health gates (exit 1 unless it succeeded);
                                              --emergency runs outside maintenance windows (audited as such);
                                              --password-stdin: the image registry's password, for this run
  registry add HOST [--ca FILE] [--insecure] [--user U] [--password-stdin] | ls | rm HOST | login HOST --password-stdin
                                              the registries pulls use: their CA, plain HTTP, login (audited)
  deploy status NAME                          revisions and the current or last rollout
  deploy rollback NAME [--emergency REASON]   back to the last revision that ran everywhere
  deploy resume NAME | halt NAME              after an interruption: finish the rollout, or leave the nodes as they are
  deploy drift NAME | reconcile NAME          what runs against what should (exit 1 on drift); repair it
  deploy logs NAME --node NODE [--follow]     the deployment's container log on a node
  services ls | show NAME                     clinical services: members by redundancy group, front door, window, changes
  services apply FILE | validate FILE | rm NAME
                                              define a service in YAML (problems with line and field, exit 2); audited
  sites windows [SITE --tz ZONE --window "tue,thu 02:00-04:00"... | SITE --clear]
                                              a site's maintenance windows, in its time zone (audited)
  drill SERVICE [--member NODE] [--seconds N] [--report FILE] [--outside-window REASON]
                                              failover drill: one member out, the service probed, the member put back (exit 1 on fail)
  drill verify REPORT                         is this drill report the one Edgeward recorded? (its hash in the audit log)
  alerts [--all] [--node N]                   what fires now, since when, who acknowledged (--all: resolved too)
  alerts history [--node N] [--limit N]       every firing, resolving and acknowledgement, newest first
  alerts ack ID [--note TEXT]                 acknowledge an alert, with a note (audited, as in the Alerts view)
     [--alertmanager-silence 2h]              … and silence it that long in the Alertmanagers (the page stops repeating)
  alerts silence (ID | --node N [--rule R]) --for 2h --reason TEXT
                                              silence matching alerts for 5m..7d: no notification, out of the count (audited)
  alerts silences                             silences in force and recent ones
  alerts unsilence SILENCE-ID                 end a silence now (audited)
  commission NODE --profile FILE --signer NAME --role ROLE [--report OUT.html]
                                              check a new GPU server against a hardware profile and sign off as NAME (ROLE)
                                              (exit 1 on fail, 3 when checks could not run: resume later)
  commission resume NODE --signer NAME --role ROLE [--report OUT.html]
                                              run the checks a cut-short commissioning did not finish, then sign off
  commission reports NODE                     signed-off commissionings of a node
  commission verify REPORT                    is this report the one Edgeward produced? (its hash in the audit log)

Global options:
  --data-dir DIR   where Edgeward keeps its data (default: EDGEWARD_DATA_DIR or the per-user folder)
  --json           machine-readable output
Exit status: 0 ok, 1 operation failed, 2 usage or validation error.
`;
}

/** Validation errors are the caller's to fix (2); anything else means the operation failed (1). */
function report(result: Result<unknown>, out: CliOutput): number {
  return result.ok ? 0 : reportError(result.error, out);
}

function usageError(message: string, out: CliOutput): number {
  out.error(`edgeward: ${message}\n\n${usage()}`);
  return 2;
}

function show(value: Record<string, unknown>, out: CliOutput): void {
  if (out.json) out.print(JSON.stringify(value));
  else
    out.print(
      formatTable(
        ['KEY', 'VALUE'],
        Object.entries(value).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      ),
    );
}

function printVerify(result: VerifyResult, out: CliOutput): number {
  if (out.json) out.print(JSON.stringify(result));
  else if (result.intact) {
    out.print(
      `intact: ${result.records} records in ${result.files} file${result.files === 1 ? '' : 's'}; head seq ${result.head.seq} ${result.head.hash}`,
    );
    if (result.anchor) out.print(`anchor seq ${result.anchor.seq} found with the same hash`);
  } else {
    out.print(`BROKEN (${result.kind}) at ${result.file} line ${result.line}, seq ${result.seq}: ${result.message}`);
    out.print(`${result.records} records verified before the break.`);
  }
  return result.intact ? 0 : 1;
}

export async function runCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: FleetCliOptions &
    AlertCliOptions &
    ServiceCliOptions &
    DeployCliOptions &
    DrillCliOptions &
    CheckpointCliOptions &
    ForwardCliOptions &
    ProbeCliOptions = {},
  io: CliIo = processIo,
): Promise<number> {
  const ctx = { transport: 'cli' as const, clientId: 'cli' };
  const { router } = backend;
  const [command, sub, ...rest] = args;
  setCliTimeZone(backend.settings.get().timeZone);

  if (command === 'info' && sub === undefined) {
    const result = await router.invoke('app.info', {}, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }
  if (command === 'settings' && sub === 'get' && rest.length === 0) {
    const result = await router.invoke('settings.get', {}, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }
  if (command === 'settings' && sub === 'set' && rest.length === 2) {
    const [key, value] = rest as [string, string];
    const result = await router.invoke('settings.set', { [key]: value }, ctx);
    if (result.ok) show(result.value as Record<string, unknown>, out);
    return report(result, out);
  }

  const registry = await runRegistryCommand(backend, args, out, opts as RegistryCliOptions, io, (m) => usageError(m, out));
  if (registry !== undefined) return registry;
  const forward = await runForwardCommand(backend, args, out, opts as ForwardCliOptions, (m) => usageError(m, out));
  if (forward !== undefined) return forward;
  const checkpoint = await runCheckpointCommand(backend, args, out, opts as CheckpointCliOptions, (m) => usageError(m, out));
  if (checkpoint !== undefined) return checkpoint;
  if (command === 'audit' && sub === 'head' && rest.length === 0) {
    const head = await backend.audit.verify();
    // The head of an intact chain only: anchoring a broken log would certify the damage.
    if (!head.intact) return printVerify(head, out);
    if (out.json) out.print(JSON.stringify(head.head));
    else out.print(`${head.head.seq}:${head.head.hash}`);
    return 0;
  }
  if (command === 'audit' && sub === 'verify' && rest.length === 0) {
    let anchor;
    if (opts.anchor !== undefined) {
      anchor = parseAnchor(opts.anchor);
      if (!anchor) return usageError(`--anchor must be SEQ:HASH (64 hex digits), got ${JSON.stringify(opts.anchor)}`, out);
    }
    return printVerify(await backend.audit.verify(anchor), out);
  }
  if (command === 'audit' && sub === 'export' && rest.length === 0) {
    if (opts.format !== 'csv' && opts.format !== 'jsonl') return usageError('--format must be csv or jsonl', out);
    if (opts.action !== undefined && !AuditAction.safeParse(opts.action).success) {
      return usageError(`--action must be one of: ${AuditAction.options.join(', ')}`, out);
    }
    const filter = AuditFilter.safeParse({ since: opts.since, until: opts.until, node: opts.node, actor: opts.actor, action: opts.action });
    if (!filter.success) return usageError(filter.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), out);
    try {
      const result = await backend.audit.export(opts.format, filter.data, opts.output);
      if (out.json) out.print(JSON.stringify(result));
      else out.print(`exported ${result.count} records to ${result.file} (sha256 ${result.sha256})`);
      return 0;
    } catch (err) {
      const e = err as { appError?: AppError; message?: string };
      return reportError(
        e.appError ?? { code: 'INTERNAL', message: `export failed: ${e.message}`, action: 'Check the output path and retry.' },
        out,
      );
    }
  }
  if (command === 'telemetry' && sub === 'watch' && rest.length === 1) return watchTelemetry(backend, rest[0]!, out, opts);
  if (command === 'status' && sub === undefined) return printStatus(backend, out);
  if (command === 'status' && sub !== undefined && rest.length === 0) return printNodeStatus(backend, sub, out);
  if (command === 'alerts') return runAlertsCommand(backend, args.slice(1), out, opts, (m) => usageError(m, out));
  if (command === 'commission')
    return runCommission(backend, sub, rest, out, opts as { profile?: string; report?: string; signer?: string; role?: string }, (m) =>
      usageError(m, out),
    );
  const job = await runJobCommand(backend, args, out, opts as JobCliOptions, (m) => usageError(m, out));
  if (job !== undefined) return job;
  const probe = await runProbeCommand(backend, args, out, opts, io, (m) => usageError(m, out));
  if (probe !== undefined) return probe;
  const drill = await runDrillCommand(backend, args, out, opts as DrillCliOptions, (m) => usageError(m, out));
  if (drill !== undefined) return drill;
  const service = await runServiceCommand(backend, args, out, opts as ServiceCliOptions, (m) => usageError(m, out));
  if (service !== undefined) return service;
  const deploy = await runDeployCommand(backend, args, out, opts as DeployCliOptions, io, (m) => usageError(m, out));
  if (deploy !== undefined) return deploy;
  const fleet = await runFleetCommand(backend, args, out, opts, io, (m) => usageError(m, out));
  if (fleet !== undefined) return fleet;
  return usageError(`unknown command: ${args.join(' ')}`, out);
}
