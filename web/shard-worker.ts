// A shard worker of the page (data-parallel training, --threads 2): started by the training worker
// (threads.ts), it compiles the kernels and says 'ready', then waits for its ShardInit and serves one
// shard of every minibatch (startShardWorker blocks in Atomics.wait until the trainer closes it).
// The page's counterpart of src/node/shard-worker.ts.
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { startShardWorker } from '../src/training/build.js';
import type { ShardInit } from '../src/training/parallel.js';
import type { FromShard } from './threads.js';

const kernels = initKernels().catch((e: unknown) => {
  // as the training worker does: the TypeScript kernels (same results, slower) rather than no thread
  console.warn('charrnn: WebAssembly kernels unavailable in a shard worker, using the TypeScript backend', e);
  return false;
});

self.onmessage = (e: MessageEvent<ShardInit>) => {
  self.onmessage = null;
  void kernels.then(() => startShardWorker(e.data));
};

void kernels.then(() => {
  const msg: FromShard = { type: 'ready', backend: wasmAvailable() ? 'wasm' : 'ref' };
  self.postMessage(msg);
});
