// The WebAssembly SIMD backend: loads the kernels compiled from assembly/kernels.ts (embedded as base64 in
// wasm-binary.generated.ts by `npm run build:wasm`, so no fs or fetch is needed in Node or a browser).
// `initWasm()` compiles the module once; `createWasmKernels()` gives each caller a fresh instance with its
// own fixed-size memory and a bump allocator, and wraps the exports as a `Kernels` whose methods pass
// pointers (byte offsets) straight through: no allocation and no checks per call.
import { MT_RAW_WORDS } from '../rng.js';
import type { Dtype, FloatArray, KernelName, Kernels } from './types.js';
import { KERNEL_NAMES, wasmBase64, wasmRelaxedBase64 } from './wasm-binary.generated.js';

const PAGE = 65536;
/**
 * The first page is left to the module's static data (its f64 exp/log tables and the products' scratch) and
 * dropoutMask's copy of the generator state; the arena starts above.
 */
const RESERVED_BYTES = PAGE;
/** The most one instance can hand out: WebAssembly's 4 GiB of 32-bit addresses, less the reserved page. */
export const MAX_CAPACITY_BYTES = 65536 * PAGE - RESERVED_BYTES;

/**
 * One dtype's exports, with the `_f32` / `_f64` suffix dropped: each kernel of `Kernels` with its arrays
 * passed as pointers (byte offsets into the instance's memory) and its flags as 0 or 1.
 */
type KernelExports = {
  [K in KernelName]: (...args: Pointers<Parameters<Kernels[K]>>) => ReturnType<Kernels[K]>;
};
type Pointers<A extends unknown[]> = { [I in keyof A]: A[I] extends boolean ? 0 | 1 : number };

let compiled: WebAssembly.Module | null = null;
let compiling: Promise<boolean> | null = null;
let relaxedInUse = false;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface WasmOptions {
  /** another build of assembly/kernels.ts to use instead of the embedded ones (benchmarks, tests) */
  bytes?: Uint8Array<ArrayBuffer>;
  /** prefer the relaxed-simd build (fused multiply-add) where the engine has relaxed-simd (default true) */
  relaxed?: boolean;
}

/**
 * Compiles the embedded module once: the relaxed-simd build where the engine accepts it (FMA: faster, and
 * rounding that may differ from another machine's in the last bit), else the plain SIMD build. Resolves
 * false (and the caller stays on the reference kernels) where the engine lacks WebAssembly or its SIMD
 * proposal: compiling a module that uses v128 then fails. Only the first call counts.
 */
export function initWasm(options: WasmOptions | Uint8Array<ArrayBuffer> = {}): Promise<boolean> {
  const o: WasmOptions = options instanceof Uint8Array ? { bytes: options } : options;
  compiling ??= (async () => {
    if (typeof WebAssembly !== 'object') return false;
    const candidates = o.bytes
      ? [o.bytes]
      : o.relaxed === false
        ? [decodeBase64(wasmBase64)]
        : [decodeBase64(wasmRelaxedBase64), decodeBase64(wasmBase64)];
    for (const [i, bytes] of candidates.entries()) {
      try {
        compiled = await WebAssembly.compile(bytes);
        relaxedInUse = !o.bytes && o.relaxed !== false && i === 0;
        return true;
      } catch {
        // the engine lacks this build's features: try the next
      }
    }
    return false;
  })();
  return compiling;
}

/** Whether the kernels in use are the relaxed-simd (FMA) build. */
export function wasmRelaxed(): boolean {
  return relaxedInUse;
}

