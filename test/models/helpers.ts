// Shared setup for the model tests: small float64 models on the ref backend, random windows and states,
// and a "largest difference and where" comparison over named tensors.
import { createModel, type RecurrentConfig } from '../../src/models/index.js';
import type { SequenceModel, TensorInfo } from '../../src/models/types.js';
import { MT19937 } from '../../src/rng.js';

export interface Small {
  kind: 'rnn' | 'lstm' | 'gru';
  layers: number;
  embedding: number;
  dropout?: number;
  batch?: number;
  seqLength?: number;
  hidden?: number;
}

export function smallConfig(s: Small): RecurrentConfig {
  return {
    vocabSize: 5,
    hidden: s.hidden ?? 6,
    layers: s.layers,
    embedding: s.embedding,
    batch: s.batch ?? 2,
    seqLength: s.seqLength ?? 5,
    dropout: s.dropout ?? 0,
    dtype: 'f64',
    backend: 'ref',
    dropoutSeed: 7,
  };
}

export function smallModel(s: Small, seed = 1) {
  const model = createModel(s.kind, smallConfig(s));
  model.init(new MT19937(seed));
  return model;
}

export function randomIds(n: number, V: number, rng: MT19937): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rng.random() * V);
  return a;
}

export function randomState(model: SequenceModel, rng: MT19937, scale = 0.5): Float64Array {
  const s = model.getState();
  for (let i = 0; i < s.length; i++) s[i] = (2 * rng.random() - 1) * scale;
  return s;
}

export const label = (s: Small) =>
  `${s.kind} layers=${s.layers} ${s.embedding ? `embedding=${s.embedding}` : 'one-hot'}${s.dropout ? ` dropout=${s.dropout}` : ''}`;

/** The tensor holding flat index i, and the index inside it. */
export function where(tensors: readonly TensorInfo[], i: number): string {
  const t = tensors.find((x) => i >= x.offset && i < x.offset + x.size);
  return t ? `${t.name}[${i - t.offset}]` : `theta[${i}]`;
}

export interface Worst {
  err: number;
  at: string;
  got: number;
  want: number;
}

/** The largest |got - want| / max(|got|, |want|, floor) over two flat arrays. */
export function worstRel(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  floor: number,
  name: (i: number) => string,
): Worst {
  let w: Worst = { err: 0, at: 'none', got: 0, want: 0 };
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(got[i]), Math.abs(want[i]), floor);
    if (err > w.err || Number.isNaN(err)) w = { err, at: name(i), got: got[i], want: want[i] };
  }
  return w;
}

export const show = (w: Worst) => `${w.err.toExponential(2)} at ${w.at} (got ${w.got}, want ${w.want})`;

/** Named tolerances of the gradient checks: relative error |a-n| / max(|a|, |n|, FLOOR). */
export const GRADCHECK_TOL = { rel: 1e-6, floor: 1e-4, step: 1e-3 } as const;

export function gradCheck(model: SequenceModel, rng: MT19937) {
  const n = model.batch * model.seqLength;
  const inputs = randomIds(n, model.vocabSize, rng);
  const targets = randomIds(n, model.vocabSize, rng);
  const s0 = randomState(model, rng);
  model.setState(s0);
  model.lossAndGrad(inputs, targets);
  const analytic = Float64Array.from(model.dtheta);
  const numeric = new Float64Array(model.numParams);
  const theta = model.theta;
  const h = GRADCHECK_TOL.step;
  for (let i = 0; i < model.numParams; i++) {
    const orig = theta[i];
    const at = (delta: number) => {
      theta[i] = orig + delta;
      model.setState(s0);
      return model.loss(inputs, targets);
    };
    // the fourth-order centered stencil: (8 (f(+h) - f(-h)) - (f(+2h) - f(-2h))) / 12h
    numeric[i] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
    theta[i] = orig;
  }
  let nonzero = 0;
  for (const g of analytic) if (Math.abs(g) > 1e-8) nonzero++;
  return { worst: worstRel(analytic, numeric, GRADCHECK_TOL.floor, (i) => where(model.tensors, i)), nonzero };
}
