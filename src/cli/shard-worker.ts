// The entry point of a training worker thread: compile the kernels, then serve one shard.
import { workerData } from 'node:worker_threads';
import { initKernels } from '../kernels/index.js';
import type { ShardInit } from '../parallel.js';
import { startShardWorker } from '../recipe.js';

await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
startShardWorker(workerData as ShardInit);
