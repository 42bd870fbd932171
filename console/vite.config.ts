import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// JSX by Vite's own transform (no React plugin, no Babel): the build stays one quick step of `npm run build`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    // The CSP forbids inline script: never inline the module preload polyfill.
    modulePreload: { polyfill: false },
  },
});
