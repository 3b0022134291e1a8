// The one kernel interface. Every model is written against it; two backends implement it:
// `ref.ts` (plain TypeScript, the living definition) and `wasm.ts` (WebAssembly SIMD, the fast path).
// Conventions: matrices are row-major; sizes are explicit arguments; `acc` means "add into out"
// instead of overwriting it. Output arguments come first. Arrays passed to a backend's functions must
// come from that backend's `alloc`/`allocInt32` (the wasm backend reads them from its own memory).

export type Dtype = 'f32' | 'f64';
export type BackendName = 'ref' | 'wasm';
export type FloatArray = Float32Array | Float64Array;

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
  adagrad(param: FloatArray, grad: FloatArray, mem: FloatArray, n: number, lr: number, eps: number, clip: number): void;
}
