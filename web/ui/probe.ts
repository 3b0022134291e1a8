// What the end-to-end test (test/e2e/web.test.ts) reads of the page: window.__charrnn, small plain data
// that the other parts of the page keep up to date.
import type { WorkerState } from '../protocol.js';

export interface Probe {
  ready: boolean;
  backend: string;
  state: WorkerState;
  /** the model being trained or loaded: rnn, lstm or gru; '' when there is none */
  model: string;
  iter: number;
  /** points drawn so far and the last few [iter, smoothLoss] */
  pointCount: number;
  firstLoss: number | null;
  lastLoss: number | null;
  points: [number, number][];
  itersPerSec: number;
  charsPerSec: number;
  /** validation points drawn so far, the first and the latest, in nats/char */
  valCount: number;
  firstVal: number | null;
  lastVal: number | null;
  lastValBits: number | null;
  /** the chart's y-axis label */
  axisLabel: string;
  samples: number;
  lastSampleIter: number | null;
  generating: boolean;
  generated: number;
  errors: number;
  /** whether the page is cross-origin isolated (globalThis.crossOriginIsolated) */
  isolated: boolean;
  /** whether --threads 2 is possible here (isolated, SharedArrayBuffer in the page and its worker) */
  threadsAvailable: boolean;
  /** the threads the model in training uses (0 when none is training) */
  threads: number;
  /** the chosen text is being fetched (the built-in text, a catalog text) */
  textLoading: boolean;
  /** the chosen fetched text's characters, once it is here (0 otherwise) */
  textChars: number;
  /** the models kept in this browser */
  kept: number;
  /** the iteration of the checkpoint of the model in training the page holds (recover.ts), if any */
  heldIter: number | null;
  /** models kept after a thread died (recover.ts) */
  recovered: number;
  /** training workers started (a new one after one died) */
  trainingWorkers: number;
}

declare global {
  interface Window {
    __charrnn: Probe;
  }
}

export const probe: Probe = {
  ready: false,
  backend: '',
  state: 'idle',
  model: '',
  iter: 0,
  pointCount: 0,
  firstLoss: null,
  lastLoss: null,
  points: [],
  itersPerSec: 0,
  charsPerSec: 0,
  valCount: 0,
  firstVal: null,
  lastVal: null,
  lastValBits: null,
  axisLabel: '',
  samples: 0,
  lastSampleIter: null,
  generating: false,
  generated: 0,
  errors: 0,
  isolated: globalThis.crossOriginIsolated === true,
  threadsAvailable: false,
  threads: 0,
  textLoading: false,
  textChars: 0,
  kept: 0,
  heldIter: null,
  recovered: 0,
  trainingWorkers: 0,
};
window.__charrnn = probe;
