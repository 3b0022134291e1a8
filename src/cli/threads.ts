// Worker threads for data-parallel training in Node: the Host the core asks to start each shard.
import { Worker } from 'node:worker_threads';
import type { Host } from '../recipe.js';

export const nodeHost: Host = {
  spawnShard(init) {
    const worker = new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: init });
    worker.unref(); // a worker blocked in Atomics.wait must not keep the process alive
    return () => {
      void worker.terminate();
    };
  },
};
