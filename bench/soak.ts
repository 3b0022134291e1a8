// Soak: trains a preset (char-lstm by default) for N minutes through the one run loop, with its
// evaluations and a checkpoint written atomically every --save-every iterations, and records the process's
// RSS and the training throughput once a minute. At the end it prints the table and checks the two
// promises: after the first minute RSS grows by less than 5%, and every minute's chars/s stays within 10%
// of the median minute's.
//   node --experimental-wasm-relaxed-simd --import tsx bench/soak.ts [MINUTES] [--preset NAME] [--threads N]
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
  saveEvery: 200,
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
const rows: { minute: number; iter: number; rssMb: number; heapMb: number; charsPerSecond: number }[] = [];
let last = { iter: trainer.iter, trainSeconds: trainer.trainSeconds };
let checkpoints = 0;
console.log('minute  iter     RSS MB  heap MB  chars/s');
for (let e = loop.next(); e; e = loop.next()) {
  if (e.type === 'checkpoint') {
    writeFileAtomic(savePath, e.bytes);
    checkpoints++;
  }
  const minute = Math.floor((performance.now() - started) / 60_000);
  if (minute > rows.length || loop.finished) {
    const m = process.memoryUsage();
    const chars = (trainer.iter - last.iter) * trainer.charsPerStep;
    const row = {
      minute: rows.length + 1,
      iter: trainer.iter,
      rssMb: m.rss / 2 ** 20,
      heapMb: m.heapUsed / 2 ** 20,
      charsPerSecond: chars / (trainer.trainSeconds - last.trainSeconds),
    };
    rows.push(row);
    last = { iter: trainer.iter, trainSeconds: trainer.trainSeconds };
    console.log(
      `${String(row.minute).padStart(6)}  ${String(row.iter).padStart(7)}  ${row.rssMb.toFixed(1).padStart(7)}  ` +
        `${row.heapMb.toFixed(1).padStart(7)}  ${row.charsPerSecond.toFixed(0).padStart(7)}`,
    );
  }
}
trainer.close();
rmSync(dir, { recursive: true, force: true });

// the last row may cover a part of a minute; the promises are judged on whole minutes
const whole = rows.filter((r) => r.minute <= minutes);
const first = whole[0];
const peakAfter = Math.max(...whole.slice(1).map((r) => r.rssMb));
const growth = first ? peakAfter / first.rssMb - 1 : Number.NaN;
const rates = whole.map((r) => r.charsPerSecond).sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
const spread = Math.max(...rates.map((r) => Math.abs(r / median - 1)));
const rssOk = growth < 0.05;
const rateOk = spread <= 0.1;
console.log(
  `${checkpoints} checkpoints written; RSS after minute 1: ${first?.rssMb.toFixed(1)} MB, peak after it ${peakAfter.toFixed(1)} MB ` +
    `(${(growth * 100).toFixed(1)}% growth, promise < 5%: ${rssOk ? 'holds' : 'FAILS'}); chars/s median ${median.toFixed(0)}, ` +
    `largest minute off by ${(spread * 100).toFixed(1)}% (promise within 10%: ${rateOk ? 'holds' : 'FAILS'})`,
);
if (!rssOk || !rateOk) process.exitCode = 1;
