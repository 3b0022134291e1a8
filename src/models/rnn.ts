// The vanilla RNN, the seed's model: h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), y_t = Why h_t + by, softmax,
// cross-entropy. As char-rnn's `-model rnn` it is a full model here: layers, an embedding, dropout and a
// batch of streams, like the LSTM and the GRU. Three implementations with one meaning:
//  - `lossFun`: the seed's lossFun line by line, in float64 on plain arrays, for one layer, one stream and
//    one-hot input, with the seed's names (the reference a reader of the book recognizes);
//  - `rnnStepRef` / `rnnStepBackwardRef`: one step of one layer and one stream in float64, forward and
//    backward side by side (driven over layers, streams and time by reference.ts, like the other cells);
//  - `RnnModel`: the fast path on the kernels (recurrent.ts): the input projection of the whole window is
//    one gemm or a row gather, then the recurrence in one call (`rnnForward`: a (B,H) @ (H,H)^T product and
//    a tanh per step); backward in one call (`rnnBackward`: a tanh derivative and a product per step), the
//    weight gradients as one gemm over the window.
// The one-hot layer 0 keeps its input weights transposed, (V,H) (`l0.WihT`), so the input is a row
// gather; `toSeedParams` / `setSeedParams` convert to and from the seed's (H,V) Wxh.
import type { FloatArray } from '../kernels/types.js';
import type { MT19937 } from '../rng.js';
import { biasName, projectBackwardRef, projectRef, RecurrentModel, type RefLayer } from './recurrent.js';
import type { RecurrentConfig } from './types.js';

// ---- the seed's reference: lossFun, with the seed's names ----

/** The seed's parameters, by the seed's names. */
export interface RnnParams<A extends FloatArray = FloatArray> {
  /** (H, V) input to hidden */
  Wxh: A;
  /** (H, H) hidden to hidden */
  Whh: A;
  /** (V, H) hidden to output */
  Why: A;
  /** (H) hidden bias */
  bh: A;
  /** (V) output bias */
  by: A;
}

export const RNN_PARAM_NAMES = ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const;
export type RnnParamName = (typeof RNN_PARAM_NAMES)[number];

export function rnnShapes(H: number, V: number): Record<RnnParamName, number[]> {
  return { Wxh: [H, V], Whh: [H, H], Why: [V, H], bh: [H], by: [V] };
}

/** Zero arrays of the seed's shapes. */
export function zeroRnnParams(H: number, V: number): RnnParams<Float64Array> {
  return {
    Wxh: new Float64Array(H * V),
    Whh: new Float64Array(H * H),
    Why: new Float64Array(V * H),
    bh: new Float64Array(H),
    by: new Float64Array(V),
  };
}

/** Wxh = randn(H,V)*0.01; Whh = randn(H,H)*0.01; Why = randn(V,H)*0.01 (in that order); biases zero. */
export function initRnnParams(p: RnnParams, rng: MT19937): void {
  rng.fillRandn(p.Wxh, 0.01);
  rng.fillRandn(p.Whh, 0.01);
  rng.fillRandn(p.Why, 0.01);
  p.bh.fill(0);
  p.by.fill(0);
}

export interface LossResult {
  loss: number;
  grads: RnnParams<Float64Array>;
  /** hs[len(inputs) - 1]: the hidden state to carry into the next window */
  h: Float64Array;
}

/**
 * The seed's lossFun(inputs, targets, hprev), float64, as written in the book: forward pass, backward
 * pass (BPTT), then every gradient clipped to [-clip, clip]. The only changes: xs[t] is never built
 * (Wxh @ onehot(i) is the column Wxh[:, i]) and softmax subtracts the max first.
 */
