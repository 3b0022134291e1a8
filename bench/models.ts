// Training throughput of the LSTM/GRU fast path (not a test: run by hand).
//   node --import tsx bench/models.ts [ref|wasm] [lstm|gru] [windows]
// Default configuration: 2 layers of 256, embedding 64, B=32, T=64, V=65, f32, Adam. Prints the median
// chars/s (B*T per window, forward + backward + update). On wasm, kernels the wasm build does not have
// yet are borrowed from the ref backend (plain loops over the same memory) and listed.
import { initKernels, RefKernels } from '../src/kernels/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { createModel } from '../src/models/index.js';
import { MT19937 } from '../src/rng.js';
import { Optimizer, optimizerSlots } from '../src/training/optim.js';

const backend = (process.argv[2] ?? 'ref') as 'ref' | 'wasm';
const kind = (process.argv[3] ?? 'lstm') as 'lstm' | 'gru';
const windows = Number(process.argv[4] ?? (backend === 'ref' ? 3 : 10));
const H = Number(process.env.H ?? 256);
const cfg = {
  vocabSize: 65,
  hidden: H,
  layers: Number(process.env.LAYERS ?? 2),
  embedding: Number(process.env.E ?? 64),
  batch: Number(process.env.B ?? 32),
  seqLength: Number(process.env.T ?? 64),
  dropout: Number(process.env.DROPOUT ?? 0),
  dtype: 'f32' as const,
  backend,
  paramCopies: optimizerSlots('adam'),
};
if (backend === 'wasm' && !(await initKernels())) throw new Error('wasm unavailable');
const model = createModel(kind, cfg);
if (backend === 'wasm') {
  const k = model.kernels as unknown as Record<string, unknown>;
  const ref = RefKernels.prototype as unknown as Record<string, unknown>;
  const borrowed = Object.getOwnPropertyNames(RefKernels.prototype).filter(
    (n) => !(n in k) && n !== 'constructor',
  );
  for (const n of borrowed) k[n] = ref[n];
  console.log(`borrowed from ref: ${borrowed.join(', ') || 'none'}`);
}
const profile: Record<string, number> = {};
if (process.env.PROFILE) {
  // time every kernel call (adds a little overhead per call)
  const k = model.kernels as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(RefKernels.prototype)) {
    const f = k[name];
    if (typeof f !== 'function' || name === 'constructor' || name.startsWith('alloc')) continue;
    k[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (f as (...a: unknown[]) => unknown).apply(model.kernels, args);
      profile[name] = (profile[name] ?? 0) + performance.now() - t0;
      return r;
    };
  }
}
model.init(new MT19937(1));
const opt = new Optimizer(model, { kind: 'adam' });
const rng = new MT19937(2);
const n = cfg.batch * cfg.seqLength;
const x = new Int32Array(n);
const y = new Int32Array(n);
const times: number[] = [];
for (let w = 0; w < windows + 1; w++) {
  for (let i = 0; i < n; i++) {
    x[i] = Math.floor(rng.random() * cfg.vocabSize);
    y[i] = Math.floor(rng.random() * cfg.vocabSize);
  }
  const t0 = performance.now();
  model.lossAndGrad(x, y);
  opt.step(2e-3);
  const dt = performance.now() - t0;
  if (w > 0) times.push(dt); // the first window warms up the JIT
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
const kernels: Kernels = model.kernels;
console.log(
  `${kind} ${kernels.backend} ${cfg.dtype} layers=${cfg.layers} H=${H} E=${cfg.embedding} B=${cfg.batch} T=${cfg.seqLength}` +
    ` params=${model.numParams}: median ${med.toFixed(1)} ms/window = ${((n / med) * 1000).toFixed(0)} chars/s` +
    ` (windows ${times.map((t) => t.toFixed(0)).join(' ')})`,
);
if (process.env.PROFILE) {
  const total = Object.values(profile).reduce((a, b) => a + b, 0);
  const rows = Object.entries(profile).sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of rows)
    console.log(
      `  ${name.padEnd(16)} ${((100 * ms) / total).toFixed(1)}%  ${(ms / (windows + 1)).toFixed(1)} ms/window`,
    );
}
