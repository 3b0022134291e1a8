// Kernel micro-benchmark: each hot kernel at the seed's sizes (H=100, V=65, T=25), for ref/wasm x f32/f64,
// as the median of several timed batches; prints ns per call and GFLOP/s (products) or Melem/s (the rest),
// then the seed's whole training iteration (lossAndGrad + fused Adagrad) run as a kernel-only loop with
// views made once. Run: node --import tsx bench/kernels.ts [--quick] [--min] [--only=wasm] [--dtype=f32]
// [--kernel=gemm] [--wasm=build/kernels-relaxed.wasm]
// --lstm instead times the products of the LSTM recipe (2 x 256, embedding 64, batch 32, seq 64: TB = 2048
// rows, 1024 per thread on two threads) on the wasm backend only (f32 unless --dtype=f64), in GFLOP/s.
import { readFileSync } from 'node:fs';
import { bytesFor } from '../src/kernels/index.js';
import { RefKernels } from '../src/kernels/ref.js';
import type { BackendName, Dtype, FloatArray, Kernels } from '../src/kernels/types.js';
import { createWasmKernels, initWasm } from '../src/kernels/wasm.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyBackend = args.find((a) => a.startsWith('--only='))?.slice(7);
const onlyDtype = args.find((a) => a.startsWith('--dtype='))?.slice(8);
const onlyKernel = args.find((a) => a.startsWith('--kernel='))?.slice(9);
/** The statistic reported: the median (default), or the minimum (steadier on a busy machine). */
const useMin = args.includes('--min');
/** Timed batches per measurement (the median is reported) and the target length of one batch. */
const REPEATS = quick ? 5 : 11;
const BATCH_MS = quick ? 4 : 10;

const H = 100;
const V = 65;
const T = 25;
const P = H * V + H * H + V * H + H + V;

const now = (): number => performance.now();

/** Median ns per call of fn, over REPEATS batches of a calibrated number of calls. */
function timeIt(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    const dt = now() - t0;
    if (dt > BATCH_MS / 4) {
      n = Math.max(1, Math.round((n * BATCH_MS) / dt));
      break;
    }
    n *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((now() - t0) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return useMin ? samples[0]! : samples[samples.length >> 1]!;
}

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) | 0;
  return ((seed >>> 8) / 16777216) * 2 - 1;
}

