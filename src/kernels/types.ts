// The one kernel interface. Every model is written against it; two backends implement it:
// `ref.ts` (plain TypeScript, the living definition) and `wasm.ts` (WebAssembly SIMD, the fast path).
// Conventions: matrices are row-major; sizes are explicit arguments; `acc` means "add into out"
// instead of overwriting it. Output arguments come first. Arrays passed to a backend's functions must
// come from that backend's `alloc`/`allocInt32` (the wasm backend reads them from its own memory).
// The list of kernels is written once, as the WebAssembly module's exports (assembly/kernels.ts); the
// build reads it off the module (KERNEL_NAMES), and the type checker holds this interface to it, and
// both backends to this interface.
import type { MT19937 } from '../rng.js';
import type { KERNEL_NAMES } from './wasm-binary.generated.js';

export type Dtype = 'f32' | 'f64';
export type BackendName = 'ref' | 'wasm';
export type FloatArray = Float32Array | Float64Array;

/** A kernel's name: what the module exports (as <name>_f32 and <name>_f64). */
export type KernelName = (typeof KERNEL_NAMES)[number];

export interface Kernels {
  readonly backend: BackendName;
  readonly dtype: Dtype;

  /** A zero-filled array of n elements in this instance's memory, 16-byte aligned. Throws when full. */
  alloc(n: number): FloatArray;
  /** A zero-filled Int32Array of n elements in this instance's memory (token ids for the kernels). */
  allocInt32(n: number): Int32Array;

