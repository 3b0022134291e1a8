// A fuzz worker: runs the cases main.ts gives it (one target, the indices from..to with a stride) and posts
// each result as it ends, so that the main thread can tell a hang (no result for a while) and where.
import { parentPort, workerData } from 'node:worker_threads';
import { runCase } from './harness.js';
import { TARGETS } from './targets.js';

export interface WorkerJob {
  target: string;
  seed: number;
  /** the first index, the end (exclusive) and the step */
  from: number;
  to: number;
  stride: number;
}

const job = workerData as WorkerJob;
const target = TARGETS[job.target]!;
for (let i = job.from; i < job.to; i += job.stride) parentPort!.postMessage(runCase(target, job.seed, i));
parentPort!.postMessage('done');
