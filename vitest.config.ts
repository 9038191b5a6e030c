import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env: { EDGEWARD_CHECK_FRAMES: '1' },
          setupFiles: ['test/helpers/close-after-each.ts'],
          // Speed is judged by `npm run bench`, not here: the CPU-heavy checks (fuzzing, every
          // wall-clock time of six zones against GNU date) took over vitest's 5 s on a loaded CI machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env: { EDGEWARD_CHECK_FRAMES: '1' },
          setupFiles: ['test/helpers/close-after-each.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // The bed is one shared fleet: files take turns on it.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
