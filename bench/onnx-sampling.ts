// Sampling speed, one stream, charrnn against the same model exported to ONNX and run by onnxruntime-node.
//   node --experimental-wasm-relaxed-simd --import tsx bench/onnx-sampling.ts [CORPUS]
// Both draw each character from the softmax of the logits (temperature 1) with the same Mersenne Twister:
// charrnn through `Trainer.sample`; onnxruntime one `session.run` per character on a (1,1) input_ids with
// hn (and cn) carried into the next run's h0 (c0), the draw in JavaScript. For the seed's configuration
// (vanilla RNN, hidden 100, one-hot) and the char-lstm recipe's model (LSTM 2x256, embedding 64), f32;
// onnxruntime with one intra-op thread (one stream's products are small) and with its default. Prints the
// median chars/s of repeated timed blocks and the ratio charrnn / onnxruntime.
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../src/checkpoint/onnx.js';
import { initKernels, wasmAvailable, wasmRelaxed } from '../src/kernels/index.js';
import { readCorpus } from '../src/node/io.js';
import { MT19937 } from '../src/rng.js';
import type { TrainConfig } from '../src/training/config.js';
import { presetConfig } from '../src/training/presets.js';
import { Trainer } from '../src/training/trainer.js';

const BLOCK_SECONDS = 0.5;
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 7);

interface Rate {
  median: number;
  min: number;
  max: number;
}

type Block = () => number | Promise<number>;

/** chars/s of one timed block: `block` (returning the characters it made) repeated for BLOCK_SECONDS. */
async function timeBlock(block: Block): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < BLOCK_SECONDS * 1000) n += await block();
  return n / ((performance.now() - t0) / 1000);
}

const summary = (xs: number[]): Rate => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
};

/**
 * The contenders' rates, measured in turns (one block of each, BLOCKS times, after a warm-up block), so a
 * shared machine's drift falls on all alike; and each one's ratio to the first, per turn.
 */
async function race(blocks: Block[]): Promise<{ rates: Rate[]; ratios: Rate[] }> {
  for (const b of blocks) await timeBlock(b);
  const turns: number[][] = [];
  for (let i = 0; i < BLOCKS; i++) {
    const turn: number[] = [];
    for (const b of blocks) turn.push(await timeBlock(b));
    turns.push(turn);
  }
  return {
    rates: blocks.map((_, j) => summary(turns.map((t) => t[j]!))),
    ratios: blocks.map((_, j) => summary(turns.map((t) => t[0]! / t[j]!))),
  };
}

/** charrnn's sampling: `Trainer.sample`, 2000 characters a call. */
function charrnnBlock(t: Trainer): Block {
  return () => {
    let n = 0;
    for (const _ of t.sample(2000)) n++;
    return n;
  };
}

/** The same drawing on onnxruntime: one run per character, hn (cn) carried, 2000 characters a call. */
async function onnxBlock(t: Trainer, threads: number): Promise<Block> {
  const { layers: N, hidden: H, model } = t.config;
  const V = t.vocab.size;
  const session = await ort.InferenceSession.create(exportOnnx(t.snapshot()), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const rng = new MT19937(1);
  const cdf = new Float64Array(V);
  const p = new Float64Array(V);
  const id = new BigInt64Array(1);
  const inputIds = new ort.Tensor('int64', id, [1, 1]);
  const zeros = () => new ort.Tensor('float32', new Float32Array(N * H), [N, 1, H]);
  return async () => {
    let h: ort.Tensor = zeros();
    let c: ort.Tensor = zeros();
    id[0] = BigInt(t.vocab.id(10) ?? 0);
    for (let i = 0; i < 2000; i++) {
      const feeds: Record<string, ort.Tensor> = { input_ids: inputIds, h0: h };
      if (model === 'lstm') feeds.c0 = c;
      const out = await session.run(feeds);
      const logits = out.logits!.data as Float32Array;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[v]!);
      for (let v = 0; v < V; v++) p[v] = Math.exp(logits[v]! - max); // choice normalizes by the sum
      id[0] = BigInt(rng.choice(p, V, cdf));
      h = out.hn!;
      if (model === 'lstm') c = out.cn!;
    }
    return 2000;
  };
}

const fmt = (r: Rate) => `${r.median.toFixed(0).padStart(7)} [${r.min.toFixed(0)}-${r.max.toFixed(0)}]`;
const times = (r: Rate) => `${r.median.toFixed(1)}x [${r.min.toFixed(1)}-${r.max.toFixed(1)}]`;

const path = process.argv[2] ?? new URL('../dist/builtin-corpus.txt', import.meta.url).pathname;
await initKernels();
const corpus = readCorpus(path);
console.log(`corpus ${path}: ${corpus.ids.length} characters, V=${corpus.vocab.size}`);
console.log(
  `charrnn kernels: ${wasmAvailable() ? (wasmRelaxed() ? 'wasm relaxed-simd (FMA)' : 'wasm plain SIMD') : 'ref'}; onnxruntime-node ${ort.env.versions.common}`,
);
console.log(
  `chars/s, one stream: medians of ${BLOCKS} turns of ${BLOCK_SECONDS} s blocks (min-max in brackets); ratio: charrnn / onnxruntime, per turn`,
);
const CONFIGS: [string, Partial<TrainConfig>][] = [
  ['seed (rnn 1x100, one-hot)', { seed: 1, sampleEvery: 0 }],
  ['lstm 2x256, embedding 64', presetConfig('char-lstm', { seed: 1, sampleEvery: 0, valFraction: 0 })],
];
for (const [name, settings] of CONFIGS) {
  const t = Trainer.create(corpus, settings);
  const { rates, ratios } = await race([charrnnBlock(t), await onnxBlock(t, 1), await onnxBlock(t, 0)]);
  console.log(`\n${name}`);
  console.log(`  charrnn                            ${fmt(rates[0]!)}`);
  console.log(`  onnxruntime, 1 thread              ${fmt(rates[1]!)}   ratio ${times(ratios[1]!)}`);
  console.log(`  onnxruntime, its default threads   ${fmt(rates[2]!)}   ratio ${times(ratios[2]!)}`);
  t.close();
}
