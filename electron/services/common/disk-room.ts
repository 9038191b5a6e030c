import fs from 'node:fs';
import { AppErrorException, appError } from '../../../shared/errors.js';

/** Room a store needs before long work starts on its behalf (a rollout's steps, a commissioning's sections). */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Refuses up front, before anything happens on a node, when the disk holding `dir` is (nearly) full:
 * SQLite may accept a few writes into space its journal already holds and fail on a later step,
 * which is too late for a rollout half done.
 */
export function requireRoom(dir: string, minFree = MIN_FREE_BYTES): void {
  let free: number;
  try {
    const s = fs.statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // not there yet: the write itself says what is wrong
  }
  if (free < minFree)
    throw new AppErrorException(
      appError(
        'UNAVAILABLE',
        `The disk holding ${dir} is full (${Math.floor(free / 1024)} KiB free): nothing was done`,
        'Free space on that disk, then try again.',
      ),
    );
}