function makeKernels(backend: BackendName, dtype: Dtype, floats: number[], int32s: number[] = []): Kernels {
  return backend === 'ref'
    ? new RefKernels(dtype)
    : createWasmKernels(dtype, bytesFor(dtype, floats, int32s));
}
function filled(k: Kernels, n: number, scale = 1): FloatArray {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = random() * scale;
  return a;
}
function ids(k: Kernels, n: number, below: number): Int32Array {
  const a = k.allocInt32(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(((random() + 1) / 2) * below);
  return a;
}

interface Bench {
  name: string;
  /** flops per call (products), or elements per call (unit 'elem') */
  work: number;
  unit: 'flop' | 'elem';
  /** Allocates on k and returns the call to time. */
  setup: (backend: BackendName, dtype: Dtype) => () => void;
}

/** A benchmark whose arrays are sized `sizes` (in allocation order) on a fresh instance. */
function bench(
  name: string,
  work: number,
  unit: 'flop' | 'elem',
  sizes: number[],
  make: (k: Kernels, a: FloatArray[]) => () => void,
  int32s: number[] = [],
): Bench {
  return {
    name,
    work,
    unit,
    setup: (backend, dtype) => {
      const k = makeKernels(backend, dtype, sizes, int32s);
      return make(
        k,
        sizes.map((n) => filled(k, n)),
      );
    },
  };
}

const benches: Bench[] = [
  bench(
    `gemv ${H}x${H}`,
    2 * H * H,
    'flop',
    [H, H * H, H],
    (k, [y, W, x]) =>
      () =>
        k.gemv(y!, W!, x!, H, H, false),
  ),
  bench(
    `gemvT ${H}x${H}`,
    2 * H * H,
    'flop',
    [H, H * H, H],
    (k, [y, W, x]) =>
      () =>
        k.gemvT(y!, W!, x!, H, H, false),
  ),
  bench(
    `rnnForward ${T}x${H} (recurrence)`,
    2 * T * H * H,
    'flop',
    [T * H, (T + 1) * H, H * H],
    (k, [G, hs, W]) => {
      for (let i = 0; i < W!.length; i++) W![i] *= 0.1; // keep tanh off its flat tails
      const G0 = G!.slice();
      return () => {
        G!.set(G0);
        k.rnnForward(G!, hs!, W!, 1, H, T);
      };
    },
  ),
  bench(
    `rnnBackward ${T}x${H} (recurrence)`,
    2 * (T - 1) * H * H,
    'flop',
    [T * H, T * H, (T + 1) * H, H * H],
    (k, [dG, dh, hs, W]) => {
      const dh0 = dh!.slice();
      return () => {
        dh!.set(dh0);
        k.rnnBackward(dG!, dh!, hs!, W!, 1, H, T);
      };
    },
  ),
  bench(
    `gemv ${V}x${H} (sample)`,
    2 * V * H,
    'flop',
    [V, V * H, H],
    (k, [y, W, x]) =>
      () =>
        k.gemv(y!, W!, x!, V, H, false),
  ),
  bench(
    `gemmNT ${T}x${V}x${H} (ys)`,
    2 * T * V * H,
    'flop',
    [T * V, T * H, V * H],
    (k, [c, a, b]) =>
      () =>
        k.gemmNT(c!, a!, b!, T, V, H, false),
  ),
  bench(
    `gemmNN ${T}x${H}x${V} (dhs)`,
    2 * T * V * H,
    'flop',
    [T * H, T * V, V * H],
    (k, [c, a, b]) =>
      () =>
        k.gemmNN(c!, a!, b!, T, H, V, false),
  ),
  bench(
    `gemmTN ${V}x${H}x${T} (dWhy)`,
    2 * T * V * H,
    'flop',
    [V * H, T * V, T * H],
    (k, [c, a, b]) =>
      () =>
        k.gemmTN(c!, a!, b!, V, H, T, false),
  ),
  bench(
    `gemmTN ${H}x${H}x${T} (dWhh)`,
    2 * T * H * H,
    'flop',
    [H * H, T * H, T * H],
    (k, [c, a, b]) =>
      () =>
        k.gemmTN(c!, a!, b!, H, H, T, false),
  ),
  bench(
    `ger ${H}x${H}`,
    2 * H * H,
    'flop',
    [H * H, H, H],
    (k, [A, x, y]) =>
      () =>
        k.ger(A!, x!, y!, H, H),
  ),
  bench(
    `tanh ${H}`,
    H,
    'elem',
    [H, H],
    (k, [y, x]) =>
      () =>
        k.tanh(y!, x!, H),
  ),
  bench(
    `tanhBackward ${H}`,
    H,
    'elem',
    [H, H, H],
    (k, [dx, y, dy]) =>
      () =>
        k.tanhBackward(dx!, y!, dy!, H),
  ),
  bench(
    `sigmoid ${H}`,
    H,
    'elem',
    [H, H],
    (k, [y, x]) =>
      () =>
        k.sigmoid(y!, x!, H),
  ),
  bench(
    `add ${H}`,
    H,
    'elem',
    [H, H, H],
    (k, [y, x, b]) =>
      () =>
        k.add(y!, x!, b!, H),
  ),
  bench(
    `addColumn ${H}x${V}`,
    H,
    'elem',
    [H, H * V],
    (k, [y, W]) =>
      () =>
        k.addColumn(y!, W!, 7, H, V),
  ),
  bench(
    `addToColumn ${H}x${V}`,
    H,
    'elem',
    [H * V, H],
    (k, [W, x]) =>
      () =>
        k.addToColumn(W!, x!, 7, H, V),
  ),
  bench(
    `addRowVector ${T}x${V}`,
    T * V,
    'elem',
    [T * V, V],
    (k, [Y, b]) =>
      () =>
        k.addRowVector(Y!, b!, T, V),
  ),
  bench(
    `sumRows ${T}x${H}`,
    T * H,
    'elem',
    [H, T * H],
    (k, [b, X]) =>
      () =>
        k.sumRows(b!, X!, T, H),
  ),
  {
    name: `softmaxXent ${T}x${V}`,
    work: T * V,
    unit: 'elem',
    setup: (backend, dtype) => {
      const k = makeKernels(backend, dtype, [T * V, T * V], [T]);
      const dl = k.alloc(T * V);
      const lg = filled(k, T * V, 3);
      const t = ids(k, T, V);
      return () => k.softmaxXent(dl, lg, t, T, V);
    },
  },
  bench(
    `softmax ${V}`,
    V,
    'elem',
    [V, V],
    (k, [p, lg]) =>
      () =>
        k.softmax(p!, lg!, V, 1),
  ),
  bench(`adagrad ${P}`, P, 'elem', [P, P, P], (k, [p, g, m]) => {
    for (let i = 0; i < P; i++) m![i] = Math.abs(m![i]!);
    return () => k.adagrad(p!, g!, m!, P, 1e-9, 1e-8, 5);
  }),
  bench(
    `sumSquares ${P}`,
    P,
    'elem',
    [P],
    (k, [x]) =>
      () =>
        k.sumSquares(x!, P),
  ),
];

/** The seed's training iteration as kernel calls (mirrors RnnModel.lossAndGrad + the fused Adagrad). */
function seedIteration(backend: BackendName, dtype: Dtype): () => void {
  const floats = [P, P, P, (T + 1) * H, T * V, T * H, H];
  const k = makeKernels(backend, dtype, floats, [T, T]);
  const theta = filled(k, P, 0.01);
  const dtheta = k.alloc(P);
  const mem = k.alloc(P);
  const hs = k.alloc((T + 1) * H);
  const ys = k.alloc(T * V);
  const dhs = k.alloc(T * H);
  const dhnext = k.alloc(H);
  const x = ids(k, T, V);
  const tg = ids(k, T, V);
  let o = 0;
  const take = (a: FloatArray, n: number) => {
    o += n;
    return a.subarray(o - n, o);
  };
  const [Wxh, Whh, Why, bh, by] = [
    take(theta, H * V),
    take(theta, H * H),
    take(theta, V * H),
    take(theta, H),
    take(theta, V),
  ];
  o = 0;
  const [dWxh, dWhh, dWhy, dbh, dby] = [
    take(dtheta, H * V),
    take(dtheta, H * H),
    take(dtheta, V * H),
    take(dtheta, H),
    take(dtheta, V),
  ];
  const hRow = Array.from({ length: T + 1 }, (_, t) => hs.subarray(t * H, t * H + H));
  const dhRow = Array.from({ length: T }, (_, t) => dhs.subarray(t * H, t * H + H));
  const hsOut = hs.subarray(H, (T + 1) * H);
  return () => {
    for (let t = 0; t < T; t++) {
      const h = hRow[t + 1]!;
      k.gemv(h, Whh, hRow[t]!, H, H, false);
      k.addColumn(h, Wxh, x[t]!, H, V);
      k.add(h, h, bh, H);
      k.tanh(h, h, H);
    }
    k.gemmNT(ys, hsOut, Why, T, V, H, false);
    k.addRowVector(ys, by, T, V);
    k.softmaxXent(ys, ys, tg, T, V);
    k.gemmTN(dWhy, ys, hsOut, V, H, T, false);
    dby.fill(0);
    k.sumRows(dby, ys, T, V);
    k.gemmNN(dhs, ys, Why, T, H, V, false);
    dhnext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const dh = dhRow[t]!;
      k.add(dh, dh, dhnext, H);
      k.tanhBackward(dh, hRow[t + 1]!, dh, H);
      k.gemvT(dhnext, Whh, dh, H, H, false);
    }
    dbh.fill(0);
    k.sumRows(dbh, dhs, T, H);
    k.gemmTN(dWhh, dhs, hs, H, H, T, false);
    dWxh.fill(0);
    for (let t = 0; t < T; t++) k.addToColumn(dWxh, dhRow[t]!, x[t]!, H, V);
    hRow[0]!.set(hRow[T]!);
    k.adagrad(theta, dtheta, mem, P, 0.1, 1e-8, 5);
  };
}
/** Flops of the iteration's products: 25 gemv + 25 gemvT (H x H) and the four window products. */
const ITERATION_FLOPS = 2 * T * H * H * 2 + 2 * T * V * H * 3 + 2 * T * H * H;

