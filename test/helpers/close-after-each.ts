import { afterEach } from 'vitest';
import { closeOpenLogs } from './audit.js';

// Every test file: logs a test opened and left open are closed, never left to the garbage collector.
afterEach(closeOpenLogs);