export function lossFun(
  P: RnnParams<Float64Array>,
  inputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  hprev: Float64Array,
  clip = 5,
): LossResult {
  const H = P.bh.length;
  const V = P.by.length;
  const T = inputs.length;
  const hs: Float64Array[] = [Float64Array.from(hprev)]; // hs[t + 1] is the seed's hs[t]
  const ps: Float64Array[] = [];
  let loss = 0;
  // forward pass
  for (let t = 0; t < T; t++) {
    const h = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let a = P.Wxh[i * V + inputs[t]]; // np.dot(Wxh, xs[t])
      let s = 0;
      for (let k = 0; k < H; k++) s += P.Whh[i * H + k] * hs[t][k]; // np.dot(Whh, hs[t-1])
      a += s;
      h[i] = Math.tanh(a + P.bh[i]);
    }
    hs.push(h);
    const y = new Float64Array(V); // unnormalized log probabilities for next chars
    let max = -Infinity;
    for (let j = 0; j < V; j++) {
      let s = 0;
      for (let k = 0; k < H; k++) s += P.Why[j * H + k] * h[k];
      y[j] = s + P.by[j];
      max = Math.max(max, y[j]);
    }
    let sum = 0;
    for (let j = 0; j < V; j++) sum += y[j] = Math.exp(y[j] - max);
    for (let j = 0; j < V; j++) y[j] /= sum; // probabilities for next chars
    ps.push(y);
    loss += -Math.log(y[targets[t]]); // softmax (cross-entropy loss)
  }
  // backward pass: compute gradients going backwards
  const g = zeroRnnParams(H, V);
  let dhnext = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const dy = Float64Array.from(ps[t]);
    dy[targets[t]] -= 1; // backprop into y
    const h = hs[t + 1];
    const hPrev = hs[t];
    const dh = Float64Array.from(dhnext);
    for (let j = 0; j < V; j++) {
      for (let k = 0; k < H; k++) {
        g.Why[j * H + k] += dy[j] * h[k]; // dWhy += np.dot(dy, hs[t].T)
        dh[k] += P.Why[j * H + k] * dy[j]; // dh = np.dot(Why.T, dy) + dhnext
      }
      g.by[j] += dy[j];
    }
    const dhraw = new Float64Array(H);
    for (let i = 0; i < H; i++) dhraw[i] = (1 - h[i] * h[i]) * dh[i]; // backprop through tanh
    const next = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      g.bh[i] += dhraw[i];
      g.Wxh[i * V + inputs[t]] += dhraw[i]; // dWxh += np.dot(dhraw, xs[t].T)
      for (let k = 0; k < H; k++) {
        g.Whh[i * H + k] += dhraw[i] * hPrev[k]; // dWhh += np.dot(dhraw, hs[t-1].T)
        next[k] += P.Whh[i * H + k] * dhraw[i]; // dhnext = np.dot(Whh.T, dhraw)
      }
    }
    dhnext = next;
  }
  for (const name of RNN_PARAM_NAMES) {
    const d = g[name];
    for (let i = 0; i < d.length; i++) d[i] = Math.min(clip, Math.max(-clip, d[i])); // clip to mitigate exploding gradients
  }
  return { loss, grads: g, h: hs[T] };
}

// ---- reference: one step of one layer, forward and backward ----

/** One RNN step's input and activation: everything the backward needs. Each vector is (H). */
export interface RnnStep {
  x: Float64Array | number;
  hPrev: Float64Array;
  h: Float64Array;
}

export function rnnStepRef(L: RefLayer, x: Float64Array | number, hPrev: Float64Array): RnnStep {
  const H = L.H;
  const pre = Float64Array.from(L.bih); // (H) = Wih x + b + Whh hPrev
  projectRef(pre, L, x);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let k = 0; k < H; k++) s += L.Whh[j * H + k] * hPrev[k];
    pre[j] += s;
  }
  return { x, hPrev, h: pre.map(Math.tanh) };
}

