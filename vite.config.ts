import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is a plain static bundle: served from the app's own origin in Electron and by the
// loopback bridge elsewhere. Relative base so both work without rewriting.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    // Loaded from local disk or loopback, never over a network: one bundle is fine.
    chunkSizeWarningLimit: 2000,
    // No inline scripts or modulepreload polyfill: the CSP forbids inline script.
    modulePreload: { polyfill: false },
  },
});
