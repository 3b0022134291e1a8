// The float64 reference of a whole model (rnn, LSTM or GRU) over a (B,T) window: each stream on its own,
// step by step, layer by layer, with the cells' one-step references (rnn.ts, lstm.ts, gru.ts), the decoder
// and softmax in
// plain loops, then backpropagation through time in reverse. Slow and obvious on purpose: the fast path
// (recurrent.ts with the cells' kernels) is tested against it. Same parameter layout, same state layout.
import { type GruStep, gruStepBackwardRef, gruStepRef } from './gru.js';
import { type LstmStep, lstmStepBackwardRef, lstmStepRef } from './lstm.js';
import { biasName, type RefLayer, recurrentTensors } from './recurrent.js';
import { type RnnStep, rnnStepBackwardRef, rnnStepRef } from './rnn.js';
import type { ModelKind, RecurrentConfig } from './types.js';

export interface ReferenceResult {
  /** summed over the B*T positions */
  loss: number;
  /** laid out like theta */
  dtheta: Float64Array;
  /** the carried states after the window, laid out like SequenceModel.getState() */
  state: Float64Array;
}

/**
 * Forward and backward of one window. inputs, targets are (B,T) b-major; state is per layer h (B,H), then
 * (LSTM) per layer c (B,H). `masks`, if given, are the dropout masks per layer, (T*B, H) time-major (row
 * t*B + b), applied to each layer's output; without them there is no dropout.
 */
export function referenceLossAndGrad(
  kind: ModelKind,
  cfg: RecurrentConfig,
  theta: ArrayLike<number>,
  inputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  state: ArrayLike<number>,
  masks?: readonly ArrayLike<number>[],
): ReferenceResult {
  const { vocabSize: V, hidden: H, layers: N, embedding: E, batch: B, seqLength: T } = cfg;
  const tensors = recurrentTensors(kind, cfg);
  const th = Float64Array.from(theta);
  const dth = new Float64Array(th.length);
  const view = (a: Float64Array, name: string) => {
    const t = tensors.find((x) => x.name === name);
    return t ? a.subarray(t.offset, t.offset + t.size) : new Float64Array(0);
  };
  const layer = (a: Float64Array, l: number): RefLayer => ({
    Wih: view(a, l === 0 && E === 0 ? 'l0.WihT' : `l${l}.Wih`),
    Whh: view(a, `l${l}.Whh`),
    bih: view(a, biasName(kind, l)),
    bhn: view(a, `l${l}.bhn`),
    H,
    In: l === 0 ? E : H,
    oneHot: l === 0 && E === 0,
  });
  const Ls = Array.from({ length: N }, (_, l) => layer(th, l));
  const dLs = Array.from({ length: N }, (_, l) => layer(dth, l));
  const [embed, dEmbed] = [view(th, 'embed'), view(dth, 'embed')];
  const [Why, dWhy, by, dby] = [view(th, 'Why'), view(dth, 'Why'), view(th, 'by'), view(dth, 'by')];
  const S = kind === 'lstm' ? 2 : 1;
  const out = Float64Array.from(state);
  // the dropout mask of layer l for stream b at step t, or null
  const maskOf = (l: number, t: number, b: number) => {
    if (!masks) return null;
    const m = new Float64Array(H);
    for (let j = 0; j < H; j++) m[j] = masks[l][(t * B + b) * H + j];
    return m;
  };
  const times = (a: Float64Array, m: Float64Array | null) => (m ? a.map((x, j) => x * m[j]) : a);
  let loss = 0;

  for (let b = 0; b < B; b++) {
    // this stream's carried states
    const h: Float64Array[] = Array.from({ length: N }, (_, l) =>
      out.slice((l * B + b) * H, (l * B + b + 1) * H),
    );
    const c: Float64Array[] = Array.from({ length: N }, (_, l) =>
      out.slice(((N + l) * B + b) * H, ((N + l) * B + b + 1) * H),
    );
    const steps: (LstmStep | GruStep | RnnStep)[][] = [];
    const dys: Float64Array[] = [];
    const tops: Float64Array[] = [];
    // forward
    for (let t = 0; t < T; t++) {
      const x = inputs[b * T + t];
      let inp: Float64Array | number = E > 0 ? embed.slice(x * E, x * E + E) : x;
      const row: (LstmStep | GruStep | RnnStep)[] = [];
      for (let l = 0; l < N; l++) {
        const s =
          kind === 'lstm'
            ? lstmStepRef(Ls[l], inp, h[l], c[l])
            : kind === 'gru'
              ? gruStepRef(Ls[l], inp, h[l])
              : rnnStepRef(Ls[l], inp, h[l]);
        h[l] = s.h;
        if (kind === 'lstm') c[l] = (s as LstmStep).c;
        row.push(s);
        inp = times(s.h, maskOf(l, t, b)); // dropout on the layer's output
      }
      steps.push(row);
      const top = inp as Float64Array;
      tops.push(top);
      const p = new Float64Array(V); // logits = Why top + by, then softmax
      let max = -Infinity;
      for (let j = 0; j < V; j++) {
        let s = by[j];
        for (let k = 0; k < H; k++) s += Why[j * H + k] * top[k];
        p[j] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let j = 0; j < V; j++) sum += p[j] = Math.exp(p[j] - max);
      for (let j = 0; j < V; j++) p[j] /= sum;
      const y = targets[b * T + t];
      loss -= Math.log(p[y]);
      p[y] -= 1; // dlogits
      dys.push(p);
    }
    // backward through time
    const dhNext = Array.from({ length: N }, () => new Float64Array(H));
    const dcNext = Array.from({ length: N }, () => new Float64Array(H));
    for (let t = T - 1; t >= 0; t--) {
      const dy = dys[t];
      const dtop = new Float64Array(H);
      for (let j = 0; j < V; j++) {
        dby[j] += dy[j];
        for (let k = 0; k < H; k++) {
          dWhy[j * H + k] += dy[j] * tops[t][k];
          dtop[k] += Why[j * H + k] * dy[j];
        }
      }
      let dOut: Float64Array | null = dtop; // gradient on layer l's (dropped) output
      for (let l = N - 1; l >= 0; l--) {
        const dh = times(dOut!, maskOf(l, t, b)).map((g, j) => g + dhNext[l][j]);
        const s = steps[t][l];
        if (kind === 'lstm') {
          const r = lstmStepBackwardRef(Ls[l], dLs[l], s as LstmStep, dh, dcNext[l]);
          [dOut, dhNext[l], dcNext[l]] = [r.dx, r.dhPrev, r.dcPrev];
        } else {
          const r =
            kind === 'gru'
              ? gruStepBackwardRef(Ls[l], dLs[l], s as GruStep, dh)
              : rnnStepBackwardRef(Ls[l], dLs[l], s as RnnStep, dh);
          [dOut, dhNext[l]] = [r.dx, r.dhPrev];
        }
      }
      if (E > 0) {
        const x = inputs[b * T + t];
        for (let k = 0; k < E; k++) dEmbed[x * E + k] += dOut![k];
      }
    }
    for (let l = 0; l < N; l++) {
      out.set(h[l], (l * B + b) * H);
      if (S === 2) out.set(c[l], ((N + l) * B + b) * H);
    }
  }
  return { loss, dtheta: dth, state: out };
}