/** Backward of rnnStepRef: accumulates into dL; returns the gradients on x (null when one-hot) and hPrev. */
export function rnnStepBackwardRef(L: RefLayer, dL: RefLayer, s: RnnStep, dh: Float64Array) {
  const H = L.H;
  const dpre = new Float64Array(H);
  for (let j = 0; j < H; j++) dpre[j] = (1 - s.h[j] * s.h[j]) * dh[j]; // through tanh
  const dhPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    dL.bih[j] += dpre[j];
    for (let k = 0; k < H; k++) {
      dL.Whh[j * H + k] += dpre[j] * s.hPrev[k];
      dhPrev[k] += L.Whh[j * H + k] * dpre[j];
    }
  }
  const dx = projectBackwardRef(dL, L, s.x, dpre);
  return { dx, dhPrev };
}

// ---- fast path ----

export class RnnModel extends RecurrentModel {
  constructor(cfg: RecurrentConfig) {
    super('rnn', cfg, []);
  }

  protected recurrentForward(l: number): void {
    const { B, H, T, kernels: k } = this;
    // for t < T: G_t (B,H) += h_{t-1} (B,H) @ Whh^T; h_t = tanh(Wxh x_t + bh + Whh h_{t-1})
    k.rnnForward(this.gates[l], this.hs[l], this.P[l].Whh, B, H, T);
  }

  protected recurrentBackward(l: number): void {
    const { B, H, T, kernels: k } = this;
    // for t from T-1 down: dhraw = (1 - h^2) * dh (dh[t] already has dhnext); dhnext (B,H) = dhraw @ Whh
    k.rnnBackward(this.dG, this.dHs, this.hs[l], this.P[l].Whh, B, H, T);
    k.gemmTN(this.dP[l].Whh, this.dG, this.hsPrev[l], H, H, T * B, false); // dWhh (H,H) = dhraw^T @ h_prev
  }

  protected stepOne(l: number): void {
    const { H, kernels: k } = this;
    k.gemv(this.genG, this.P[l].Whh, this.genH[l], H, H, true);
    k.tanh(this.genH[l], this.genG, H);
  }
}

// ---- the seed's names on a one-layer, one-hot RnnModel ----

/** The seed's layout (Wxh (H,V) and the rest) as float64 copies of `flat`, laid out like theta (or dtheta). */
export function toSeedParams(
  model: RnnModel,
  flat: ArrayLike<number> = model.theta,
): RnnParams<Float64Array> {
  const { H, V, at } = seedLayout(model);
  const p = zeroRnnParams(H, V);
  const WihT = at('l0.WihT');
  for (let i = 0; i < H; i++) for (let j = 0; j < V; j++) p.Wxh[i * V + j] = flat[WihT + j * H + i];
  const copy = (dst: Float64Array, from: number) => {
    for (let i = 0; i < dst.length; i++) dst[i] = flat[from + i];
  };
  copy(p.Whh, at('l0.Whh'));
  copy(p.Why, at('Why'));
  copy(p.bh, at(biasName('rnn', 0)));
  copy(p.by, at('by'));
  return p;
}

/** Writes the seed's parameters into `flat` (theta by default), laid out like theta. */
export function setSeedParams(model: RnnModel, p: RnnParams, flat: FloatArray = model.theta): void {
  const { H, V, at } = seedLayout(model);
  const WihT = at('l0.WihT');
  for (let i = 0; i < H; i++) for (let j = 0; j < V; j++) flat[WihT + j * H + i] = p.Wxh[i * V + j];
  flat.set(p.Whh, at('l0.Whh'));
  flat.set(p.Why, at('Why'));
  flat.set(p.bh, at(biasName('rnn', 0)));
  flat.set(p.by, at('by'));
}

function seedLayout(model: RnnModel) {
  const wih = model.tensors.find((t) => t.name === 'l0.WihT');
  if (!wih || model.tensors.length !== 5) {
    throw new RangeError("the seed's names fit a one-layer rnn with one-hot input only");
  }
  const at = (name: string) => model.tensors.find((t) => t.name === name)!.offset;
  return { H: model.hidden, V: model.vocabSize, at };
}
