// Worker threads for data-parallel training in Node: the Host the core asks to start each shard.
// `Trainer.create(corpus, settings, nodeHost)` trains on `threads` threads (0: one per core that splits
// the batch evenly).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Host } from '../training/build.js';

// dist/cli/shard-worker.js when built; when running from the TypeScript sources under tsx (tests,
// benchmarks), a worker does not inherit tsx's loader, so it registers tsx before importing the source
const compiled = new URL('./shard-worker.js', import.meta.url);
const source = new URL('./shard-worker.ts', import.meta.url).href;
const viaTsx = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;

export const nodeHost: Host = {
  parallelism: availableParallelism(),
  spawnShard(init) {
    const worker = existsSync(compiled)
      ? new Worker(compiled, { workerData: init })
      : new Worker(viaTsx, { eval: true, workerData: init });
    worker.unref(); // a worker blocked in Atomics.wait must not keep the process alive
    return () => {
      void worker.terminate();
    };
  },
};
