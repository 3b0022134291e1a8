// The plain TypeScript backend: the living definition of every kernel in `types.ts`, and the fallback
// where WebAssembly SIMD is missing. Straight loops, no cleverness; the wasm backend is tested against it.
import type { MT19937 } from '../rng.js';
import type { BackendName, Dtype, FloatArray, Kernels } from './types.js';

export class RefKernels implements Kernels {
  readonly backend: BackendName = 'ref';
  constructor(readonly dtype: Dtype) {}

  alloc(n: number): FloatArray {
    return this.dtype === 'f64' ? new Float64Array(n) : new Float32Array(n);
  }
  allocInt32(n: number): Int32Array {
    return new Int32Array(n);
  }

  // y (M) = W (M,K) @ x (K)
  gemv(y: FloatArray, W: FloatArray, x: FloatArray, M: number, K: number, acc: boolean): void {
    for (let i = 0; i < M; i++) {
      let s = 0;
      const row = i * K;
      for (let k = 0; k < K; k++) s += W[row + k] * x[k];
      y[i] = acc ? y[i] + s : s;
    }
  }

  // y (K) = W^T @ x, W is (M,K)
  gemvT(y: FloatArray, W: FloatArray, x: FloatArray, M: number, K: number, acc: boolean): void {
    if (!acc) y.fill(0, 0, K);
    for (let i = 0; i < M; i++) {
      const xi = x[i];
      const row = i * K;
      for (let k = 0; k < K; k++) y[k] = y[k] + W[row + k] * xi;
    }
  }

  // A (M,K) += x (M) y^T (K)
  ger(A: FloatArray, x: FloatArray, y: FloatArray, M: number, K: number): void {
    for (let i = 0; i < M; i++) {
      const xi = x[i];
      const row = i * K;
      for (let k = 0; k < K; k++) A[row + k] = A[row + k] + xi * y[k];
    }
  }

