import { Router } from '../ipc/router.js';
import { checkFramesFromEnv, recordFrameViolation } from '../ipc/frame-check.js';
import { coalescePerKey } from '../services/common/coalesce-per-key.js';
import { SettingsService } from '../services/settings/settings-service.js';
import { Heartbeat } from '../services/heartbeat/heartbeat.js';
import { startBurst } from '../services/diagnostics/burst.js';
import { AuditService } from '../services/audit/audit-service.js';
import { parseAnchor } from '../services/audit/verify.js';
import { closeAbandonedIntents } from '../services/audit/open-intents.js';
import type { AuditRecord } from '../../shared/audit.js';
import { coalesce } from '../services/common/coalesce.js';
import os from 'node:os';
import path from 'node:path';
import { Inventory } from '../services/fleet/inventory.js';
import { FleetRunner } from '../services/fleet/fleet-runner.js';
import { testNode } from '../services/fleet/node-test.js';
import { previewSshConfig } from '../services/fleet/import-ssh-config.js';
import { previewCsv } from '../services/fleet/import-csv.js';
import { KnownHostsStore } from '../services/ssh/known-hosts.js';
import { SshPool, type KeyboardInteractivePrompt, type PoolOptions } from '../services/ssh/pool.js';
import { MemorySecretStore, passphraseKey, passwordKey, type SecretStore } from '../services/ssh/secrets.js';
import { PromptBroker } from '../services/ssh/prompts.js';
import { TelemetryService, type TelemetryOptions } from '../services/telemetry/telemetry-service.js';
import { HistoryStore } from '../services/telemetry/history.js';
import { AlertEngine } from '../services/telemetry/alerts.js';
import { AlertStore } from '../services/telemetry/alert-store.js';
import { AppErrorException } from '../../shared/errors.js';
import type { Alert, AlertThresholds } from '../../shared/alerts.js';
import { hottestTemp } from '../../shared/telemetry.js';
import { historyCsv, historyForChart } from '../services/telemetry/history-view.js';
import { DeployService, secretKey } from '../services/deploy/deploy-service.js';
import { profileProblems } from '../../shared/commission/profile.js';
import { CommissionService } from '../services/commission/commission-service.js';
import { stringify as stringifyYaml } from 'yaml';
import { APP_VERSION } from './version.js';

export interface BackendOptions {
  dataDir: string;
  transport: 'electron' | 'loopback' | 'cli';
  heartbeatIntervalMs?: number;
  /** Audit file rotation size (tests use a tiny one). */
  auditMaxFileBytes?: number;
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
  secrets: SecretStore;
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
  const inventory = Inventory.open(options.dataDir, audit.log);
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
  const alerts = new AlertEngine(
    audit.log,
    options.alertThresholds,
    options.notify,
    () => settings.get().operatorName || 'operator',
    openAlertStore(path.join(options.dataDir, 'state.db'), options.sqliteBinding),
  );
  const telemetry = new TelemetryService(pool, inventory, audit.log, options.telemetry, history, alerts, () => settings.get().slo);
  const deploy = new DeployService({
    pool,
    inventory,
    audit: audit.log,
    secrets,
    dataDir: options.dataDir,
    who: () => settings.get().operatorName || 'operator',
    env: process.env,
    sloBreach: (node, hostPort) => {
      // The node's endpoint on that port, and a burn-rate alert firing for it now.
      const ep = inventory.get(node)?.endpoints.find((e) => e.port === hostPort);
      const alert =
        ep && alerts.list().find((a) => a.rule === 'slo-burn' && a.node === node && a.endpoint === ep.name && a.state === 'firing');
      return alert?.message;
    },
    watchNodes: (nodes) => {
      const stops = nodes.map((n) => telemetry.watch(n, () => undefined));
      return () => stops.forEach((stop) => stop());
    },
  });
  await deploy.recoverInterrupted();
  const commission = new CommissionService(
    pool,
    inventory,
    audit.log,
    audit.index,
    options.dataDir,
    () => settings.get().operatorName || os.userInfo().username,
  );
  const router = new Router(checkFramesFromEnv() ? recordFrameViolation : undefined);

