// Soak: trains a preset (char-lstm by default) for N minutes through the one run loop, with its
// evaluations and a checkpoint written atomically every --save-every iterations, and records the process's
// RSS and the training throughput once a minute. At the end it prints the table and checks the two
// promises: after the first minute RSS grows by less than 5%, and every minute's chars/s stays within 10%
// of the median minute's. RSS is read as it is, and also after a full garbage collection (when node runs with
// --expose-gc), which tells memory still held from garbage not yet collected (a checkpoint's buffers are
// tens of MB each); the heap and the ArrayBuffers outside it are shown beside it.
//   node --experimental-wasm-relaxed-simd --expose-gc --import tsx bench/soak.ts [MINUTES] [--preset NAME] [--threads N] [--save-every N]
// The text: $CORPUS, else ../shared/data/tinyshakespeare.txt. Exits 1 when a promise does not hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initKernels } from '../src/kernels/index.js';
import { readCorpus, writeFileAtomic } from '../src/node/io.js';
import { nodeHost } from '../src/node/threads.js';
import type { TrainConfig } from '../src/training/config.js';
import { findPreset } from '../src/training/presets.js';
import { RunLoop } from '../src/training/run.js';
import { Trainer } from '../src/training/trainer.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const minutes = Number(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 20);
const presetName = flag('--preset') ?? 'char-lstm';
const threads = Number(flag('--threads') ?? 2);
const saveEvery = Number(flag('--save-every') ?? 200);
const preset = findPreset(presetName);
if (!preset) throw new Error(`no preset ${presetName}`);
const corpusPath =
  process.env.CORPUS ?? new URL('../../shared/data/tinyshakespeare.txt', import.meta.url).pathname;

await initKernels();
const corpus = readCorpus(corpusPath);
const dir = mkdtempSync(join(tmpdir(), 'charrnn-soak-'));
const savePath = join(dir, 'soak.ckpt');
const settings: Partial<TrainConfig> = {
  ...preset.settings,
  threads,
  seed: 1,
  sampleEvery: 500,
  evalEvery: 500,
  saveEvery,
  iters: 0,
  timeLimit: minutes * 60,
};
const trainer = Trainer.create(corpus, settings, nodeHost);
const c = trainer.config;
console.log(
  `soak: ${presetName} (${c.model} ${c.layers}x${c.hidden}, batch ${c.batch} x seq ${c.seqLength}, ${c.threads} threads), ` +
    `${minutes} min; evaluation every ${c.evalEvery}, a sample every ${c.sampleEvery}, a checkpoint every ${c.saveEvery} iterations`,
);
const loop = new RunLoop(trainer, { checkpoints: true });
const started = performance.now();
const rows: {
  minute: number;
  iter: number;
  rssMb: number;
  gcRssMb: number;
  heapMb: number;
  buffersMb: number;
  charsPerSecond: number;
}[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
const MB = 2 ** 20;
let last = { iter: trainer.iter, trainSeconds: trainer.trainSeconds };
let checkpoints = 0;
console.log(`minute  iter     RSS MB  ${gc ? 'after GC ' : ''}heap MB  buffers MB  chars/s`);
for (let e = loop.next(); e; e = loop.next()) {
  if (e.type === 'checkpoint') {
    writeFileAtomic(savePath, e.parts);
    checkpoints++;
  }
  const minute = Math.floor((performance.now() - started) / 60_000);
  if (minute > rows.length || loop.finished) {
    const rssMb = process.memoryUsage().rss / MB;
    gc?.();
    const m = process.memoryUsage();
    const chars = (trainer.iter - last.iter) * trainer.charsPerStep;
    const row = {
      minute: rows.length + 1,
      iter: trainer.iter,
      rssMb,
      gcRssMb: m.rss / MB,
      heapMb: m.heapUsed / MB,
      buffersMb: m.arrayBuffers / MB,
      charsPerSecond: chars / (trainer.trainSeconds - last.trainSeconds),
    };
    rows.push(row);
    last = { iter: trainer.iter, trainSeconds: trainer.trainSeconds };
    console.log(
      `${String(row.minute).padStart(6)}  ${String(row.iter).padStart(7)}  ${row.rssMb.toFixed(1).padStart(7)}  ` +
        `${gc ? `${row.gcRssMb.toFixed(1).padStart(8)}  ` : ''}${row.heapMb.toFixed(1).padStart(7)}  ` +
        `${row.buffersMb.toFixed(1).padStart(10)}  ${row.charsPerSecond.toFixed(0).padStart(7)}`,
    );
  }
}
trainer.close();
rmSync(dir, { recursive: true, force: true });

// the last row may cover a part of a minute; the promises are judged on whole minutes
const whole = rows.filter((r) => r.minute <= minutes);
/** Growth of the largest reading after the first minute over the first minute's reading. */
const growthOf = (read: (r: (typeof rows)[number]) => number) =>
  Math.max(...whole.slice(1).map(read)) / read(whole[0]) - 1;
const growth = growthOf((r) => r.rssMb);
const gcGrowth = gc ? growthOf((r) => r.gcRssMb) : undefined;
/** The least-squares slope of a reading over the minutes after the first, in MB per minute. */
const slopeOf = (read: (r: (typeof rows)[number]) => number) => {
  const xs = whole.slice(1).map((r) => r.minute);
  const ys = whole.slice(1).map(read);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
};
const rates = whole.map((r) => r.charsPerSecond).sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
const spread = Math.max(...rates.map((r) => Math.abs(r / median - 1)));
const rssOk = (gcGrowth ?? growth) < 0.05;
const rateOk = spread <= 0.1;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `${checkpoints} checkpoints written; RSS growth after minute 1: ${pct(growth)}` +
    `${gcGrowth === undefined ? '' : `, after a full GC ${pct(gcGrowth)}`} (promise < 5%: ${rssOk ? 'holds' : 'FAILS'}); ` +
    `chars/s median ${median.toFixed(0)}, largest minute off by ${pct(spread)} (promise within 10%: ${rateOk ? 'holds' : 'FAILS'})`,
);
const slope = slopeOf((r) => (gc ? r.gcRssMb : r.rssMb));
const end = whole.at(-1)!;
console.log(
  `trend of RSS${gc ? ' after GC' : ''} over minutes 2-${end.minute}: ${slope.toFixed(2)} MB/min ` +
    `(${pct((slope * (end.minute - 1)) / whole[0].rssMb)} of minute 1's over the run); ` +
    `net from minute 1 to ${end.minute}: ${pct((gc ? end.gcRssMb / whole[0].gcRssMb : end.rssMb / whole[0].rssMb) - 1)}`,
);
if (!rssOk || !rateOk) process.exitCode = 1;