  // C (M,N) = A (M,K) @ B^T, B is (N,K)
  gemmNT(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
        C[i * N + j] = acc ? C[i * N + j] + s : s;
      }
    }
  }

  // C (M,N) = A (M,K) @ B (K,N)
  gemmNN(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void {
    if (!acc) C.fill(0, 0, M * N);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        const a = A[i * K + k];
        for (let j = 0; j < N; j++) C[i * N + j] = C[i * N + j] + a * B[k * N + j];
      }
    }
  }

  // C (M,N) = A^T @ B, A is (K,M), B is (K,N)
  gemmTN(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void {
    if (!acc) C.fill(0, 0, M * N);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < M; i++) {
        const a = A[k * M + i];
        for (let j = 0; j < N; j++) C[i * N + j] = C[i * N + j] + a * B[k * N + j];
      }
    }
  }

  // y (M) += W[:, col], W is (M,K)
  addColumn(y: FloatArray, W: FloatArray, col: number, M: number, K: number): void {
    for (let i = 0; i < M; i++) y[i] = y[i] + W[i * K + col];
  }

  // W[:, col] += x (M), W is (M,K)
  addToColumn(W: FloatArray, x: FloatArray, col: number, M: number, K: number): void {
    for (let i = 0; i < M; i++) W[i * K + col] = W[i * K + col] + x[i];
  }

  // Y (R,C) = E[ids[r], :]
  gatherRows(Y: FloatArray, E: FloatArray, ids: Int32Array, R: number, C: number): void {
    for (let r = 0; r < R; r++) Y.set(E.subarray(ids[r] * C, ids[r] * C + C), r * C);
  }

  // dE[ids[r], :] += dY[r, :]
  scatterAddRows(dE: FloatArray, dY: FloatArray, ids: Int32Array, R: number, C: number): void {
    for (let r = 0; r < R; r++) {
      const e = ids[r] * C;
      for (let c = 0; c < C; c++) dE[e + c] = dE[e + c] + dY[r * C + c];
    }
  }

  add(y: FloatArray, x: FloatArray, b: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) y[i] = x[i] + b[i];
  }

  addRowVector(Y: FloatArray, b: FloatArray, R: number, C: number): void {
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) Y[r * C + c] = Y[r * C + c] + b[c];
  }

  sumRows(b: FloatArray, X: FloatArray, R: number, C: number): void {
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) b[c] = b[c] + X[r * C + c];
  }

  tanh(y: FloatArray, x: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
  }

  tanhBackward(dx: FloatArray, y: FloatArray, dy: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) dx[i] = (1 - y[i] * y[i]) * dy[i];
  }

  sigmoid(y: FloatArray, x: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  }

  axpy(y: FloatArray, a: number, x: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) y[i] = y[i] + a * x[i];
  }

  scale(x: FloatArray, s: number, n: number): void {
    for (let i = 0; i < n; i++) x[i] = x[i] * s;
  }

  sumSquares(x: FloatArray, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  }

  clip(x: FloatArray, c: number, n: number): void {
    for (let i = 0; i < n; i++) x[i] = Math.min(c, Math.max(-c, x[i]));
  }

  softmaxXent(dlogits: FloatArray, logits: FloatArray, targets: Int32Array, R: number, C: number): number {
    let loss = 0;
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, logits[o + c]);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(logits[o + c] - max);
        dlogits[o + c] = e;
        sum += e;
      }
      const t = targets[r];
      // ps[t][targets[t]] as the seed computes it: exp / sum(exp), then -log
      loss -= Math.log(dlogits[o + t] / sum);
      for (let c = 0; c < C; c++) dlogits[o + c] = dlogits[o + c] / sum;
      dlogits[o + t] = dlogits[o + t] - 1;
    }
    return loss;
  }

  softmax(p: FloatArray, logits: FloatArray, n: number, invTemperature: number): void {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[i]);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp((logits[i] - max) * invTemperature);
      p[i] = e;
      sum += e;
    }
    for (let i = 0; i < n; i++) p[i] = p[i] / sum;
  }

  adagrad(
    param: FloatArray,
    grad: FloatArray,
    mem: FloatArray,
    n: number,
    lr: number,
    eps: number,
    clip: number,
  ): void {
    for (let i = 0; i < n; i++) {
      const g = Math.min(clip, Math.max(-clip, grad[i]));
      grad[i] = g;
      const m = mem[i] + g * g;
      mem[i] = m;
      // the seed: param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
      param[i] = param[i] + (-lr * g) / Math.sqrt(m + eps);
    }
  }
  rmsprop(
    param: FloatArray,
    grad: FloatArray,
    ms: FloatArray,
    n: number,
    lr: number,
    decay: number,
    eps: number,
  ): void {
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      const m = decay * ms[i] + (1 - decay) * g * g;
      ms[i] = m;
      param[i] = param[i] + (-lr * g) / (Math.sqrt(m) + eps);
    }
  }

  adam(
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    bc1: number,
    bc2: number,
    weightDecay: number,
  ): void {
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const keep = 1 - lr * weightDecay;
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      param[i] = param[i] * keep - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
  }

  mul(y: FloatArray, x: FloatArray, m: FloatArray, n: number): void {
    for (let i = 0; i < n; i++) y[i] = x[i] * m[i];
  }

  dropoutMask(mask: FloatArray, rng: MT19937, n: number, p: number, keep: number): void {
    rng.fillDropoutMask(mask, n, p, keep);
  }

  // G (B,4H) pre-activations -> activations; c, tanhC, h (B,H)
  lstmCellForward(
    G: FloatArray,
    c: FloatArray,
    tanhC: FloatArray,
    h: FloatArray,
    cPrev: FloatArray,
    B: number,
    H: number,
  ): void {
    for (let b = 0; b < B; b++) {
      const g0 = b * 4 * H;
      const s0 = b * H;
      for (let j = 0; j < H; j++) {
        const i = 1 / (1 + Math.exp(-G[g0 + j]));
        const f = 1 / (1 + Math.exp(-G[g0 + H + j]));
        const g = Math.tanh(G[g0 + 2 * H + j]);
        const o = 1 / (1 + Math.exp(-G[g0 + 3 * H + j]));
        G[g0 + j] = i;
        G[g0 + H + j] = f;
        G[g0 + 2 * H + j] = g;
        G[g0 + 3 * H + j] = o;
        const cj = f * cPrev[s0 + j] + i * g;
        const tc = Math.tanh(cj);
        c[s0 + j] = cj;
        tanhC[s0 + j] = tc;
        h[s0 + j] = o * tc;
      }
    }
  }

  // dG (B,4H), dcPrev (B,H) from G (B,4H) activations, cPrev, tanhC, dh, dc (B,H)
  lstmCellBackward(
    dG: FloatArray,
    dcPrev: FloatArray,
    G: FloatArray,
    cPrev: FloatArray,
    tanhC: FloatArray,
    dh: FloatArray,
    dc: FloatArray,
    B: number,
    H: number,
  ): void {
    for (let b = 0; b < B; b++) {
      const g0 = b * 4 * H;
      const s0 = b * H;
      for (let j = 0; j < H; j++) {
        const i = G[g0 + j];
        const f = G[g0 + H + j];
        const g = G[g0 + 2 * H + j];
        const o = G[g0 + 3 * H + j];
        const tc = tanhC[s0 + j];
        const dhj = dh[s0 + j];
        const dct = dc[s0 + j] + dhj * o * (1 - tc * tc);
        dG[g0 + j] = dct * g * i * (1 - i);
        dG[g0 + H + j] = dct * cPrev[s0 + j] * f * (1 - f);
        dG[g0 + 2 * H + j] = dct * i * (1 - g * g);
        dG[g0 + 3 * H + j] = dhj * tc * o * (1 - o);
        dcPrev[s0 + j] = dct * f;
      }
    }
  }

  // Gx (B,3H) -> r, z, n; Gh (B,3H) n part += bhn; h (B,H)
  gruCellForward(
    Gx: FloatArray,
    Gh: FloatArray,
    h: FloatArray,
    hPrev: FloatArray,
    bhn: FloatArray,
    B: number,
    H: number,
  ): void {
    for (let b = 0; b < B; b++) {
      const g0 = b * 3 * H;
      const s0 = b * H;
      for (let j = 0; j < H; j++) {
        const r = 1 / (1 + Math.exp(-(Gx[g0 + j] + Gh[g0 + j])));
        const z = 1 / (1 + Math.exp(-(Gx[g0 + H + j] + Gh[g0 + H + j])));
        const hn = Gh[g0 + 2 * H + j] + bhn[j];
        const n = Math.tanh(Gx[g0 + 2 * H + j] + r * hn);
        Gx[g0 + j] = r;
        Gx[g0 + H + j] = z;
        Gx[g0 + 2 * H + j] = n;
        Gh[g0 + 2 * H + j] = hn;
        h[s0 + j] = (1 - z) * n + z * hPrev[s0 + j];
      }
    }
  }

  // dGx, dGh (B,3H); dhPrev (B,H) += dh*z
  gruCellBackward(
    dGx: FloatArray,
    dGh: FloatArray,
    dhPrev: FloatArray,
    Gx: FloatArray,
    Gh: FloatArray,
    hPrev: FloatArray,
    dh: FloatArray,
    B: number,
    H: number,
  ): void {
    for (let b = 0; b < B; b++) {
      const g0 = b * 3 * H;
      const s0 = b * H;
      for (let j = 0; j < H; j++) {
        const r = Gx[g0 + j];
        const z = Gx[g0 + H + j];
        const n = Gx[g0 + 2 * H + j];
        const dhj = dh[s0 + j];
        const dn = dhj * (1 - z) * (1 - n * n);
        const dr = dn * Gh[g0 + 2 * H + j] * r * (1 - r);
        const dz = dhj * (hPrev[s0 + j] - n) * z * (1 - z);
        dGx[g0 + j] = dr;
        dGx[g0 + H + j] = dz;
        dGx[g0 + 2 * H + j] = dn;
        dGh[g0 + j] = dr;
        dGh[g0 + H + j] = dz;
        dGh[g0 + 2 * H + j] = dn * r;
        dhPrev[s0 + j] = dhPrev[s0 + j] + dhj * z;
      }
    }
  }

  rnnForward(G: FloatArray, hs: FloatArray, Whh: FloatArray, B: number, H: number, T: number): void {
    const n = B * H;
    for (let t = 0; t < T; t++) {
      const g = G.subarray(t * n, (t + 1) * n);
      this.gemmNT(g, hs.subarray(t * n, (t + 1) * n), Whh, B, H, H, true);
      this.tanh(hs.subarray((t + 1) * n, (t + 2) * n), g, n);
    }
  }

  rnnBackward(
    dG: FloatArray,
    dh: FloatArray,
    hs: FloatArray,
    Whh: FloatArray,
    B: number,
    H: number,
    T: number,
  ): void {
    const n = B * H;
    for (let t = T - 1; t >= 0; t--) {
      const dg = dG.subarray(t * n, (t + 1) * n);
      this.tanhBackward(dg, hs.subarray((t + 1) * n, (t + 2) * n), dh.subarray(t * n, (t + 1) * n), n);
      if (t > 0) this.gemmNN(dh.subarray((t - 1) * n, t * n), dg, Whh, B, H, H, true);
    }
  }
}