/** Whether `initWasm()` has succeeded. */
export function wasmAvailable(): boolean {
  return compiled !== null;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * `byteOffset` is a getter that V8 does not inline (~15 ns a read, three reads a call: more than the call
 * itself), so each array carries its offset under a symbol: set by `alloc`, and on first use for views
 * made with `subarray` (make those once, not per call). Wasm memory is never grown, so offsets never change.
 */
const PTR: unique symbol = Symbol('charrnn.wasmPtr');
type Tagged = { [PTR]?: number };
function ptr(a: FloatArray | Int32Array): number {
  let p = (a as Tagged)[PTR];
  if (p === undefined) {
    p = a.byteOffset;
    (a as Tagged)[PTR] = p;
  }
  return p;
}
function tag<A extends FloatArray | Int32Array>(a: A): A {
  (a as Tagged)[PTR] = a.byteOffset;
  return a;
}

/**
 * A wasm `Kernels` instance for `dtype` whose `alloc`/`allocInt32` can hand out `capacityBytes` in total
 * (see `bytesFor` in index.ts). The memory is sized once and never grown, so the views stay valid.
 */
export function createWasmKernels(dtype: Dtype, capacityBytes: number): Kernels {
  if (compiled === null) throw new Error('the wasm backend is not initialized: await initKernels() first');
  if (!(Number.isFinite(capacityBytes) && capacityBytes >= 0)) {
    throw new Error(`createWasmKernels: capacityBytes must be a finite number >= 0, got ${capacityBytes}`);
  }
  const capacity = align16(capacityBytes);
  const pages = Math.ceil((RESERVED_BYTES + capacity) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const raw = instance.exports as Record<string, unknown>;
  const heapBase = (raw['heapBase'] as () => number)();
  // dropoutMask's generator state is copied in and out here, right above the module's data
  const rngState = align16(heapBase);
  if (rngState + MT_RAW_WORDS * 4 > RESERVED_BYTES) {
    throw new Error(
      `wasm kernels: static data (${heapBase} bytes) and the RNG state exceed the reserved ${RESERVED_BYTES}`,
    );
  }
  const ex = {} as Record<keyof KernelExports, unknown>;
  for (const name of KERNEL_NAMES) ex[name] = raw[`${name}_${dtype}`];
  const k = ex as KernelExports;
  const buffer = memory.buffer;
  const end = RESERVED_BYTES + capacity;
  let top = RESERVED_BYTES;
  const rngWords = new Uint32Array(buffer, rngState, MT_RAW_WORDS);

  const take = (n: number, width: number, what: string): number => {
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`${what}(${n}): n must be an integer >= 0`);
    const offset = top;
    const next = align16(offset + n * width);
    if (next > end) {
      throw new Error(
        `wasm kernel arena full: ${what}(${n}) needs ${n * width} bytes, ` +
          `${end - offset} of ${capacity} left (size the arena with bytesFor)`,
      );
    }
    top = next;
    return offset;
  };

  // The methods: each binds its export once; per call, pointers in, nothing allocated.
  const gemv = k.gemv;
  const gemvT = k.gemvT;
  const ger = k.ger;
  const gemmNT = k.gemmNT;
  const gemmNN = k.gemmNN;
  const gemmTN = k.gemmTN;
  const addColumn = k.addColumn;
  const addToColumn = k.addToColumn;
  const gatherRows = k.gatherRows;
  const scatterAddRows = k.scatterAddRows;
  const add = k.add;
  const addRowVector = k.addRowVector;
  const sumRows = k.sumRows;
  const tanh = k.tanh;
  const tanhBackward = k.tanhBackward;
  const sigmoid = k.sigmoid;
  const axpy = k.axpy;
  const scale = k.scale;
  const sumSquares = k.sumSquares;
  const clip = k.clip;
  const softmaxXent = k.softmaxXent;
  const softmax = k.softmax;
  const adagrad = k.adagrad;
  const rmsprop = k.rmsprop;
  const adam = k.adam;
  const mul = k.mul;
  const dropoutMask = k.dropoutMask;
  const lstmCellForward = k.lstmCellForward;
  const lstmCellBackward = k.lstmCellBackward;
  const gruCellForward = k.gruCellForward;
  const gruCellBackward = k.gruCellBackward;
  const rnnForward = k.rnnForward;
  const rnnBackward = k.rnnBackward;

  const kernels: Kernels = {
    backend: 'wasm',
    dtype,
    alloc(n: number): FloatArray {
      if (dtype === 'f64') return tag(new Float64Array(buffer, take(n, 8, 'alloc'), n));
      return tag(new Float32Array(buffer, take(n, 4, 'alloc'), n));
    },
    allocInt32(n: number): Int32Array {
      return tag(new Int32Array(buffer, take(n, 4, 'allocInt32'), n));
    },
    gemv: (y, W, x, M, K, acc) => gemv(ptr(y), ptr(W), ptr(x), M, K, acc ? 1 : 0),
    gemvT: (y, W, x, M, K, acc) => gemvT(ptr(y), ptr(W), ptr(x), M, K, acc ? 1 : 0),
    ger: (A, x, y, M, K) => ger(ptr(A), ptr(x), ptr(y), M, K),
    gemmNT: (C, A, B, M, N, K, acc) => gemmNT(ptr(C), ptr(A), ptr(B), M, N, K, acc ? 1 : 0),
    gemmNN: (C, A, B, M, N, K, acc) => gemmNN(ptr(C), ptr(A), ptr(B), M, N, K, acc ? 1 : 0),
    gemmTN: (C, A, B, M, N, K, acc) => gemmTN(ptr(C), ptr(A), ptr(B), M, N, K, acc ? 1 : 0),
    addColumn: (y, W, col, M, K) => addColumn(ptr(y), ptr(W), col, M, K),
    addToColumn: (W, x, col, M, K) => addToColumn(ptr(W), ptr(x), col, M, K),
    gatherRows: (Y, E, ids, R, C) => gatherRows(ptr(Y), ptr(E), ptr(ids), R, C),
    scatterAddRows: (dE, dY, ids, R, C) => scatterAddRows(ptr(dE), ptr(dY), ptr(ids), R, C),
    add: (y, x, b, n) => add(ptr(y), ptr(x), ptr(b), n),
    addRowVector: (Y, b, R, C) => addRowVector(ptr(Y), ptr(b), R, C),
    sumRows: (b, X, R, C) => sumRows(ptr(b), ptr(X), R, C),
    tanh: (y, x, n) => tanh(ptr(y), ptr(x), n),
    tanhBackward: (dx, y, dy, n) => tanhBackward(ptr(dx), ptr(y), ptr(dy), n),
    sigmoid: (y, x, n) => sigmoid(ptr(y), ptr(x), n),
    axpy: (y, a, x, n) => axpy(ptr(y), a, ptr(x), n),
    scale: (x, s, n) => scale(ptr(x), s, n),
    sumSquares: (x, n) => sumSquares(ptr(x), n),
    clip: (x, c, n) => clip(ptr(x), c, n),
    softmaxXent: (dl, lg, tg, R, C) => softmaxXent(ptr(dl), ptr(lg), ptr(tg), R, C),
    softmax: (p, lg, n, invT) => softmax(ptr(p), ptr(lg), n, invT),
    adagrad: (param, grad, mem, n, lr, eps, c) => adagrad(ptr(param), ptr(grad), ptr(mem), n, lr, eps, c),
    rmsprop: (param, grad, ms, n, lr, decay, eps) =>
      rmsprop(ptr(param), ptr(grad), ptr(ms), n, lr, decay, eps),
    adam: (param, grad, m, v, n, lr, beta1, beta2, eps, bc1, bc2, wd) =>
      adam(ptr(param), ptr(grad), ptr(m), ptr(v), n, lr, beta1, beta2, eps, bc1, bc2, wd),
    mul: (y, x, m, n) => mul(ptr(y), ptr(x), ptr(m), n),
    dropoutMask: (mask, rng, n, p, keep) => {
      rng.saveRaw(rngWords);
      dropoutMask(ptr(mask), rngState, n, p, keep);
      rng.loadRaw(rngWords);
    },
    lstmCellForward: (G, c, tanhC, h, cPrev, B, H) =>
      lstmCellForward(ptr(G), ptr(c), ptr(tanhC), ptr(h), ptr(cPrev), B, H),
    lstmCellBackward: (dG, dcPrev, G, cPrev, tanhC, dh, dc, B, H) =>
      lstmCellBackward(ptr(dG), ptr(dcPrev), ptr(G), ptr(cPrev), ptr(tanhC), ptr(dh), ptr(dc), B, H),
    gruCellForward: (Gx, Gh, h, hPrev, bhn, B, H) =>
      gruCellForward(ptr(Gx), ptr(Gh), ptr(h), ptr(hPrev), ptr(bhn), B, H),
    gruCellBackward: (dGx, dGh, dhPrev, Gx, Gh, hPrev, dh, B, H) =>
      gruCellBackward(ptr(dGx), ptr(dGh), ptr(dhPrev), ptr(Gx), ptr(Gh), ptr(hPrev), ptr(dh), B, H),
    rnnForward: (G, hs, Whh, B, H, T) => rnnForward(ptr(G), ptr(hs), ptr(Whh), B, H, T),
    rnnBackward: (dG, dh, hs, Whh, B, H, T) => rnnBackward(ptr(dG), ptr(dh), ptr(hs), ptr(Whh), B, H, T),
  };
  return kernels;
}