// ---- the LSTM recipe's products (src/models/recurrent.ts, lstm.ts): E = 64, H = 256, GH = 4H, V = 65 ----
const LE = 64;
const LH = 256;
const LGH = 4 * LH;
const LB = 32;
/** [kernel, M, N, K, what] */
const LSTM_SHAPES: ['gemmTN' | 'gemmNT' | 'gemmNN', number, number, number, string][] = [];
for (const TB of [2048, 1024]) {
  LSTM_SHAPES.push(
    ['gemmTN', LGH, LE, TB, 'dWih l0'],
    ['gemmTN', LGH, LH, TB, 'dWih l1, dWhh'],
    ['gemmTN', V, LH, TB, 'dWhy'],
    ['gemmNT', TB, LGH, LE, 'G l0'],
    ['gemmNT', TB, LGH, LH, 'G l1'],
    ['gemmNT', TB, V, LH, 'logits'],
    ['gemmNN', TB, LH, LGH, 'dX l1'],
    ['gemmNN', TB, LE, LGH, 'demb'],
    ['gemmNN', TB, LH, V, 'dtop'],
  );
}
LSTM_SHAPES.push(
  ['gemmNT', LB, LGH, LH, 'step G_t += h Whh^T'],
  ['gemmNN', LB, LH, LGH, 'step dh += dG_t Whh'],
);

