// The keeper of one shard's worker thread (threads.ts): starts it and watches it. The thread that trains
// (the calling thread of src/training/parallel.ts) blocks in Atomics.wait while the shards work, so it
// cannot hear a worker's 'exit' or 'error'; this thread does nothing else, so it hears them at once and
// tells the core (shardEnded), which wakes the calling thread with the reason.
//
// For tests only, CHARRNN_TEST_KILL_SHARD=K:N terminates shard K's worker when the calling thread sends
// its Nth command (a worker terminated mid-run: test/training/dead-worker.test.ts).
import { workerData } from 'node:worker_threads';
import { shardEnded } from '../training/parallel.js';
import { type KeeperData, startThread } from './threads.js';

const { init, entry } = workerData as KeeperData;
const shard = startThread(new URL(entry), init);
let crashed = '';
shard.on('error', (e) => {
  crashed = `it crashed: ${e.message}`;
});
shard.on('exit', (code) => shardEnded(init, crashed || `it exited with code ${code}`));

const [kill, at] = (process.env.CHARRNN_TEST_KILL_SHARD ?? '').split(':').map(Number);
if (kill === init.shard && at > 0) {
  // woken with the shard by each command (Atomics.waitAsync: ES2024, in Node since 16)
  const { waitAsync } = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string };
  };
  const control = new Int32Array(init.buffers.control);
  for (let g = Atomics.load(control, 0); g < at; g = Atomics.load(control, 0))
    await waitAsync(control, 0, g).value;
  await shard.terminate();
}
