import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

// The layering rules are part of the architecture: these prove each one bites.
describe('lint-enforced layers', () => {
  it.each([
    ['shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n"],
    ['shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['shared/x.ts', 'export const a = () => window.location.href;\n'],
    ['renderer/src/x.ts', "import { Router } from '../../electron/ipc/router.js';\nexport const a = Router;\n"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n"],
    ['electron/services/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['electron/adapters/window-x.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['electron/main.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['electron/services/fleet/x.ts', "import { Router } from '../../ipc/router.js';\nexport const a = Router;\n"],
    ['electron/services/deploy/x.ts', "import { createBackend } from '../../app/backend.js';\nexport const a = createBackend;\n"],
    ['electron/services/x.ts', "import { runCommand } from '../cli/commands.js';\nexport const a = runCommand;\n"],
    ['electron/services/ssh/x.ts', "import { x } from '../../adapters/safe-storage-secrets.js';\nexport const a = x;\n"],
  ])('refuses the forbidden import in %s', async (file, code) => {
    const ids = await ruleIds(file, code);
    expect(ids.some((id) => id === 'no-restricted-imports' || id === 'no-restricted-globals')).toBe(true);
  });

  it.each([
    ['electron/services/fleet/x.ts', "import { mintIntent } from '../audit/intent.js';\nexport const a = mintIntent(1, 'node.add');\n"],
    ['electron/app/x.ts', "import { mintIntent as m } from '../services/audit/intent.js';\nexport const a = m;\n"],
  ])('refuses an Intent made outside the audit log in %s', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-syntax');
  });

  it.each([
    ['shared/x.ts', "import { z } from 'zod';\nexport const a = z.string();\n"],
    ['electron/adapters/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['electron/adapters/ipc.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['electron/preload.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n"],
    ['electron/ipc/x.ts', "import type { WebContents } from 'electron';\nexport type A = WebContents;\n"],
    ['electron/services/fleet/x.ts', "import { AuditLog } from '../audit/audit-log.js';\nexport const a = AuditLog;\n"],
    ['electron/services/audit/audit-log.ts', "import { mintIntent } from './intent.js';\nexport const a = mintIntent;\n"],
  ])('allows what the layer may use in %s', async (file, code) => {
    const ids = await ruleIds(file, code);
    expect(ids.filter((id) => id.startsWith('no-restricted'))).toEqual([]);
  });
});