  // ---- products ----
  /** y (M) = W (M,K) @ x (K); y += ... when acc. */
  gemv(y: FloatArray, W: FloatArray, x: FloatArray, M: number, K: number, acc: boolean): void;
  /** y (K) = W^T @ x (M) where W is (M,K); y += ... when acc. */
  gemvT(y: FloatArray, W: FloatArray, x: FloatArray, M: number, K: number, acc: boolean): void;
  /** A (M,K) += x (M) outer y (K). */
  ger(A: FloatArray, x: FloatArray, y: FloatArray, M: number, K: number): void;
  /** C (M,N) = A (M,K) @ B^T where B is (N,K); C += ... when acc. */
  gemmNT(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void;
  /** C (M,N) = A (M,K) @ B (K,N); C += ... when acc. */
  gemmNN(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void;
  /** C (M,N) = A^T @ B where A is (K,M) and B is (K,N); C += ... when acc. */
  gemmTN(C: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, acc: boolean): void;

  // ---- gathers and scatters (the one-hot input, never materialized) ----
  /** y (M) += W[:, col] where W is (M,K): the product W @ onehot(col). */
  addColumn(y: FloatArray, W: FloatArray, col: number, M: number, K: number): void;
  /** W[:, col] += x (M) where W is (M,K): the gradient of addColumn. */
  addToColumn(W: FloatArray, x: FloatArray, col: number, M: number, K: number): void;
  /** Y (R,C) = E[ids[r], :] for r < R, where E is (rows of E, C): an embedding lookup. */
  gatherRows(Y: FloatArray, E: FloatArray, ids: Int32Array, R: number, C: number): void;
  /** dE[ids[r], :] += dY[r, :] for r < R: the gradient of gatherRows (rows may repeat). */
  scatterAddRows(dE: FloatArray, dY: FloatArray, ids: Int32Array, R: number, C: number): void;

  // ---- elementwise (y and x may be the same array) ----
  /** y (n) = x (n) + b (n); b may be the same array as y. */
  add(y: FloatArray, x: FloatArray, b: FloatArray, n: number): void;
  /** Y (R,C) += b (C) broadcast over rows. */
  addRowVector(Y: FloatArray, b: FloatArray, R: number, C: number): void;
  /** b (C) += sum over rows of X (R,C). */
  sumRows(b: FloatArray, X: FloatArray, R: number, C: number): void;
  /** y = tanh(x), n elements. */
  tanh(y: FloatArray, x: FloatArray, n: number): void;
  /** dx = (1 - y*y) * dy, where y = tanh(x); n elements. */
  tanhBackward(dx: FloatArray, y: FloatArray, dy: FloatArray, n: number): void;
  /** y = 1 / (1 + exp(-x)), n elements. */
  sigmoid(y: FloatArray, x: FloatArray, n: number): void;
  /** y = a * x + y (axpy), n elements. */
  axpy(y: FloatArray, a: number, x: FloatArray, n: number): void;
  /** x *= s, n elements. */
  scale(x: FloatArray, s: number, n: number): void;
  /** Sum of x[i]^2, accumulated in float64. */
  sumSquares(x: FloatArray, n: number): number;
  /** x = clamp(x, -c, c), n elements (the seed's np.clip(dparam, -5, 5, out=dparam)). */
  clip(x: FloatArray, c: number, n: number): void;

  // ---- softmax and loss ----
  /**
   * Row-wise softmax cross-entropy over logits (R,C) with targets ids (R). Writes dlogits = softmax - onehot
   * (the gradient of the summed loss; dlogits may be logits) and returns the summed loss -sum log p[target],
   * accumulated in float64. The max of each row is subtracted before exp.
   */
  softmaxXent(dlogits: FloatArray, logits: FloatArray, targets: Int32Array, R: number, C: number): number;
  /** p (n) = softmax(logits * invTemperature), max subtracted first. p may be logits. */
  softmax(p: FloatArray, logits: FloatArray, n: number, invTemperature: number): void;

  // ---- optimizers: one fused pass each ----
  /**
   * The seed's Adagrad with element-wise clipping, in one pass:
   * g = clamp(g, -clip, clip); mem += g*g; param += -lr * g / sqrt(mem + eps). g is left clipped.
   * clip = Infinity disables clipping.
   */
  adagrad(
    param: FloatArray,
    grad: FloatArray,
    mem: FloatArray,
    n: number,
    lr: number,
    eps: number,
    clip: number,
  ): void;
  /**
   * char-rnn's RMSProp (torch optim.rmsprop), in one pass:
   * ms = decay*ms + (1-decay)*g*g; param += -lr * g / (sqrt(ms) + eps).
   */
  rmsprop(
    param: FloatArray,
    grad: FloatArray,
    ms: FloatArray,
    n: number,
    lr: number,
    decay: number,
    eps: number,
  ): void;
  /**
   * Adam / AdamW as PyTorch computes them, in one pass (bc1 = 1 - beta1^t, bc2 = 1 - beta2^t):
   * param *= 1 - lr*weightDecay (decoupled, AdamW; 0 for Adam); m = beta1*m + (1-beta1)*g;
   * v = beta2*v + (1-beta2)*g*g; param += -(lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps).
   */
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
  ): void;

  // ---- recurrent cells and dropout (src/models) ----
  /** y (n) = x (n) * m (n), element-wise (dropout's mask, forward and backward); y may be x. */
  mul(y: FloatArray, x: FloatArray, m: FloatArray, n: number): void;
  /**
   * Inverted dropout's mask (n) from rng, advanced in place: the same draws, values and final state as
   * `for (let i = 0; i < n; i++) mask[i] = rng.random() < p ? 0 : keep` (rng.fillDropoutMask).
   */
  dropoutMask(mask: FloatArray, rng: MT19937, n: number, p: number, keep: number): void;
  /**
   * The LSTM cell's element-wise part for B rows, gates in PyTorch's order i, f, g, o (each H wide).
   * G (B,4H) holds the pre-activations on entry and i=sigmoid, f=sigmoid, g=tanh, o=sigmoid on exit;
   * c (B,H) = f*cPrev + i*g; tanhC (B,H) = tanh(c); h (B,H) = o*tanhC. c may be the same array as cPrev.
   */
  lstmCellForward(
    G: FloatArray,
    c: FloatArray,
    tanhC: FloatArray,
    h: FloatArray,
    cPrev: FloatArray,
    B: number,
    H: number,
  ): void;
  /**
   * Backward of lstmCellForward, from its saved activations G (B,4H), cPrev (B,H) and tanhC (B,H).
   * dh (B,H) is the whole gradient on h; dc (B,H) the gradient on c from the next step. With
   * dct = dc + dh*o*(1-tanhC^2): dG (B,4H) = [dct*g*i*(1-i), dct*cPrev*f*(1-f), dct*i*(1-g*g), dh*tanhC*o*(1-o)]
   * (gradients of the pre-activations) and dcPrev (B,H) = dct*f. dcPrev may be the same array as dc.
   */
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
  ): void;
  /**
   * The GRU cell's element-wise part for B rows, gates in PyTorch's order r, z, n (each H wide).
   * Gx (B,3H) = W_ih x + b_ih on entry, r=sigmoid(Gx_r+Gh_r), z=sigmoid(Gx_z+Gh_z), n=tanh(Gx_n + r*(Gh_n+bhn))
   * on exit; Gh (B,3H) = W_hh hPrev on entry, its n part has bhn (H) added on exit (kept for the backward);
   * h (B,H) = (1-z)*n + z*hPrev. h may be the same array as hPrev.
   */
  gruCellForward(
    Gx: FloatArray,
    Gh: FloatArray,
    h: FloatArray,
    hPrev: FloatArray,
    bhn: FloatArray,
    B: number,
    H: number,
  ): void;
  /**
   * Backward of gruCellForward, from its outputs Gx (B,3H) (r,z,n) and Gh (B,3H), and hPrev (B,H). dh (B,H)
   * is the whole gradient on h. With dn = dh*(1-z)*(1-n*n), dr = dn*Gh_n*r*(1-r), dz = dh*(hPrev-n)*z*(1-z):
   * dGx (B,3H) = [dr, dz, dn], dGh (B,3H) = [dr, dz, dn*r], and dhPrev (B,H) += dh*z (accumulates; the
   * caller adds dGh @ W_hh).
   */
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
  ): void;
  /**
   * The vanilla RNN's recurrence over a window of T steps and B rows, in one call: G (T,B,H) holds the input
   * projections (Wxh x_t + b) on entry, hs (T+1,B,H) the carried state in step 0. For t < T:
   * G_t += hs_t @ Whh^T (gemmNT), then hs_{t+1} = tanh(G_t). Exactly the step-by-step loop of those two kernels.
   */
  rnnForward(G: FloatArray, hs: FloatArray, Whh: FloatArray, B: number, H: number, T: number): void;
  /**
   * Backward of rnnForward: dh (T,B,H) holds each step's gradient from above on entry. For t = T-1 down to 0:
   * dG_t = (1 - hs_{t+1}^2) * dh_t (tanhBackward), then for t > 0, dh_{t-1} += dG_t @ Whh (gemmNN).
   */
  rnnBackward(
    dG: FloatArray,
    dh: FloatArray,
    hs: FloatArray,
    Whh: FloatArray,
    B: number,
    H: number,
    T: number,
  ): void;
}

/** The methods of Kernels that are kernels (not memory or identity). */
type KernelMethods = Exclude<keyof Kernels, 'backend' | 'dtype' | 'alloc' | 'allocInt32'>;
/** Compile-time check: the interface lists exactly the module's kernels (a mismatch names the odd ones out). */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? true
    : { onlyInInterface: Exclude<A, B>; onlyInModule: Exclude<B, A> }
  : { onlyInInterface: Exclude<A, B>; onlyInModule: Exclude<B, A> };
export const KERNEL_LIST_MATCHES: Same<KernelMethods, KernelName> = true;
