// The calling thread of test/training/dead-worker.test.ts, run in a worker of its own so that the test
// can give up on it: a calling thread that waits forever in Atomics.wait cannot be interrupted, but its
// worker can be terminated. It trains on 2 threads (the real Node host: a keeper and a shard worker per
// shard) until a step throws, and posts what it saw: the error, how long the failed step took, whether
// the weights, the optimizer and the progress are those from before the step, and the checkpoint saved
// after it. workerData: { text, settings, entry? (a test's shard worker entry), maxSteps, evaluateAfter? (an
// evaluation in place of that step, and after each step from then on) }.
import { parentPort, workerData } from 'node:worker_threads';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import { nodeHost, threadHost } from '../../src/node/threads.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';

export interface DeadWorkerRun {
  /** the step that threw, and how long it took (ms); a normal step's time for comparison */
  failedIter: number;
  failedStepMs: number;
  medianStepMs: number;
  error: { message: string; line: string; kind: string } | undefined;
  /** theta, the optimizer's arrays, iter and position unchanged by the failed step */
  intact: boolean;
  /** the checkpoint written after the failure (toCheckpoint), with its carried states */
  checkpoint: Uint8Array;
  /** what a second failed step and a second checkpoint do (the model stays lost, the save works) */
  again: string;
  /** the training states before the call that failed */
  statesBefore: number[];
}

const { text, settings, entry, maxSteps, evaluateAfter } = workerData as {
  text: string;
  settings: Partial<TrainConfig>;
  entry?: string;
  maxSteps: number;
  evaluateAfter?: number;
};
await initKernels();
const t = Trainer.create(corpusFromString(text), settings, entry ? threadHost(new URL(entry)) : nodeHost);
const times: number[] = [];
let failure: unknown;
let failedStepMs = Number.NaN;
let intact = false;
let statesBefore: number[] = [];
for (let i = 0; i < maxSteps && failure === undefined; i++) {
  const before = {
    iter: t.iter,
    position: t.position,
    theta: Float64Array.from(t.model.theta),
    slots: Object.values(t.optimizer.getState()).map((a) => (typeof a === 'number' ? [a] : Array.from(a))),
  };
  // (a command of its own: only where the test counts the evaluation's commands alone)
  if (evaluateAfter !== undefined) statesBefore = Array.from(t.model.getState());
  const started = performance.now();
  try {
    if (evaluateAfter !== undefined && i >= evaluateAfter) t.evaluate();
    t.step();
    times.push(performance.now() - started);
  } catch (e) {
    failedStepMs = performance.now() - started;
    failure = e;
    const slots = Object.values(t.optimizer.getState()).map((a) =>
      typeof a === 'number' ? [a] : Array.from(a),
    );
    intact =
      t.iter === before.iter &&
      t.position === before.position &&
      t.model.theta.every((x, j) => Object.is(x, before.theta[j])) &&
      JSON.stringify(slots) === JSON.stringify(before.slots);
  }
}
const checkpoint = t.toCheckpoint();
let again = 'no error';
try {
  t.step();
} catch (e) {
  again = e === failure ? 'the same error' : `another error: ${(e as Error).message}`;
}
t.close();
times.sort((a, b) => a - b);
const run: DeadWorkerRun = {
  failedIter: t.iter,
  failedStepMs,
  medianStepMs: times[times.length >> 1] ?? Number.NaN,
  error:
    failure instanceof CharrnnError
      ? { message: failure.message, line: failure.line, kind: failure.kind }
      : failure === undefined
        ? undefined
        : { message: String((failure as Error).message ?? failure), line: '', kind: 'not a CharrnnError' },
  intact,
  checkpoint,
  again,
  statesBefore,
};
parentPort?.postMessage(run);
