// Parity past the chaos: training is chaotic, so one seed's smooth loss after a few hundred iterations
// depends on every rounding on the way (numpy's own golden.py, re-run here, drifts 15.6% from the golden
// fixture it wrote, by iteration 2900), and one run against one run proves nothing. This runs the seed's
// numpy program and charrnn's seed preset (f64) for seeds 1..K on the same text, collects the smooth loss
// at a few iterations, and prints numpy's mean and spread across seeds beside charrnn's, and whether
// charrnn's mean lies within 2 standard errors of numpy's (the standard error of the difference of the two
// means). The same seed starts both from the same weights; they part within a few hundred iterations.
//   node --import tsx bench/parity-spread.ts [CORPUS] [--seeds K] [--at 1000,2000,5000] [--jobs J]
// Defaults: test/fixtures/min-char-rnn-corpus.txt, 8 seeds, iterations 1000, 2000 and 5000 (multiples of
// 1000: numpy prints its smooth loss every 1000), numpy on availableParallelism() - 1 processes (one BLAS
// thread each) while charrnn trains on this thread.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initKernels, wasmRelaxed } from '../src/kernels/index.js';
import { readCorpus } from '../src/node/io.js';
import { Trainer } from '../src/training/trainer.js';

/** the seed's numpy program, beside the repository (../shared/reference) */
const NUMPY = fileURLToPath(new URL('../../shared/reference/min_char_rnn.py', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: 'string', default: '8' },
    at: { type: 'string', default: '1000,2000,5000' },
    jobs: { type: 'string', default: String(Math.max(1, availableParallelism() - 1)) },
  },
});
const corpusPath = positionals[0] ?? `${root}test/fixtures/min-char-rnn-corpus.txt`;
const K = Number(values.seeds);
const marks = values.at.split(',').map(Number);
const jobs = Number(values.jobs);
if (!(Number.isInteger(K) && K >= 2)) throw new Error(`--seeds must be an integer >= 2, got ${values.seeds}`);
if (!marks.every((m) => Number.isInteger(m) && m > 0 && m % 1000 === 0))
  throw new Error(`--at takes multiples of 1000 (numpy prints its smooth loss every 1000), got ${values.at}`);
const iters = Math.max(...marks) + 1;
/** the iterations compared: 0 (where both programs should agree to rounding) and the marks */
const logged = [0, ...marks];
const seeds = Array.from({ length: K }, (_, i) => i + 1);

const corpus = readCorpus(corpusPath);
if (readFileSync(corpusPath, 'utf8').includes('\r')) {
  throw new Error(
    `${corpusPath} has carriage returns: Python's text mode would read other text than charrnn`,
  );
}

/** numpy's smooth loss at the logged iterations, from its 'iter N, loss: X' lines. */
function runNumpy(seed: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONUTF8: '1', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    const child = spawn(
      'python3',
      [NUMPY, corpusPath, String(iters), String(seed), '--sorted-vocab', '--quiet'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`numpy, seed ${seed}: exit ${code}: ${err.trim()}`));
      const losses = new Map<number, number>();
      for (const m of out.matchAll(/^iter (\d+), loss: ([\d.]+)$/gm)) losses.set(Number(m[1]), Number(m[2]));
      const missing = logged.filter((i) => !losses.has(i));
      if (missing.length) return reject(new Error(`numpy, seed ${seed}: no loss at iterations ${missing}`));
      resolve(losses);
    });
  });
}

/** Runs the tasks, at most n at a time. */
async function pool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return results;
}

await initKernels();
const numpyRuns = pool(
  jobs,
  seeds.map((s) => () => runNumpy(s)),
);
numpyRuns.catch(() => {}); // awaited below; this keeps an early failure from being unhandled meanwhile

