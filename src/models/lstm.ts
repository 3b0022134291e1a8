// The LSTM (PyTorch's gate math, order i, f, g, o):
//   i = sigmoid(Wi x + Ui h + bi), f = sigmoid(Wf x + Uf h + bf), g = tanh(Wg x + Ug h + bg),
//   o = sigmoid(Wo x + Uo h + bo);  c' = f*c + i*g;  h' = o*tanh(c')
// Two implementations with one meaning:
//  - `lstmStepRef` / `lstmStepBackwardRef`: one step of one stream in float64, plain loops, forward and
//    backward side by side (driven over layers, streams and time by reference.ts);
//  - `LstmModel`: the fast path on the kernels: per layer, the input projection of the whole window is one
//    gemm (recurrent.ts), then one (B,H) @ (4H,H)^T gemm per step and the fused `lstmCellForward`; backward
//    runs `lstmCellBackward` and one gemm per step, the weight gradients as one gemm over the window.
import type { FloatArray } from '../kernels/types.js';
import type { MT19937 } from '../rng.js';
import { projectBackwardRef, projectRef, RecurrentModel, type RefLayer, sigmoid } from './recurrent.js';
import type { RecurrentConfig } from './types.js';

// ---- reference: one step, forward and backward ----

/** One LSTM step's inputs and activations: everything the backward needs. Each vector is (H). */
export interface LstmStep {
  x: Float64Array | number;
  hPrev: Float64Array;
  cPrev: Float64Array;
  i: Float64Array;
  f: Float64Array;
  g: Float64Array;
  o: Float64Array;
  c: Float64Array;
  tanhC: Float64Array;
  h: Float64Array;
}

export function lstmStepRef(
  L: RefLayer,
  x: Float64Array | number,
  hPrev: Float64Array,
  cPrev: Float64Array,
): LstmStep {
  const H = L.H;
  const pre = new Float64Array(4 * H); // (4H) = Wih x + Whh hPrev + b
  for (let j = 0; j < 4 * H; j++) {
    let s = L.bih[j];
    for (let k = 0; k < H; k++) s += L.Whh[j * H + k] * hPrev[k];
    pre[j] = s;
  }
  projectRef(pre, L, x);
  const s: LstmStep = { x, hPrev, cPrev, i: v(H), f: v(H), g: v(H), o: v(H), c: v(H), tanhC: v(H), h: v(H) };
  for (let j = 0; j < H; j++) {
    s.i[j] = sigmoid(pre[j]);
    s.f[j] = sigmoid(pre[H + j]);
    s.g[j] = Math.tanh(pre[2 * H + j]);
    s.o[j] = sigmoid(pre[3 * H + j]);
    s.c[j] = s.f[j] * cPrev[j] + s.i[j] * s.g[j];
    s.tanhC[j] = Math.tanh(s.c[j]);
    s.h[j] = s.o[j] * s.tanhC[j];
  }
  return s;
}

/**
 * Backward of lstmStepRef: dh, dc (H) are the gradients on this step's h and c; accumulates into the
 * gradient layer dL and returns the gradients on x (null when one-hot), hPrev and cPrev.
 */
export function lstmStepBackwardRef(
  L: RefLayer,
  dL: RefLayer,
  s: LstmStep,
  dh: Float64Array,
  dc: Float64Array,
) {
  const H = L.H;
  const dpre = new Float64Array(4 * H);
  const dcPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const { i, f, g, o, tanhC } = { i: s.i[j], f: s.f[j], g: s.g[j], o: s.o[j], tanhC: s.tanhC[j] };
    const dct = dc[j] + dh[j] * o * (1 - tanhC * tanhC); // through h = o * tanh(c)
    dpre[j] = dct * g * i * (1 - i); // di
    dpre[H + j] = dct * s.cPrev[j] * f * (1 - f); // df
    dpre[2 * H + j] = dct * i * (1 - g * g); // dg
    dpre[3 * H + j] = dh[j] * tanhC * o * (1 - o); // do
    dcPrev[j] = dct * f;
  }
  const dhPrev = new Float64Array(H);
  for (let j = 0; j < 4 * H; j++) {
    dL.bih[j] += dpre[j];
    for (let k = 0; k < H; k++) {
      dL.Whh[j * H + k] += dpre[j] * s.hPrev[k];
      dhPrev[k] += L.Whh[j * H + k] * dpre[j];
    }
  }
  const dx = projectBackwardRef(dL, L, s.x, dpre);
  return { dx, dhPrev, dcPrev };
}