  router
    .handle('app.info', () => ({
      name: 'Edgeward',
      version: APP_VERSION,
      platform: `${process.platform}-${process.arch}`,
      transport: options.transport,
      dataDir: options.dataDir,
      startedAt,
    }))
    .handle('settings.get', () => settings.get())
    .handle('settings.set', (patch) =>
      audit.log.perform({ action: 'settings.update', params: patch }, (intent) => settings.set(patch, intent)),
    )
    .handle('audit.query', (req) => audit.index.query(req.filter, req.offset, req.limit))
    .handle('audit.verify', (req) => audit.verify(req.anchor ? parseAnchor(req.anchor) : undefined))
    .handle('audit.head', () => audit.head())
    .handle('audit.export', (req) => audit.export(req.format, req.filter))
    .handle('fleet.list', () => ({ nodes: inventory.list(), statuses: pool.statuses() }))
    .handle('fleet.node.add', (node) => inventory.add(node))
    .handle('fleet.node.edit', async ({ name, patch }) => {
      const node = await inventory.edit(name, patch);
      await pool.disconnect(name);
      return node;
    })
    .handle('fleet.node.remove', async ({ name }) => {
      // A later node of the same name is another machine until someone trusts it: its pin goes with it.
      await inventory.remove(name, (intent) => knownHosts.forget(name, intent));
      await pool.disconnect(name);
      return {};
    })
    .handle('fleet.node.setEnabled', async ({ name, enabled, reason }) => {
      const node = await inventory.setEnabled(name, enabled, reason);
      if (!enabled) await pool.disconnect(name);
      return node;
    })
    .handle('fleet.node.test', ({ name }) => testNode(pool, name))
    .handle('fleet.node.trust', ({ name, fingerprint }) => pool.trust(name, fingerprint))
    .handle('fleet.node.setSecret', ({ name, kind, value, persist }) => {
      const node = inventory.get(name);
      const key = kind === 'password' ? passwordKey(name) : passphraseKey(node?.keyPath ?? '');
      // Which secret and whether it was kept, never its value.
      return audit.log.perform({ action: 'secret.set', target: { node: name }, params: { entry: kind, persist } }, () => {
        secrets.set(key, value, persist);
        return { persisted: persist && secrets.canPersist };
      });
    })
    .handle('fleet.import.preview', ({ format, text }) => (format === 'csv' ? previewCsv(text) : previewSshConfig(text)))
    .handle('fleet.import.commit', async ({ nodes, source }) => ({ count: (await inventory.addMany(nodes, source)).length }))
    .handle('fleet.run.start', (req) => runner.start(req))
    .handle('fleet.run.cancel', ({ runId }) => ({ cancelled: runner.cancel(runId) }))
    .handle('alerts.list', () => ({ alerts: alerts.list() }))
    .handle('alerts.history', (q) => ({ events: alerts.history(q) }))
    .handle('telemetry.lastKnown', () => ({
      nodes: history.lastKnown().map((k) => ({
        node: k.node,
        at: k.at,
        gpuHealth: k.frame.gpuHealth,
        gpus: k.frame.gpus.length,
        hottestC: hottestTemp(k.frame),
      })),
    }))
    .handle('telemetry.history', ({ node, range, to, maxPoints }) =>
      historyForChart(history, inventory.get(node), node, range, maxPoints, settings.get().slo, to),
    )
    .handle('telemetry.exportCsv', ({ node, range }) => historyCsv(history, node, range))
    .handle('deploy.validate', ({ text }) => ({ problems: deploy.validate(text) }))
    .handle('deploy.plan', async ({ text }) => {
      const p = await deploy.plan(text);
      return {
        name: p.spec.name,
        specHash: p.specHash,
        accepted: p.accepted.map((a) => ({ node: a.node, runtime: a.runtime, gpuIndices: a.gpuIndices })),
        refused: p.refused,
      };
    })
    .handle('deploy.apply', async ({ text }) => (await deploy.apply(text)).rollout)
    .handle('deploy.list', () => ({ deployments: deploy.list() }))
    .handle('deploy.status', ({ name }) => {
      const s = deploy.status(name);
      return {
        revisions: s.revisions.map((r) => ({
          revision: r.revision,
          image: r.spec.image,
          pinnedImage: r.pinnedImage,
          specHash: r.specHash,
          createdAt: r.createdAt,
          succeededAt: r.succeededAt ?? null,
          yaml: stringifyYaml(r.spec),
        })),
        rollout: s.rollout,
      };
    })
    .handle('deploy.control', async ({ name, action }) => {
      switch (action) {
        case 'pause':
          return deploy.pause(name);
        case 'resume':
          return (await deploy.resume(name)).rollout;
        case 'abort':
          return deploy.abort(name);
        case 'halt':
          return deploy.halt(name);
        case 'rollback':
          return (await deploy.rollback(name)).rollout;
      }
    })
    .handle('deploy.drift', async ({ name }) => ({ nodes: await deploy.drift(name) }))
    .handle('deploy.reconcile', async ({ name }) => ({ nodes: await deploy.reconcile(name) }))
    .handle('deploy.secret.set', ({ name, value, persist }) =>
      audit.log.perform({ action: 'settings.update', params: { entry: name, persist } }, () => {
        secrets.set(secretKey(name), value, persist);
        return { persisted: persist && secrets.canPersist };
      }),
    )
    .handle('deploy.logs', async ({ name, node, tail }) => ({ text: await deploy.logs(name, node, { follow: false, tail }) }))
    // The checks run on after the answer; their progress goes out on the commission.session topic.
    .handle('commission.start', async ({ node, profile }) => background(await commission.begin(node, profile)))
    .handle('commission.rerun', async ({ node, which }) => background(await commission.beginRerun(node, which)))
    .handle('commission.validate', ({ profile }) => ({ problems: profileProblems(profile) }))
    .handle('commission.cancel', ({ node }) => ({ cancelled: commission.cancel(node) }))
    .handle('commission.override', ({ node, check, reason }) => commission.override(node, check, reason))
    .handle('commission.signoff', ({ node }) => commission.signoff(node))
    .handle('commission.session', ({ node, id }) => ({
      session: (id ? commission.session(node, id) : commission.current(node)) ?? null,
      running: commission.isRunning(node),
    }))
    .handle('commission.reports', ({ node }) => ({ reports: commission.reports(node) }))
    .handle('alerts.ack', ({ id }) => alerts.acknowledge(id))
    .handle('fleet.prompt.answer', ({ id, answers }) => ({ delivered: prompts.answer(id, answers) }))
    .topic('heartbeat', (_params, emit) => heartbeat.subscribe(emit))
    .topic('diagnostics.burst', (params, emit) => startBurst(params.count, params.payloadBytes, emit))
    .topic('fleet.status', (_params, emit) => {
      // Per node: a flapping node's burst merges into its latest state; other nodes are never held back.
      const out = coalescePerKey(emit, 100, (s) => s.name);
      const stop = pool.onStatus(out.push);
      return () => {
        stop();
        out.cancel();
      };
    })
    .topic('fleet.run', ({ runId }, emit) => runner.follow(runId, emit))
    .topic('fleet.prompt', (_params, emit) => prompts.onPrompt(emit))
    .topic('telemetry.node', ({ node }, emit) => telemetry.watch(node, emit))
    .topic('commission.session', ({ node }, emit) => commission.watch(node, emit))
    .topic('telemetry.fleet', (_params, emit) => telemetry.watchFleet(emit))
    .topic('deploy.rollout', ({ name }, emit) => {
      const out = coalesce(emit, 100);
      const stop = deploy.watch(name, out.push);
      return () => {
        stop();
        out.cancel();
      };
    })
    .topic('alerts', (_params, emit) => alerts.onChange(emit))
    .topic('audit.appended', (_params, emit) => {
      const out = coalesce((head: { seq: number; hash: string }) => emit({ head }), 250);
      const stop = audit.watch(out.push);
      return () => {
        stop();
        out.cancel();
      };
    });

  const stopFleetWatch = options.watchFleet ? telemetry.watchFleet(() => undefined) : undefined;

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
    secrets,
    unknownOutcomes,
    close: async () => {
      heartbeat.stop();
      stopFleetWatch?.();
      await deploy.stopAll();
      await commission.stopAll();
      telemetry.stopAll();
      history.close();
      alerts.close();
      await pool.closeAll();
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

/** Answers with the state at once while the work goes on (its outcome lands in that state and in the audit log). */
function background<T>(started: { session: T; done: Promise<unknown> }): T {
  started.done.catch((e: unknown) => console.error('Commissioning stopped unexpectedly:', e));
  return started.session;
}
