// Time to quality: trains a preset on tiny-shakespeare (last 10% held out) and prints the validation loss
// reached after fixed budgets of training time (evaluation time excluded, as the PyTorch reference does).
//   node --experimental-wasm-relaxed-simd --import tsx bench/time-to-quality.ts [PRESET] [MINUTES...] [--set key=value ...]
// Defaults: the char-lstm preset, budgets 2 5 10. A preset whose schedule decays over --time-limit gets the
// largest budget as its limit, so the earlier budgets see a partly decayed learning rate; run one budget
// at a time (e.g. `... shakespeare-5min 5`) to measure a budget-tuned recipe at its own budget.
import { initKernels, wasmRelaxed } from '../src/kernels/index.js';
import { readCorpus } from '../src/node/io.js';
import { nodeHost } from '../src/node/threads.js';
import { parseOption, type TrainConfig } from '../src/training/config.js';
import { findPreset } from '../src/training/presets.js';
import { Trainer } from '../src/training/trainer.js';

const args = process.argv.slice(2);
const sets = args.flatMap((a, i) => (args[i - 1] === '--set' ? [a] : []));
const positional = args.filter((a, i) => a !== '--set' && args[i - 1] !== '--set');
const presetName = positional.find((a) => Number.isNaN(Number(a))) ?? 'char-lstm';
const budgets = positional.filter((a) => !Number.isNaN(Number(a))).map(Number);
if (budgets.length === 0) budgets.push(2, 5, 10);
const preset = findPreset(presetName);
if (!preset?.settings.valFraction) throw new Error(`not a preset with validation: ${presetName}`);
const overrides: Record<string, unknown> = {};
for (const s of sets) {
  const [k, v] = s.split('=');
  overrides[k] = parseOption(k as keyof TrainConfig, v);
}
const corpusPath =
  process.env.CORPUS ?? new URL('../../shared/data/tinyshakespeare.txt', import.meta.url).pathname;

await initKernels();
const corpus = readCorpus(corpusPath);
const limit = Math.max(...budgets) * 60;
const settings = {
  ...preset.settings,
  threads: 2,
  seed: 1,
  sampleEvery: 0,
  ...overrides,
} as Partial<TrainConfig>;
if (settings.schedule === 'cosine' && !settings.decayIters) settings.timeLimit = limit;
const t = Trainer.create(corpus, settings, nodeHost);
const c = t.config;
console.log(
  `${presetName}: ${c.model} ${c.layers}x${c.hidden} emb ${c.embedding} dropout ${c.dropout} batch ${c.batch} seq ${c.seqLength} ` +
    `${c.optimizer} lr ${c.lr} ${c.schedule} warmup ${c.warmup} threads ${c.threads}, ${t.model.numParams} parameters, ` +
    `kernels ${wasmRelaxed() ? 'wasm relaxed-simd' : 'wasm simd'}; budgets ${budgets.join(', ')} min`,
);
const marks = budgets.map((m) => m * 60).sort((a, b) => a - b);
let next = 0;
const started = performance.now();
while (next < marks.length) {
  t.step();
  if (t.trainSeconds >= marks[next]) {
    const e = t.evaluate();
    const chars = t.iter * c.batch * c.seqLength;
    console.log(
      `after ${(marks[next] / 60).toFixed(1)} min of training (${t.iter} iterations, ${(chars / t.trainSeconds).toFixed(0)} chars/s): ` +
        `val loss ${e.valLoss.toFixed(4)} nats/char (${e.valBits.toFixed(4)} bits/char), train smooth ${t.smoothLoss.toFixed(4)}`,
    );
    next++;
  }
}
console.log(`wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
t.close();