const v = (n: number) => new Float64Array(n);

// ---- fast path ----

export class LstmModel extends RecurrentModel {
  /** per layer ((T+1)B, H): block 0 is the carried c */
  private readonly cs: FloatArray[] = [];
  private readonly csRows: FloatArray[][] = [];
  /** per layer T views (B,H) of tanh(c) */
  private readonly tanhCRows: FloatArray[][] = [];
  /** (B,H): the gradient on c flowing back in time */
  private readonly dc: FloatArray;
  private readonly genC: FloatArray[] = [];
  private readonly genTanhC: FloatArray;
  private readonly forgetBias: number;

  constructor(cfg: RecurrentConfig) {
    const { hidden: H, layers: N, batch: B, seqLength: T } = cfg;
    const floats: number[] = [];
    for (let l = 0; l < N; l++) floats.push((T + 1) * B * H, T * B * H, H);
    floats.push(B * H, H);
    super('lstm', cfg, floats);
    this.forgetBias = cfg.forgetBias ?? 1;
    for (let l = 0; l < N; l++) {
      const c = this.take((T + 1) * B * H);
      this.cs.push(c);
      this.csRows.push(Array.from({ length: T + 1 }, (_, t) => c.subarray(t * B * H, (t + 1) * B * H)));
      this.stateBufs.push(c);
      const tc = this.take(T * B * H);
      this.tanhCRows.push(Array.from({ length: T }, (_, t) => tc.subarray(t * B * H, (t + 1) * B * H)));
      const gc = this.take(H);
      this.genC.push(gc);
      this.genStateBufs.push(gc);
    }
    this.dc = this.take(B * H);
    this.genTanhC = this.take(H);
  }

  /** PyTorch's uniform init, then the forget-gate bias set to `forgetBias` (default 1); the seed's init as it is. */
  override init(rng: MT19937): void {
    super.init(rng);
    if (this.seedInit) return;
    const H = this.H;
    for (const p of this.P) p.bih.fill(this.forgetBias, H, 2 * H);
  }

  protected recurrentForward(l: number): void {
    const { B, H, T, kernels: k } = this;
    const G = this.gateRows[l];
    const hs = this.hsRows[l];
    const cs = this.csRows[l];
    const tanhC = this.tanhCRows[l];
    const Whh = this.P[l].Whh;
    for (let t = 0; t < T; t++) {
      k.gemmNT(G[t], hs[t], Whh, B, 4 * H, H, true); // G_t (B,4H) += h_{t-1} (B,H) @ Whh^T
      k.lstmCellForward(G[t], cs[t + 1], tanhC[t], hs[t + 1], cs[t], B, H);
    }
  }

  protected recurrentBackward(l: number): void {
    const { B, H, T, kernels: k, dc } = this;
    const G = this.gateRows[l];
    const cs = this.csRows[l];
    const tanhC = this.tanhCRows[l];
    const dG = this.dGRows;
    const dh = this.dHsRows;
    const Whh = this.P[l].Whh;
    dc.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      k.lstmCellBackward(dG[t], dc, G[t], cs[t], tanhC[t], dh[t], dc, B, H); // dh[t] already has dhnext
      if (t > 0) k.gemmNN(dh[t - 1], dG[t], Whh, B, H, 4 * H, true); // dh_{t-1} (B,H) += dG_t @ Whh
    }
    k.gemmTN(this.dP[l].Whh, this.dG, this.hsPrev[l], 4 * H, H, T * B, false); // dWhh (4H,H) = dG^T @ h_prev
  }

  protected stepOne(l: number): void {
    const { H, kernels: k } = this;
    k.gemv(this.genG, this.P[l].Whh, this.genH[l], 4 * H, H, true);
    k.lstmCellForward(this.genG, this.genC[l], this.genTanhC, this.genH[l], this.genC[l], 1, H);
  }
}