/** Median (or min) ns per call of fn, timed in batches of ~20 ms after a short warm-up. */
function timeBig(fn: () => void): number {
  const t0 = now();
  fn();
  fn();
  const per = (now() - t0) / 2;
  const n = Math.max(1, Math.round(20 / Math.max(per, 1e-3)));
  const samples: number[] = [];
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    const t1 = now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((now() - t1) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return useMin ? samples[0]! : samples[samples.length >> 1]!;
}

async function lstmShapes(): Promise<void> {
  const wasmFile = args.find((a) => a.startsWith('--wasm='))?.slice(7);
  if (!(await initWasm(wasmFile ? new Uint8Array(readFileSync(wasmFile)) : undefined)))
    throw new Error(`WebAssembly SIMD is not available here (${wasmFile ?? 'embedded'})`);
  const dtype: Dtype = onlyDtype === 'f64' ? 'f64' : 'f32';
  console.log(
    `LSTM recipe products, wasm ${dtype} (${wasmFile ?? 'embedded build'}), ${useMin ? 'min' : 'median'}`,
  );
  for (const [kernel, M, N, K, what] of LSTM_SHAPES) {
    if (onlyKernel && !kernel.startsWith(onlyKernel)) continue;
    const sizes =
      kernel === 'gemmNT'
        ? [M * N, M * K, N * K]
        : kernel === 'gemmNN'
          ? [M * N, M * K, K * N]
          : [M * N, K * M, K * N];
    const k = makeKernels('wasm', dtype, sizes);
    const [c, a, b] = sizes.map((n) => filled(k, n));
    const ns = timeBig(() => k[kernel](c!, a!, b!, M, N, K, false));
    const name = `${kernel} ${M}x${N}x${K}`;
    console.log(
      `${name.padEnd(24)} ${what.padEnd(22)} ${(ns / 1e6).toFixed(3).padStart(8)} ms ${((2 * M * N * K) / ns).toFixed(2).padStart(7)} GF/s`,
    );
  }
}
if (args.includes('--lstm')) {
  await lstmShapes();
  process.exit(0);
}

const combos: [BackendName, Dtype][] = (
  [
    ['ref', 'f32'],
    ['ref', 'f64'],
    ['wasm', 'f32'],
    ['wasm', 'f64'],
  ] as [BackendName, Dtype][]
).filter(([b, d]) => (!onlyBackend || b === onlyBackend) && (!onlyDtype || d === onlyDtype));

// --wasm=build/kernels-relaxed.wasm benchmarks another build (that one needs
// node --experimental-wasm-relaxed-simd on Node 20)
const wasmFile = args.find((a) => a.startsWith('--wasm='))?.slice(7);
const bytes = wasmFile ? new Uint8Array(readFileSync(wasmFile)) : undefined;
if (!(await initWasm(bytes)))
  throw new Error(`WebAssembly SIMD is not available here (${wasmFile ?? 'embedded'})`);

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const rate = (b: Bench, ns: number) =>
  b.unit === 'flop' ? `${(b.work / ns).toFixed(2)} GF/s` : `${((b.work / ns) * 1e3).toFixed(0)} Me/s`;

const stat = useMin ? 'min' : 'median';
console.log(
  `node ${process.version}, ${REPEATS} batches of ~${BATCH_MS} ms per cell, ${stat}; ns/call (rate)\n`,
);
console.log(pad('kernel', 28) + combos.map(([b, d]) => lpad(`${b} ${d}`, 24)).join(''));
for (const b of benches.filter((b) => !onlyKernel || b.name.startsWith(onlyKernel))) {
  let line = pad(b.name, 28);
  for (const [backend, dtype] of combos) {
    const ns = timeIt(b.setup(backend, dtype));
    line += lpad(`${ns.toFixed(0)} (${rate(b, ns)})`, 24);
  }
  console.log(line);
}
let line = pad('seed iteration (T=25)', 28);
let summary = '';
for (const [backend, dtype] of combos) {
  const ns = timeIt(seedIteration(backend, dtype));
  line += lpad(`${(ns / 1e3).toFixed(1)} us (${(ITERATION_FLOPS / ns).toFixed(1)} GF/s)`, 24);
  summary += `  ${backend} ${dtype}: ${(1e9 / ns).toFixed(0)} iterations/s\n`;
}
console.log(line);
console.log(`\nseed iteration, kernels only (views made once, no per-step subarray):\n${summary}`);
