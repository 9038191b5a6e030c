import { Router } from '../ipc/router.js';
import { registerCore } from './register/core.js';
import { registerFleet } from './register/fleet.js';
import { registerTelemetry } from './register/telemetry.js';
import { registerClinical } from './register/clinical.js';
import { registerJobs } from './register/jobs.js';
import type { JobRunner } from '../services/jobs/job-runner.js';
import { dicomSeries } from '../../shared/clinical/dicom-target.js';
import { registerDeploy } from './register/deploy.js';
import { registerCommission } from './register/commission.js';
import { registerServices } from './register/services.js';
import { registerForwarding } from './register/forwarding.js';
import { ServiceStore } from '../services/service/service-store.js';
import { ServiceCatalog } from '../services/service/service-catalog.js';
import { ChangeGuard } from '../services/service/change-guard.js';
import { DrillService } from '../services/service/drill-service.js';
import { startServiceRecorder } from '../services/service/service-recorder.js';
import { AlertmanagerPusher } from '../services/telemetry/alertmanager.js';
import { AuditForwarding } from '../services/audit/forwarder.js';
import { checkpointsFile } from '../services/audit/checkpoints.js';
import { CheckpointSigning } from '../services/audit/checkpoint-signing.js';
import { followMetricsSetting } from '../services/metrics/metrics-server.js';
import type { QueueDepth } from '../../shared/metrics/exposition.js';
import { readyOfSpec } from '../services/deploy/rollout-gate.js';
import { DocumentShelf } from '../ipc/document-shelf.js';
import { startDrainExpiry } from '../services/fleet/drain-expiry.js';
import { isDrained } from '../../shared/fleet.js';
import { ProfileLibrary } from '../services/commission/profile-library.js';
import { checkFramesFromEnv, recordFrameViolation } from '../ipc/frame-check.js';
import { SettingsService } from '../services/settings/settings-service.js';
import { Heartbeat } from '../services/heartbeat/heartbeat.js';
import { AuditService } from '../services/audit/audit-service.js';
import { closeAbandonedIntents } from '../services/audit/open-intents.js';
import type { AuditRecord } from '../../shared/audit.js';
import os from 'node:os';
import path from 'node:path';
import { Inventory } from '../services/fleet/inventory.js';
import { FleetRunner } from '../services/fleet/fleet-runner.js';
import { KnownHostsStore } from '../services/ssh/known-hosts.js';
import { SshPool, type KeyboardInteractivePrompt, type PoolOptions } from '../services/ssh/pool.js';
import { MemorySecretStore, type SecretStore } from '../services/ssh/secrets.js';
import { PromptBroker } from '../services/ssh/prompts.js';
import { TelemetryService, type TelemetryOptions } from '../services/telemetry/telemetry-service.js';
import { HistoryStore } from '../services/telemetry/history.js';
import { AlertEngine } from '../services/telemetry/alerts.js';
import { AlertStore } from '../services/telemetry/alert-store.js';
import { AppErrorException } from '../../shared/errors.js';
import type { Alert, AlertThresholds } from '../../shared/alerts.js';
import { DeployService } from '../services/deploy/deploy-service.js';
import { CommissionService } from '../services/commission/commission-service.js';
import { Claims } from '../services/store/claims.js';
import { stateDbFile } from '../services/store/state-db.js';

export interface BackendOptions {
  dataDir: string;
  /** One-time documents (a server started before the back end passes its own shelf). */
  documents?: DocumentShelf;
  transport: 'electron' | 'loopback' | 'cli';
  heartbeatIntervalMs?: number;
  /** Audit file rotation size (tests use a tiny one). */
  auditMaxFileBytes?: number;
  /** How often batch jobs look at their running shards (tests use a short one). */
  jobPollMs?: number;
  /** Passwords and passphrases; the desktop app passes one encrypted with safeStorage. */
  secrets?: SecretStore;
  /** OpenSSH's known_hosts consulted on first contact (default ~/.ssh/known_hosts). */
  userKnownHostsFile?: string;
  ssh?: Partial<PoolOptions>;
  telemetry?: Partial<TelemetryOptions>;
  alertThresholds?: AlertThresholds;
  /** Desktop notification for a new alert (the Electron adapter); absent elsewhere. */
  notify?: (alert: Alert) => void;
  /** Keep every enabled node's agent session running, so alerts fire with no window open (the app does). */
  watchFleet?: boolean;
  prompt?: KeyboardInteractivePrompt;
  /** The better-sqlite3 addon built for this runtime (the desktop app under `npm start` passes Electron's). */
  sqliteBinding?: string;
  /** How often firing alerts are re-sent to Alertmanager (default 30 s). */
  alertmanagerResendMs?: number;
  /** How often long-running processes probe each service for its availability (default 30 s). */
  serviceProbeEveryMs?: number;
  /** Prints HTML to PDF: the desktop app's printToPDF, for signed reports. */
  printPdf?: (html: string) => Promise<Buffer>;
}

