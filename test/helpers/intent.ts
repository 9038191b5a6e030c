import type { AuditAction } from '../../shared/audit.js';
import { mintIntent, type Intent } from '../../electron/services/audit/intent.js';

/** For a store test or a fixture seeded as if an earlier, audited action had written it. */
export const fixtureIntent = (action: AuditAction = 'deploy.apply'): Intent => mintIntent(1, action);
