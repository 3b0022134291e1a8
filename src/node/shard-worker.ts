// The entry point of a training worker thread: compile the kernels, then serve one shard.
import { workerData } from 'node:worker_threads';
import { initKernels } from '../kernels/index.js';
import { startShardWorker } from '../training/build.js';
import type { ShardInit } from '../training/parallel.js';

await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
startShardWorker(workerData as ShardInit);
