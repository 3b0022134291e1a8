// Vite config for the page (root web/): static build into web/dist, the training worker (and the shard
// workers it starts for --threads 2) as ES modules. The dev and preview servers send the two headers that
// make the page cross-origin isolated, which SharedArrayBuffer (data-parallel training) needs; hosted
// without them, the page trains on one thread and says so.
// Nothing is written into node_modules after `npm install` (npm would find its record of the tree,
// node_modules/.package-lock.json, out of date, and read the whole tree on every `npx charrnn`): the dev
// server's dependency cache is web/.vite, and the config is loaded with `--configLoader runner` (package.json;
// the tests' `configLoader: 'runner'`), not bundled into node_modules/.vite-temp.
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
  cacheDir: '.vite',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
