// Lint rules that keep the layers apart (see ../shared/STYLE.md "Take" 2):
//   shared/    imports no Node, DOM or Electron: it runs on both sides
//   renderer/  never imports electron/ (it reaches the main side only through the bridge)
//   electron/  only main.ts, preload.ts and electron/adapters/ import 'electron'
//   raw ipcMain / ipcRenderer only in the bridge code (adapters/ipc.ts, preload.ts)
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'stream',
  'events',
  'worker_threads',
];

// Shared by the main-side blocks: a later block's no-restricted-imports replaces an earlier one's.
const ELECTRON_FREE = {
  name: 'electron',
  message: 'Business logic stays Electron-free; put Electron calls in electron/adapters/.',
  allowTypeImports: true,
};
const NOT_THE_RENDERER = { group: ['**/renderer/**'], message: 'The main side does not import the renderer.' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off', // sanitizers match control characters on purpose
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'shared/ runs on both sides: no Electron.' },
            { name: 'react', message: 'shared/ holds no UI code.' },
          ],
          patterns: [
            { group: NODE_BUILTINS, message: 'shared/ runs in the renderer too: no Node built-ins.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ must not depend on either side.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer reaches the main side only through the bridge (window.edgeward).' }],
          patterns: [
            { group: ['**/electron/**'], message: 'renderer/ never imports electron/: use the bridge API.' },
            { group: NODE_BUILTINS, message: 'The renderer is sandboxed: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts', 'electron/adapters/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ELECTRON_FREE],
          patterns: [NOT_THE_RENDERER],
        },
      ],
    },
  },
  {
    // Services hold the business logic: they are called by the router, the CLI and the tests, and
    // call none of them back. Only the audit log makes Intents (the proof an action was recorded).
    files: ['electron/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ELECTRON_FREE],
          patterns: [
            NOT_THE_RENDERER,
            {
              group: ['**/ipc/*', '**/app/*', '**/cli/*', '**/adapters/*', '../ipc/**', '../app/**', '../cli/**', '../adapters/**'],
              message: 'Services never import ipc/, app/, cli/ or adapters/: those compose services, not the other way round.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/services/audit/audit-log.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportSpecifier[imported.name='mintIntent']",
          message: 'Only the audit log makes an Intent, after the intent record is on disk: go through audit.perform or audit.begin.',
        },
      ],
    },
  },
  {
    files: ['electron/main.ts', 'electron/adapters/**/*.ts'],
    ignores: ['electron/adapters/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'Raw IPC only in the bridge: electron/adapters/ipc.ts and preload.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{js,mjs,ts}', '*.config.{js,ts}'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
