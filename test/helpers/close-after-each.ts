import { afterEach } from 'vitest';
import { closeOpenLogs } from './audit.js';
import { frameViolations } from '../../electron/ipc/frame-check.js';

// Every test file: logs a test opened and left open are closed, never left to the garbage collector.
afterEach(closeOpenLogs);

// Every frame a topic sent during a test matched its schema in the contract (EDGEWARD_CHECK_FRAMES).
afterEach(() => {
  const bad = frameViolations.splice(0);
  if (bad.length > 0) throw new Error(`topic frames that break the contract:\n${bad.join('\n')}`);
});
