// Losses of a model on text, in nats and bits per character:
//  - `evaluateStreams`: the validation split as B streams from a zero state, batched like training, one
//    window at a time (a generator, so a host that must stay responsive can spread it over slices); only
//    the first windows of each stream when `--eval-chars` bounds it (`evalWindows`);
//  - `scoreIds`: a whole text as one stream, every character after the first, from a given starting
//    state: full windows through the model's batched forward, the rest one character at a time.
import type { Streams } from '../data/streams.js';
import { fillWindow } from '../data/streams.js';
import type { IdArray } from '../data/text.js';
import type { SequenceModel } from '../models/types.js';

export interface Evaluation {
  /** nats per character */
  valLoss: number;
  /** bits per character */
  valBits: number;
  /** characters scored */
  characters: number;
}

function evaluation(total: number, characters: number): Evaluation {
  const valLoss = total / characters;
  return { valLoss, valBits: valLoss / Math.LN2, characters };
}

/**
 * How many of `s`'s windows an evaluation of at most `maxChars` characters scores (0: all of them): whole
 * windows, at least one. The first windows of every stream, so that the B streams spread them over the
 * whole split rather than its beginning.
 */
export function evalWindows(s: Streams, maxChars: number): number {
  if (maxChars <= 0) return s.windows;
  return Math.min(s.windows, Math.max(1, Math.floor(maxChars / (s.batch * s.seqLength))));
}

/**
 * Loss over the first `windows` windows of `s` (its B streams from zero states, carried between windows;
 * all of them by default), yielding the fraction done after each window but the last. The model's carried
 * states are the evaluation's until it returns; the caller saves and restores its own.
 */
export function* evaluateStreams(
  model: SequenceModel,
  s: Streams,
  inputs: Int32Array,
  targets: Int32Array,
  windows = s.windows,
): Generator<number, Evaluation, undefined> {
  model.resetState();
  let total = 0;
  for (let w = 0; w < windows; w++) {
    fillWindow(s, w, inputs, targets);
    total += model.loss(inputs, targets);
    if (w + 1 < windows) yield (w + 1) / windows;
  }
  return evaluation(total, windows * s.batch * s.seqLength);
}

/**
 * Loss of `ids` as one stream from `start` (the model's state layout for one stream): the prediction of
 * every character from the ones before it, ids.length - 1 in all. `model` has batch 1.
 */
export function scoreIds(model: SequenceModel, ids: IdArray, start: Float64Array): Evaluation {
  const T = model.seqLength;
  const n = ids.length - 1;
  const inputs = new Int32Array(T);
  const targets = new Int32Array(T);
  model.setState(start);
  let total = 0;
  let at = 0;
  for (; at + T <= n; at += T) {
    for (let t = 0; t < T; t++) {
      inputs[t] = ids[at + t];
      targets[t] = ids[at + t + 1];
    }
    total += model.loss(inputs, targets);
  }
  // the last partial window, one character at a time from the carried state
  model.genFromStream(0);
  const V = model.vocabSize;
  for (; at < n; at++) {
    const logits = model.forwardOne(ids[at]);
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[j]);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[j] - max);
    total -= logits[ids[at + 1]] - max - Math.log(sum);
  }
  return evaluation(total, n);
}
