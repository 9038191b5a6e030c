import { afterEach } from 'vitest';
import { makeTempDir } from './temp-dir.js';

/** Call in a describe: returns a maker of fresh directories, each removed after the test that made it. */
export function tempDirsPerTest(prefix: string): () => string {
  const made: ReturnType<typeof makeTempDir>[] = [];
  afterEach(() => made.splice(0).forEach((t) => t.cleanup()));
  return () => {
    const t = makeTempDir(prefix);
    made.push(t);
    return t.dir;
  };
}
