// Vite config for the page (root web/): static build into web/dist, the training worker (and the shard
// workers it starts for --threads 2) as ES modules. The dev and preview servers send the two headers that
// make the page cross-origin isolated, which SharedArrayBuffer (data-parallel training) needs; hosted
// without them, the page trains on one thread and says so.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** cross-origin isolation: SharedArrayBuffer and Atomics.wait between the page's workers */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