let backend = '';
const charrnnRuns: Map<number, number>[] = [];
for (const seed of seeds) {
  const t = Trainer.create(corpus, { seed, dtype: 'f64' });
  backend = t.model.kernels.backend;
  const losses = new Map<number, number>();
  for (let i = 0; i < iters; i++) {
    const e = t.step();
    if (logged.includes(e.iter)) losses.set(e.iter, e.smoothLoss);
  }
  t.close();
  charrnnRuns.push(losses);
  await new Promise((r) => setImmediate(r)); // lets the pool start the next numpy process
}
const numpy = await numpyRuns;

// ---- the report ----

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** the sample standard deviation (n - 1) */
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
/** a right-aligned column */
const col = (x: number | string, width: number, digits = 3) =>
  (typeof x === 'number' ? x.toFixed(digits) : x).padStart(width);

const kernels = backend === 'wasm' ? (wasmRelaxed() ? 'wasm relaxed-simd' : 'wasm simd') : 'ref';
console.log(
  `corpus ${relative(process.cwd(), corpusPath) || corpusPath} (${corpus.ids.length} characters, ` +
    `${corpus.vocab.size} symbols); seeds 1..${K}; ${iters} iterations`,
);
console.log(`numpy:   python3 ${NUMPY} CORPUS ${iters} SEED --sorted-vocab --quiet`);
console.log(`charrnn: Trainer.create(corpus, { seed, dtype: 'f64' }) on the ${kernels} kernels`);
const start = seeds.map((_, i) => Math.abs(charrnnRuns[i].get(0)! - numpy[i].get(0)!));
console.log(
  `iteration 0, the same start (the same initial weights from the same seed): largest |charrnn - numpy| ` +
    `${Math.max(...start).toExponential(1)} (numpy prints 6 decimals)`,
);

console.log('\nsmooth loss per seed, numpy / charrnn:');
console.log(`${col('seed', 4)}${marks.map((m) => col(`iteration ${m}`, 22)).join('')}`);
for (const [i, seed] of seeds.entries()) {
  const cells = marks.map((m) => `${col(numpy[i].get(m)!, 11)} /${col(charrnnRuns[i].get(m)!, 9)}`);
  console.log(`${col(String(seed), 4)}${cells.join('')}`);
}

console.log(
  `\n${col('iter', 5)}  ${col('numpy mean', 10)}${col('sd', 7)}${col('min', 8)}${col('max', 8)}` +
    `  ${col('charrnn mean', 12)}${col('sd', 7)}${col('min', 8)}${col('max', 8)}` +
    `${col('diff', 8)}${col('2 SE', 7)}  verdict`,
);
const outside: number[] = [];
for (const m of marks) {
  const a = numpy.map((r) => r.get(m)!);
  const b = charrnnRuns.map((r) => r.get(m)!);
  const diff = mean(b) - mean(a);
  // the standard error of the difference of two means of K runs each
  const se = Math.sqrt(sd(a) ** 2 / K + sd(b) ** 2 / K);
  const within = Math.abs(diff) < 2 * se;
  if (!within) outside.push(m);
  const inRange = mean(b) >= Math.min(...a) && mean(b) <= Math.max(...a);
  console.log(
    `${col(String(m), 5)}  ${col(mean(a), 10)}${col(sd(a), 7)}${col(Math.min(...a), 8)}${col(Math.max(...a), 8)}` +
      `  ${col(mean(b), 12)}${col(sd(b), 7)}${col(Math.min(...b), 8)}${col(Math.max(...b), 8)}` +
      `${col(diff, 8)}${col(2 * se, 7)}  ${within ? 'within 2 SE' : 'OUTSIDE 2 SE'}, ` +
      `${inRange ? 'inside' : 'outside'} numpy's range`,
  );
}
console.log(
  outside.length === 0
    ? `\ncharrnn's mean smooth loss is within 2 standard errors of numpy's at every iteration compared.`
    : `\ncharrnn's mean smooth loss is more than 2 standard errors from numpy's at iterations ${outside}.`,
);
