// npm run bench [-- CORPUS] : training speed of the seed configuration (vanilla RNN, hidden 100,
// seq 25, batch 1, Adagrad) for every backend and dtype, and sampling speed. Prints medians of
// repeated timed blocks, so a noisy shared machine shows up as spread rather than as a wrong number.
import type { Corpus } from '../src/data/text.js';
import { initKernels, wasmAvailable, wasmRelaxed } from '../src/kernels/index.js';
import type { BackendName, Dtype } from '../src/kernels/types.js';
import { readCorpus } from '../src/node/io.js';
import { nodeHost } from '../src/node/threads.js';
import { findPreset } from '../src/training/presets.js';
import { Trainer } from '../src/training/trainer.js';

/**
 * Floating-point operations of one training iteration of the seed's RNN (multiply and add counted
 * separately). Per step t: forward Whh @ h (2H^2) and Why @ h (2VH); backward dWhy += dy h^T (2VH),
 * Why^T dy (2VH), dWhh += dhraw h^T (2H^2), Whh^T dhraw (2H^2). Adagrad with clipping: ~6 per parameter.
 */
export function seedFlopsPerIteration(H: number, V: number, T: number): number {
  const params = H * V + H * H + V * H + H + V;
  return T * (3 * 2 * H * H + 3 * 2 * V * H) + 6 * params;
}

/** Per generated character: Whh @ h (2H^2) and Why @ h (2VH). */
export function sampleFlopsPerChar(H: number, V: number): number {
  return 2 * H * H + 2 * V * H;
}

const BLOCK_SECONDS = 0.5;
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeBlocks(run: () => number): { median: number; min: number; max: number } {
  run(); // warm-up block
  const rates: number[] = [];
  for (let b = 0; b < BLOCKS; b++) rates.push(run());
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
}

function trainRate(corpus: Corpus, backend: BackendName, dtype: Dtype) {
  const trainer = Trainer.create(corpus, { seed: 1, backend, dtype, sampleEvery: 1000 });
  return timeBlocks(() => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < BLOCK_SECONDS * 1000) {
      for (let i = 0; i < 50; i++) trainer.step();
      n += 50;
    }
    return n / ((performance.now() - t0) / 1000);
  });
}

function sampleRate(corpus: Corpus, backend: BackendName, dtype: Dtype) {
  const trainer = Trainer.create(corpus, { seed: 1, backend, dtype, sampleEvery: 0 });
  return timeBlocks(() => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < BLOCK_SECONDS * 1000) {
      for (const _ of trainer.sample(2000)) n++;
    }
    return n / ((performance.now() - t0) / 1000);
  });
}

const path = process.argv[2] ?? new URL('../dist/builtin-corpus.txt', import.meta.url).pathname;
await initKernels();
const corpus = readCorpus(path);
const H = 100;
const T = 25;
const V = corpus.vocab.size;
const flops = seedFlopsPerIteration(H, V, T);
console.log(`corpus ${path}: ${corpus.ids.length} characters, V=${V}`);
console.log(
  `wasm kernels: ${wasmAvailable() ? (wasmRelaxed() ? 'relaxed-simd build (FMA)' : 'plain SIMD build') : 'unavailable'}`,
);
console.log(`seed configuration: H=${H}, T=${T}, batch 1; ${(flops / 1e6).toFixed(3)} MFLOP per iteration`);
console.log(`medians of ${BLOCKS} blocks of ${BLOCK_SECONDS} s (min-max in brackets)\n`);
console.log('backend dtype   train iter/s            chars/s   GFLOP/s   sample chars/s');
const backends: BackendName[] = wasmAvailable() ? ['wasm', 'ref'] : ['ref'];
for (const backend of backends) {
  for (const dtype of ['f32', 'f64'] as const) {
    const tr = trainRate(corpus, backend, dtype);
    const sr = sampleRate(corpus, backend, dtype);
    console.log(
      `${backend.padEnd(7)} ${dtype}   ${tr.median.toFixed(0).padStart(6)} [${tr.min.toFixed(0)}-${tr.max.toFixed(0)}]`.padEnd(
        40,
      ) +
        `${(tr.median * T).toFixed(0).padStart(8)}  ${((tr.median * flops) / 1e9).toFixed(2).padStart(8)}   ` +
        `${sr.median.toFixed(0).padStart(9)} (${((sr.median * 60) / 1e6).toFixed(1)}M/min, ${((sr.median * sampleFlopsPerChar(H, V)) / 1e9).toFixed(2)} GFLOP/s)`,
    );
  }
}

// ---- the LSTM configuration of the PyTorch reference (../shared/bench/torch_lstm.py) ----
// 2-layer LSTM 256, embedding 64, batch 32, seq 64, Adam 2e-3, clip-norm 5, f32: training characters/s
// with 1 and 2 threads (data parallel), medians of blocks of windows.
const lstm = findPreset('char-lstm')!.settings;
console.log('\nLSTM 2x256, embedding 64, batch 32, seq 64, Adam (char-lstm preset), f32');
console.log('threads   train chars/s          iter/s');
for (const threads of [1, 2]) {
  const t = Trainer.create(corpus, { ...lstm, seed: 1, threads, sampleEvery: 0 }, nodeHost);
  const perWindow = t.config.batch * t.config.seqLength;
  const r = timeBlocks(() => {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 2000) {
      t.step();
      n++;
    }
    return n / ((performance.now() - t0) / 1000);
  });
  console.log(
    `${`${String(threads).padEnd(9)} ${(r.median * perWindow).toFixed(0).padStart(6)} [${(r.min * perWindow).toFixed(0)}-${(r.max * perWindow).toFixed(0)}]`.padEnd(
      32,
    )}${r.median.toFixed(2)}`,
  );
  t.close();
}
