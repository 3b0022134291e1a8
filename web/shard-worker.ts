// A shard worker of the page (data-parallel training, --threads 2): started by the training worker
// (threads.ts), it compiles the kernels, takes a Web Lock that it holds as long as it lives, and says
// 'ready' with the lock's name; then it waits for its ShardInit and serves one shard of every minibatch
// (startShardWorker blocks in Atomics.wait until the trainer closes it), and closes. The page's main
// thread waits for that lock: granted, it means this worker has ended, however it ended (watch.ts).
// The page's counterpart of src/node/shard-worker.ts.
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { startShardWorker } from '../src/training/build.js';
import type { ShardInit } from '../src/training/parallel.js';
import type { FromShard } from './threads.js';
import { holdLock } from './watch.js';

const kernels = initKernels().catch((e: unknown) => {
  // as the training worker does: the TypeScript kernels (same results, slower) rather than no thread
  console.warn('charrnn: WebAssembly kernels unavailable in a shard worker, using the TypeScript backend', e);
  return false;
});
const lock = holdLock('charrnn-shard');

self.onmessage = (e: MessageEvent<ShardInit>) => {
  self.onmessage = null;
  void kernels.then(() => {
    try {
      startShardWorker(e.data);
    } finally {
      self.close(); // one shard per worker: its end releases the lock (an exception too, never a hang)
    }
  });
};

void Promise.all([kernels, lock]).then(([, name]) => {
  const msg: FromShard = { type: 'ready', backend: wasmAvailable() ? 'wasm' : 'ref', lock: name };
  self.postMessage(msg);
});
