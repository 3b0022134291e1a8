// Dropout mask micro-benchmark: one training step's masks for the LSTM recipe (2 layers x batch 32 x seq 64
// x hidden 256 = 2 x 524,288 elements, p = 0.1) made three ways: the per-element loop over random() that
// the model used before, MT19937.fillDropoutMask (the ref backend) and the wasm kernel (with its copy of
// the generator's state in and out). Checks first that all three give the same masks and final state, then
// prints the median ms per step over REPEATS steps and the speed-up over the loop, for f32 and f64.
// Run: node --experimental-wasm-relaxed-simd --import tsx bench/dropout.ts [--dtype=f32|f64]
import { bytesFor } from '../src/kernels/index.js';
import { RefKernels } from '../src/kernels/ref.js';
import type { FloatArray, Kernels } from '../src/kernels/types.js';
import { createWasmKernels, initWasm, wasmRelaxed } from '../src/kernels/wasm.js';
import { MT19937 } from '../src/rng.js';

const only = process.argv.find((a) => a.startsWith('--dtype='))?.slice(8);
const DTYPES = (['f32', 'f64'] as const).filter((d) => only === undefined || d === only);
const LAYERS = 2;
const N = 32 * 64 * 256;
const P = 0.1;
const KEEP = 1 / (1 - P);
const REPEATS = 15;

/** The model's loop before the kernel: one random() per element. */
function loop(mask: FloatArray, rng: MT19937, n: number, p: number, keep: number): void {
  for (let i = 0; i < n; i++) mask[i] = rng.random() < p ? 0 : keep;
}

type Fill = (mask: FloatArray, rng: MT19937) => void;

/** Median ms of one step (LAYERS masks) over REPEATS steps, after two warm-up steps. */
function time(fill: Fill, masks: FloatArray[]): number {
  const rng = new MT19937(1);
  const samples: number[] = [];
  for (let r = 0; r < REPEATS + 2; r++) {
    const t0 = performance.now();
    for (const m of masks) fill(m, rng);
    samples.push(performance.now() - t0);
  }
  const sorted = samples.slice(2).sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

if (!(await initWasm())) throw new Error('no WebAssembly SIMD in this engine');
for (const dtype of DTYPES) {
  const ref: Kernels = new RefKernels(dtype);
  const wasm = createWasmKernels(dtype, bytesFor(dtype, Array(LAYERS).fill(N)));
  const refMasks = Array.from({ length: LAYERS }, () => ref.alloc(N));
  const wasmMasks = Array.from({ length: LAYERS }, () => wasm.alloc(N));
  const ways: [string, Fill, FloatArray[]][] = [
    ['per-element loop', (m, rng) => loop(m, rng, N, P, KEEP), refMasks],
    ['fillDropoutMask (ref)', (m, rng) => ref.dropoutMask(m, rng, N, P, KEEP), refMasks],
    ['wasm kernel', (m, rng) => wasm.dropoutMask(m, rng, N, P, KEEP), wasmMasks],
  ];

  // the same masks and final state, from a generator started mid-block
  let want: { masks: Float64Array[]; state: string } | undefined;
  for (const [name, fill, masks] of ways) {
    const rng = new MT19937(7);
    for (let i = 0; i < 101; i++) rng.random();
    for (const m of masks) fill(m, rng);
    const got = { masks: masks.map((m) => Float64Array.from(m)), state: JSON.stringify(rng.getState()) };
    want ??= got;
    const same =
      got.state === want.state && got.masks.every((m, l) => m.every((v, i) => v === want!.masks[l]![i]));
    if (!same) throw new Error(`${name}: masks or state differ from the per-element loop`);
  }

  console.log(
    `dropout masks, ${dtype}, ${LAYERS} x ${N} elements, p = ${P} (wasm ${wasmRelaxed() ? 'relaxed-simd' : 'simd'}): median ms per step of ${REPEATS}`,
  );
  let base = 0;
  for (const [name, fill, masks] of ways) {
    const ms = time(fill, masks);
    base ||= ms;
    console.log(
      `  ${name.padEnd(24)} ${ms.toFixed(2).padStart(7)} ms  ${(base / ms).toFixed(1).padStart(5)}x`,
    );
  }
}
