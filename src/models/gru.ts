// The GRU (PyTorch's gate math, order r, z, n):
//   r = sigmoid(Wr x + br + Ur h), z = sigmoid(Wz x + bz + Uz h), n = tanh(Wn x + bn + r*(Un h + bhn)),
//   h' = (1-z)*n + z*h
// (PyTorch's b_hr and b_hz are folded into b_ir and b_iz: they only ever appear summed.)
// Two implementations with one meaning:
//  - `gruStepRef` / `gruStepBackwardRef`: one step of one stream in float64, plain loops, forward and
//    backward side by side (driven over layers, streams and time by reference.ts);
//  - `GruModel`: the fast path on the kernels: per layer, the input projection of the whole window is one
//    gemm (recurrent.ts), then one (B,H) @ (3H,H)^T gemm per step and the fused `gruCellForward`; backward
//    runs `gruCellBackward` and one gemm per step, the weight gradients as one gemm over the window.
import type { FloatArray } from '../kernels/types.js';
import { projectBackwardRef, projectRef, RecurrentModel, type RefLayer, sigmoid } from './recurrent.js';
import type { RecurrentConfig } from './types.js';

// ---- reference: one step, forward and backward ----

/** One GRU step's inputs and activations: everything the backward needs. Each vector is (H). */
export interface GruStep {
  x: Float64Array | number;
  hPrev: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  /** Un hPrev + bhn: what r multiplies */
  hn: Float64Array;
  h: Float64Array;
}

export function gruStepRef(L: RefLayer, x: Float64Array | number, hPrev: Float64Array): GruStep {
  const H = L.H;
  const px = Float64Array.from(L.bih); // (3H) = Wih x + bih
  projectRef(px, L, x);
  const ph = new Float64Array(3 * H); // (3H) = Whh hPrev
  for (let j = 0; j < 3 * H; j++) {
    let s = 0;
    for (let k = 0; k < H; k++) s += L.Whh[j * H + k] * hPrev[k];
    ph[j] = s;
  }
  const s: GruStep = { x, hPrev, r: v(H), z: v(H), n: v(H), hn: v(H), h: v(H) };
  for (let j = 0; j < H; j++) {
    s.r[j] = sigmoid(px[j] + ph[j]);
    s.z[j] = sigmoid(px[H + j] + ph[H + j]);
    s.hn[j] = ph[2 * H + j] + L.bhn[j];
    s.n[j] = Math.tanh(px[2 * H + j] + s.r[j] * s.hn[j]);
    s.h[j] = (1 - s.z[j]) * s.n[j] + s.z[j] * hPrev[j];
  }
  return s;
}

/**
 * Backward of gruStepRef: dh (H) is the gradient on this step's h; accumulates into the gradient layer dL
 * and returns the gradients on x (null when one-hot) and hPrev.
 */
export function gruStepBackwardRef(L: RefLayer, dL: RefLayer, s: GruStep, dh: Float64Array) {
  const H = L.H;
  const dpx = new Float64Array(3 * H); // gradient of Wih x + bih
  const dph = new Float64Array(3 * H); // gradient of Whh hPrev (+ bhn for the n part)
  const dhPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const { r, z, n } = { r: s.r[j], z: s.z[j], n: s.n[j] };
    const dn = dh[j] * (1 - z) * (1 - n * n); // through h = (1-z)*n + z*hPrev, n = tanh(.)
    const dr = dn * s.hn[j] * r * (1 - r);
    const dz = dh[j] * (s.hPrev[j] - n) * z * (1 - z);
    dpx[j] = dr;
    dpx[H + j] = dz;
    dpx[2 * H + j] = dn;
    dph[j] = dr;
    dph[H + j] = dz;
    dph[2 * H + j] = dn * r;
    dL.bhn[j] += dn * r;
    dhPrev[j] = dh[j] * z;
  }
  for (let j = 0; j < 3 * H; j++) {
    dL.bih[j] += dpx[j];
    for (let k = 0; k < H; k++) {
      dL.Whh[j * H + k] += dph[j] * s.hPrev[k];
      dhPrev[k] += L.Whh[j * H + k] * dph[j];
    }
  }
  const dx = projectBackwardRef(dL, L, s.x, dpx);
  return { dx, dhPrev };
}

