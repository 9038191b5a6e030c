import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

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
  child = spawn(process.execPath, ['dist/electron/serve.mjs', '--json', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('serve did not print its URL within 20 s')), 20_000);
    child!.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child!.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  project.provide('serveUrl', url);
  project.provide('serveDataDir', dataDir);
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
