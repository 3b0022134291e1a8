// The seed's vanilla RNN: h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), y_t = Why h_t + by, softmax,
// cross-entropy summed over the window. Two implementations with one meaning:
//  - `lossFun`: the seed's lossFun line by line, in float64 on plain arrays (the reference path);
//  - `RnnModel`: the fast path on the kernels: only the Whh products run step by step; the output
//    projection, its transpose and the weight-gradient accumulations are matrix-matrix products over
//    the whole window; nothing is allocated per step; the one-hot input is a column gather.
import { bytesFor, createKernels } from './kernels/index.js';
import type { BackendName, Dtype, FloatArray, Kernels } from './kernels/types.js';
import type { MT19937 } from './rng.js';

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
  const g: RnnParams<Float64Array> = {
    Wxh: new Float64Array(H * V),
    Whh: new Float64Array(H * H),
    Why: new Float64Array(V * H),
    bh: new Float64Array(H),
    by: new Float64Array(V),
  };
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

/** The fast path: parameters, gradients and Adagrad memories in three flat arrays on one kernel instance. */
export class RnnModel {
  readonly kernels: Kernels;
  /** all parameters, flat, in the order Wxh, Whh, Why, bh, by; `params` views into it */
  readonly theta: FloatArray;
  readonly dtheta: FloatArray;
  readonly params: RnnParams;
  readonly grads: RnnParams;
  /** hprev: the hidden state carried from one window to the next */
  readonly hprev: FloatArray;
  readonly numParams: number;

  // window buffers: hs is (T+1, H) with hs[0] = hprev; ys doubles as dy (T, V); dhs (T, H) holds
  // dh from the output first, then dhraw in place
  private readonly hs: FloatArray;
  private readonly ys: FloatArray;
  private readonly dhs: FloatArray;
  private readonly dhnext: FloatArray;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;
  // row views made once (a subarray per step would be allocation in the hot loop): hsRow[t] is hs[t]
  private readonly hsRow: FloatArray[];
  private readonly dhsRow: FloatArray[];
  /** (T, H): hs[1..T], the seed's hs[0..T-1] */
  private readonly hsOut: FloatArray;
  // generation buffers: the pre-activation and the logits of one step
  private readonly genTmp: FloatArray;
  /** the hidden state of generation (separate from the training state `hprev`) */
  readonly genH: FloatArray;
  /** logits of the last `forwardOne` */
  readonly logits: FloatArray;

  constructor(
    readonly H: number,
    readonly V: number,
    readonly T: number,
    dtype: Dtype,
    backend?: BackendName,
    extraFloats: readonly number[] = [],
  ) {
    const P = H * V + H * H + V * H + H + V;
    this.numParams = P;
    const floats = [P, P, H, (T + 1) * H, T * V, T * H, H, H, H, V, ...extraFloats];
    const capacityBytes = bytesFor(dtype, floats, [T, T]);
    this.kernels = createKernels({ dtype, capacityBytes, ...(backend ? { backend } : {}) });
    const k = this.kernels;
    this.theta = k.alloc(P);
    this.dtheta = k.alloc(P);
    this.params = splitParams(this.theta, H, V);
    this.grads = splitParams(this.dtheta, H, V);
    this.hprev = k.alloc(H);
    this.hs = k.alloc((T + 1) * H);
    this.ys = k.alloc(T * V);
    this.dhs = k.alloc(T * H);
    this.dhnext = k.alloc(H);
    this.inputs = k.allocInt32(T);
    this.targets = k.allocInt32(T);
    this.hsRow = Array.from({ length: T + 1 }, (_, t) => this.hs.subarray(t * H, (t + 1) * H));
    this.hsOut = this.hs.subarray(H, (T + 1) * H);
    this.dhsRow = Array.from({ length: T }, (_, t) => this.dhs.subarray(t * H, (t + 1) * H));
    this.genTmp = k.alloc(H);
    this.genH = k.alloc(H);
    this.logits = k.alloc(V);
  }

  /**
   * One step of the seed's sample(): h = tanh(Wxh @ onehot(x) + Whh @ h + bh) in place, then
   * `logits` = Why @ h + by.
   */
  forwardOne(h: FloatArray, x: number): FloatArray {
    const { H, V, kernels: k, params: p, genTmp } = this;
    k.gemv(genTmp, p.Whh, h, H, H, false);
    k.addColumn(genTmp, p.Wxh, x, H, V);
    k.add(genTmp, genTmp, p.bh, H);
    k.tanh(h, genTmp, H);
    k.gemv(this.logits, p.Why, h, V, H, false);
    k.add(this.logits, this.logits, p.by, V);
    return this.logits;
  }

  /**
   * Forward and backward over one window (the seed's lossFun without the clipping, which the optimizer
   * fuses): fills `dtheta`, advances `hprev` to the last hidden state, returns the summed loss.
   */
  lossAndGrad(inputs: ArrayLike<number>, targets: ArrayLike<number>): number {
    const { H, V, T, kernels: k, params: p, grads: g, hs, ys, dhs, dhnext, hsRow, dhsRow, hsOut } = this;
    this.inputs.set(inputs as ArrayLike<number>);
    this.targets.set(targets as ArrayLike<number>);
    const x = this.inputs;
    // forward: the recurrence, one Whh product per step
    hs.set(this.hprev);
    for (let t = 0; t < T; t++) {
      const hPrev = hsRow[t];
      const h = hsRow[t + 1];
      k.gemv(h, p.Whh, hPrev, H, H, false); // Whh @ hs[t-1]
      k.addColumn(h, p.Wxh, x[t], H, V); // + Wxh @ xs[t]
      k.add(h, h, p.bh, H); // + bh
      k.tanh(h, h, H);
    }
    k.gemmNT(ys, hsOut, p.Why, T, V, H, false); // ys (T,V) = hs @ Why^T
    k.addRowVector(ys, p.by, T, V);
    const loss = k.softmaxXent(ys, ys, this.targets, T, V); // ys now holds dy = ps - onehot
    // backward: what does not depend on the recurrence is done for the whole window at once
    k.gemmTN(g.Why, ys, hsOut, V, H, T, false); // dWhy (V,H) = dy^T @ hs
    g.by.fill(0);
    k.sumRows(g.by, ys, T, V); // dby
    k.gemmNN(dhs, ys, p.Why, T, H, V, false); // dh from the output (T,H) = dy @ Why
    dhnext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const dh = dhsRow[t];
      k.add(dh, dh, dhnext, H); // dh = Why^T dy + dhnext
      k.tanhBackward(dh, hsRow[t + 1], dh, H); // dhraw
      k.gemvT(dhnext, p.Whh, dh, H, H, false); // dhnext = Whh^T @ dhraw
    }
    g.bh.fill(0);
    k.sumRows(g.bh, dhs, T, H); // dbh
    k.gemmTN(g.Whh, dhs, hs, H, H, T, false); // dWhh (H,H) = dhraw^T @ hs[t-1]
    g.Wxh.fill(0);
    for (let t = 0; t < T; t++) k.addToColumn(g.Wxh, dhsRow[t], x[t], H, V); // dWxh
    this.hprev.set(hsRow[T]);
    return loss;
  }
}

export function splitParams(flat: FloatArray, H: number, V: number): RnnParams {
  let o = 0;
  const take = (n: number) => {
    o += n;
    return flat.subarray(o - n, o);
  };
  return { Wxh: take(H * V), Whh: take(H * H), Why: take(V * H), bh: take(H), by: take(V) };
}
