import fs from 'node:fs';

/**
 * Whether a process still runs. A killed process whose parent has not reaped it yet (a zombie)
 * still answers kill(pid, 0) but will never act again: on Linux its state in /proc says so.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // "PID (comm) STATE …": the state follows the last ')' (comm may hold spaces or parentheses).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}