export interface Backend {
  router: Router;
  settings: SettingsService;
  audit: AuditService;
  inventory: Inventory;
  pool: SshPool;
  runner: FleetRunner;
  telemetry: TelemetryService;
  history: HistoryStore;
  alerts: AlertEngine;
  deploy: DeployService;
  commission: CommissionService;
  services: ServiceCatalog;
  guard: ChangeGuard;
  drills: DrillService;
  /** The audit log forwarded to SIEM collectors over syslog. */
  forwarding: AuditForwarding;
  /** Signed checkpoints with a key kept in the secret store (the desktop app). */
  checkpoints: CheckpointSigning;
  /** The console's own queue depths (history writes, SIEM lag, Alertmanager resolutions), for /metrics. */
  queues(): QueueDepth[];
  secrets: SecretStore;
  /** Batch jobs (kind: job) and their runs. */
  jobs: JobRunner;
  /** One-time documents for the loopback server (reports opened in a new tab). */
  documents: DocumentShelf;
  /** The "outcome unknown" records this start wrote. */
  unknownOutcomes: AuditRecord[];
  close(): Promise<void>;
}

/**
 * The one place where services are built and wired to channels and topics. Electron, the loopback
 * server, the CLI and the tests all start from here, so they run the same code.
 */
export async function createBackend(options: BackendOptions): Promise<Backend> {
  const startedAt = new Date().toISOString();
  const settings = SettingsService.open(options.dataDir);
  const audit = await AuditService.open(options.dataDir, () => settings.get().operatorName, { maxFileBytes: options.auditMaxFileBytes });
  // Actions a dead process began and never finished are closed as "outcome unknown", each saying what to check.
  const unknownOutcomes = await closeAbandonedIntents(audit.log);
  for (const r of unknownOutcomes) process.stderr.write(`edgeward: outcome unknown (audit #${r.intent}): ${r.error}\n`);
  const heartbeat = new Heartbeat(options.heartbeatIntervalMs);
  const inventory = Inventory.open(options.dataDir, audit.log, options.sqliteBinding);
  const secrets = options.secrets ?? new MemorySecretStore();
  // Keyboard-interactive questions go to the window (the CLI passes its own terminal prompt).
  const prompts = new PromptBroker();
  const knownHosts = new KnownHostsStore(path.join(options.dataDir, 'known_hosts'));
  // Pins from before pins were per node (keyed by address) move to the nodes at that address, once.
  const migration = knownHosts.planMigration(inventory.list());
  if (migration) {
    // One action: the file is rewritten once; each node's move is named in it.
    await audit.log.perform(
      {
        action: 'hostkey.migrate',
        params: { from: migration.moved.map((m) => `${m.node} <- ${m.from}`), file: knownHosts.file, keptAs: migration.keptAs },
      },
      (intent) => knownHosts.applyMigration(migration, intent),
    );
  }
  const pool = new SshPool({
    getNode: (name) => inventory.get(name),
    knownHosts,
    userKnownHostsFile: options.userKnownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
    secrets,
    audit: audit.log,
    prompt: options.prompt ?? prompts.ask,
    ...(options.ssh ? { options: options.ssh } : {}),
  });
  const runner = new FleetRunner(pool, inventory, audit.log);
  const history = new HistoryStore(path.join(options.dataDir, 'telemetry.db'), options.sqliteBinding);
  // A damaged or unwritable history never stops the console: it says so, in the audit log too.
  const historyTroubles: Promise<unknown>[] = [];
  history.onTrouble((t) => {
    process.stderr.write(`edgeward: ${t.message}\n`);
    historyTroubles.push(
      audit.log
        .append({
          action: 'telemetry.history_trouble',
          params: {
            kind: t.kind,
            message: t.message,
            file: path.join(options.dataDir, 'telemetry.db'),
            ...(t.movedTo ? { movedTo: t.movedTo } : {}),
          },
          outcome: 'failed',
          error: t.message,
          durationMs: 0,
        })
        .catch((err: unknown) => process.stderr.write(`edgeward: could not record it in the audit log: ${String(err)}\n`)),
    );
  });
  await Promise.all(historyTroubles);
  // A drained node's alerts are recorded and shown, but wake no one: its maintenance raises them.
  const notify = options.notify;
  const alerts = new AlertEngine(
    audit.log,
    options.alertThresholds,
    notify
      ? (a) => {
          const n = inventory.get(a.node);
          if (!n || !isDrained(n)) notify(a);
        }
      : undefined,
    () => settings.get().operatorName || 'operator',
    openAlertStore(stateDbFile(options.dataDir), options.sqliteBinding),
  );
  alerts.useAlertmanagers(() => settings.get().alertmanagers);
  const telemetry = new TelemetryService(pool, inventory, audit.log, options.telemetry, history, alerts, () => settings.get().slo);
  const who = () => settings.get().operatorName || 'operator';
  const services = new ServiceCatalog(ServiceStore.open(stateDbFile(options.dataDir), options.sqliteBinding), inventory, audit.log, who);
  // The deployment's own health check is each member's readiness, unless the service names one.
  const late: { deploy?: DeployService } = {};
  const guard = new ChangeGuard(services, inventory, pool, (name) => {
    try {
      const spec = late.deploy?.store.revisions(name).at(-1)?.spec;
      return spec ? readyOfSpec(spec) : undefined;
    } catch {
      return undefined;
    }
  });
  const deploy = new DeployService({
    guard,
    pool,
    inventory,
    audit: audit.log,
    secrets,
    dataDir: options.dataDir,
    who: () => settings.get().operatorName || 'operator',
    env: process.env,
    registries: () => settings.get().registries,
    ...(options.sqliteBinding ? { sqliteBinding: options.sqliteBinding } : {}),
    sloBreach: (node, hostPort) => {
      // The node's endpoint on that port, and a burn-rate alert firing for it now.
      const ep = inventory.get(node)?.endpoints.find((e) => e.port === hostPort);
      const alert =
        ep &&
        alerts
          .list()
          .find(
            (a) =>
              a.rule === 'slo-burn' &&
              a.node === node &&
              (a.endpoint === ep.name || a.endpoint === dicomSeries(ep.name)) &&
              a.state === 'firing',
          );
      return alert?.message;
    },
    unfitNodes: () => {
      // Critical hardware, not a burning SLO: a new revision may be the fix for that.
      const out = new Map<string, string>();
      for (const a of alerts.list())
        if (a.state === 'firing' && a.severity === 'critical' && a.rule !== 'slo-burn' && a.rule !== 'node-unreachable' && !out.has(a.node))
          out.set(a.node, a.message);
      return out;
    },
    watchNodes: (nodes) => {
      const stops = nodes.map((n) => telemetry.watch(n, () => undefined));
      return () => stops.forEach((stop) => stop());
    },
  });
  late.deploy = deploy;
  await deploy.recoverInterrupted();
  const commission = new CommissionService(
    pool,
    inventory,
    audit.log,
    audit.index,
    options.dataDir,
    () => settings.get().operatorName || os.userInfo().username,
    Claims.open(stateDbFile(options.dataDir), options.sqliteBinding),
    () => settings.get().timeZone,
  );
  const router = new Router(checkFramesFromEnv() ? recordFrameViolation : undefined);

  registerCore(router, { transport: options.transport, dataDir: options.dataDir, startedAt, settings, audit, heartbeat });
  registerFleet(router, { inventory, pool, knownHosts, audit, secrets, runner, prompts, guard });
  registerTelemetry(router, { pool, telemetry, history, alerts, inventory, settings, secrets });
  registerClinical(router, { pool, inventory, audit: audit.log, secrets });
  registerDeploy(router, { deploy, audit, secrets });
  const jobs = registerJobs(router, {
    dataDir: options.dataDir,
    pool,
    inventory,
    audit: audit.log,
    who,
    ...(options.sqliteBinding ? { sqliteBinding: options.sqliteBinding } : {}),
    ...(options.jobPollMs ? { pollMs: options.jobPollMs } : {}),
    siteZone: (site) => services.store.siteWindows().get(site)?.timeZone,
    windowOf: (node, at) => guard.nodeWindow(node, at),
    schedule: options.transport !== 'cli',
  });
  const drills = new DrillService({
    catalog: services,
    guard,
    pool,
    deployStore: () => deploy.store,
    audit: audit.log,
    index: audit.index,
    dataDir: options.dataDir,
    who,
    slo: () => settings.get().slo,
    zone: () => settings.get().timeZone,
  });
  const documents = options.documents ?? new DocumentShelf();
  registerServices(router, {
    documents,
    catalog: services,
    guard,
    drills,
    deployStore: () => deploy.store,
    audit: audit.index,
    slo: () => settings.get().slo,
    history,
  });
  registerCommission(router, {
    commission,
    profiles: new ProfileLibrary(options.dataDir, audit.log),
    documents,
    ...(options.printPdf ? { printPdf: options.printPdf } : {}),
  });

  // Long-running processes record each service's availability, as clinicians would reach it.
  const stopServiceRecorder =
    options.transport === 'cli'
      ? undefined
      : startServiceRecorder(services, guard, history, options.serviceProbeEveryMs ?? 30_000, (e) =>
          console.error('Probing services failed:', e),
        );
  // Long-running processes push alerts to the hospital's Alertmanagers, when Settings names any.
  const pusher =
    options.transport === 'cli'
      ? undefined
      : new AlertmanagerPusher(alerts, {
          urls: () => settings.get().alertmanagers,
          context: (node) => {
            const n = inventory.get(node);
            const serving = services.servicesWithMember(node).map((s) => s.name);
            return {
              ...(n ? { site: n.site, department: n.department } : {}),
              ...(serving.length ? { service: serving.join(',') } : {}),
            };
          },
          quiet: (a) => a.silenced !== undefined || isDrained(inventory.get(a.node) ?? {}),
          queueFile: path.join(options.dataDir, 'alertmanager-queue.json'),
          ...(options.alertmanagerResendMs ? { resendMs: options.alertmanagerResendMs } : {}),
          onError: (url, message) => process.stderr.write(`edgeward: Alertmanager ${url}: ${message}\n`),
        });
  const stopPusher = pusher?.start();
  const forwarding = new AuditForwarding(
    stateDbFile(options.dataDir),
    audit.index,
    audit.log,
    os.hostname(),
    options.sqliteBinding,
    checkpointsFile(audit.log.dir),
  );
  // Long-running processes deliver continuously; a CLI's own records go with their next delivery.
  const stopForwarding = options.transport === 'cli' ? undefined : forwarding.startContinuous();
  // A key kept in the secret store signs checkpoints while a long-running process runs.
  const checkpoints = new CheckpointSigning(audit.log, secrets, {
    onError: (e) => console.error('A signed checkpoint could not be written:', (e as Error).message),
  });
  if (options.transport !== 'cli') checkpoints.resume();
  registerForwarding(router, forwarding, checkpoints);
  // The console's own queues, for /metrics: what waits to be written or delivered.
  const queues = (): QueueDepth[] => [
    { queue: 'history', depth: history.queued },
    ...forwarding.status().map((f) => ({ queue: 'audit_forward', target: f.url, depth: f.lag })),
    ...[...(pusher?.status ?? [])].map(([url, s]) => ({ queue: 'alertmanager', target: url, depth: s.queued })),
  ];
  // The app serves /metrics when Settings says where (the collector has its own --listen).
  const metrics = options.transport === 'cli' ? undefined : followMetricsSetting(settings, telemetry, inventory, queues);
  const stopFleetWatch = options.watchFleet ? telemetry.watchFleet(() => undefined) : undefined;
  // The CLI runs one command and exits; long-running processes end drains at their end time.
  const stopDrainExpiry =
    options.transport === 'cli' ? undefined : startDrainExpiry(inventory, 15_000, (e) => console.error('Ending a drain failed:', e));

  return {
    router,
    settings,
    audit,
    inventory,
    pool,
    runner,
    telemetry,
    history,
    alerts,
    deploy,
    commission,
    services,
    guard,
    drills,
    forwarding,
    checkpoints,
    queues,
    secrets,
    jobs: jobs.runner,
    documents,
    unknownOutcomes,
    close: async () => {
      heartbeat.stop();
      stopFleetWatch?.();
      stopDrainExpiry?.();
      stopServiceRecorder?.();
      await stopPusher?.();
      stopForwarding?.();
      checkpoints.close();
      await metrics?.stop();
      await forwarding.close();
      await drills.stopAll();
      await jobs.close();
      await deploy.stopAll();
      deploy.close();
      await commission.stopAll();
      commission.close();
      services.store.close();
      telemetry.stopAll();
      history.close();
      alerts.close();
      await pool.closeAll();
      inventory.close();
      await audit.close();
    },
  };
}

/** The state store for alerts; one that cannot be opened leaves alerts working for this session only, and says so. */
function openAlertStore(file: string, sqliteBinding?: string): AlertStore {
  try {
    return AlertStore.open(file, sqliteBinding);
  } catch (err) {
    process.stderr.write(
      `edgeward: alerts are kept for this session only: ${err instanceof AppErrorException ? err.appError.message : String(err)}\n`,
    );
    return AlertStore.open(':memory:');
  }
}