const v = (n: number) => new Float64Array(n);

// ---- fast path ----

export class GruModel extends RecurrentModel {
  /** per layer T views (B,3H): Whh h_{t-1}, its n part plus bhn after the cell */
  private readonly ghRows: FloatArray[][] = [];
  /** (TB,3H): gradient of Whh h_{t-1} (+ bhn) */
  private readonly dGh: FloatArray;
  private readonly dGhRows: FloatArray[];
  /** (B,H): where the gradient on the carried h goes (truncated BPTT drops it) */
  private readonly dh0: FloatArray;
  /** (3H): column sums of dGh */
  private readonly sum3: FloatArray;
  private readonly genGh: FloatArray;

  constructor(cfg: RecurrentConfig) {
    const { hidden: H, layers: N, batch: B, seqLength: T } = cfg;
    const floats: number[] = [];
    for (let l = 0; l < N; l++) floats.push(T * B * 3 * H);
    floats.push(T * B * 3 * H, B * H, 3 * H, 3 * H);
    super('gru', cfg, floats);
    for (let l = 0; l < N; l++) {
      const gh = this.take(T * B * 3 * H);
      this.ghRows.push(Array.from({ length: T }, (_, t) => gh.subarray(t * B * 3 * H, (t + 1) * B * 3 * H)));
    }
    this.dGh = this.take(T * B * 3 * H);
    this.dGhRows = Array.from({ length: T }, (_, t) => this.dGh.subarray(t * B * 3 * H, (t + 1) * B * 3 * H));
    this.dh0 = this.take(B * H);
    this.sum3 = this.take(3 * H);
    this.genGh = this.take(3 * H);
  }

  protected recurrentForward(l: number): void {
    const { B, H, T, kernels: k } = this;
    const Gx = this.gateRows[l];
    const Gh = this.ghRows[l];
    const hs = this.hsRows[l];
    const p = this.P[l];
    for (let t = 0; t < T; t++) {
      k.gemmNT(Gh[t], hs[t], p.Whh, B, 3 * H, H, false); // Gh_t (B,3H) = h_{t-1} (B,H) @ Whh^T
      k.gruCellForward(Gx[t], Gh[t], hs[t + 1], hs[t], p.bhn, B, H);
    }
  }

  protected recurrentBackward(l: number): void {
    const { B, H, T, kernels: k } = this;
    const Gx = this.gateRows[l];
    const Gh = this.ghRows[l];
    const hs = this.hsRows[l];
    const dGx = this.dGRows;
    const dGh = this.dGhRows;
    const dh = this.dHsRows;
    const Whh = this.P[l].Whh;
    for (let t = T - 1; t >= 0; t--) {
      const dhPrev = t > 0 ? dh[t - 1] : this.dh0.fill(0);
      k.gruCellBackward(dGx[t], dGh[t], dhPrev, Gx[t], Gh[t], hs[t], dh[t], B, H); // dhPrev += dh*z
      if (t > 0) k.gemmNN(dhPrev, dGh[t], Whh, B, H, 3 * H, true); // dh_{t-1} (B,H) += dGh_t @ Whh
    }
    const d = this.dP[l];
    k.gemmTN(d.Whh, this.dGh, this.hsPrev[l], 3 * H, H, T * B, false); // dWhh (3H,H) = dGh^T @ h_prev
    this.sum3.fill(0);
    k.sumRows(this.sum3, this.dGh, T * B, 3 * H);
    d.bhn.set(this.sum3.subarray(2 * H, 3 * H)); // dbhn: the n part
  }

  protected stepOne(l: number): void {
    const { H, kernels: k } = this;
    const p = this.P[l];
    k.gemv(this.genGh, p.Whh, this.genH[l], 3 * H, H, false);
    k.gruCellForward(this.genG, this.genGh, this.genH[l], this.genH[l], p.bhn, 1, H);
  }
}
