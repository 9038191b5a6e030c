import type { AuditLog } from '../audit/audit-log.js';
import type { ChangeGuard } from '../service/change-guard.js';
import type { Inventory } from '../fleet/inventory.js';
import type { SshPool } from '../ssh/pool.js';
import type { SecretStore } from '../ssh/secrets.js';
import type { RegistrySetting } from '../../../shared/settings.js';

/** What the deploy features need from the rest of the backend, passed as one object. */
export interface DeployDeps {
  pool: SshPool;
  inventory: Inventory;
  audit: AuditLog;
  secrets: SecretStore;
  dataDir: string;
  /** The operator, as written on rollouts. */
  who?: () => string;
  /** `EDGEWARD_SECRET_<NAME>` and `EDGEWARD_INSECURE_REGISTRIES` come from here (the CLI). */
  env?: NodeJS.ProcessEnv;
  /** A firing SLO burn-rate alert for the endpoint on this node and host port, in words (telemetry). */
  sloBreach?: (node: string, hostPort: number) => string | undefined;
  /** Keeps telemetry running for these nodes until the returned function is called (the soak's SLO gate). */
  watchNodes?: (nodes: string[]) => () => void;
  /** Nodes that must not take new work now (a critical GPU alert), with why, in words. */
  unfitNodes?: () => Map<string, string>;
  /** Services' redundancy groups and maintenance windows, which every rollout keeps to. */
  guard?: ChangeGuard;
  /** Settings → Registries: each registry's CA, plain-HTTP flag and user. */
  registries?: () => readonly RegistrySetting[];
  /** The better-sqlite3 addon built for this runtime (the desktop app's own). */
  sqliteBinding?: string;
}
