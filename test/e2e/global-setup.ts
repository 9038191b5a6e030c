import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startServe } from './serve.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serveUrl: string;
    serveDataDir: string;
  }
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;

/** Builds the app once, then runs `serve` exactly as a user would, on a throwaway data directory. */
export async function setup(project: TestProject): Promise<void> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeward-e2e-'));
  const served = await startServe(dataDir);
  child = served.child;
  const url = served.url;
  project.provide('serveUrl', url);
  project.provide('serveDataDir', dataDir);
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
