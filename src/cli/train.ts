// `charrnn train`: reads the text, builds or resumes a Trainer, runs it in short slices (so Ctrl-C and
// the progress line get their turn), prints the seed's output to stdout, and saves checkpoints.
import { appendFileSync } from 'node:fs';
import type { TrainConfig } from '../config.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import type { Dtype } from '../kernels/types.js';
import type { Corpus } from '../text.js';
import { type StepEvent, Trainer } from '../train.js';
import { BUILTIN_CORPUS, readBytes, readCorpus, writeFileAtomic } from './io.js';
import { Progress } from './progress.js';

export interface TrainCliOptions {
  hidden: number;
  seqLength: number;
  lr: number;
  clip: number;
  seed?: number;
  iters?: number;
  sampleEvery: number;
  sampleLength: number;
  logEvery?: number;
  logFile?: string;
  save?: string;
  saveEvery?: number;
  resume?: string;
  dtype?: Dtype;
  backend?: 'wasm' | 'ref';
  quiet?: boolean;
}

/** How long one slice of steps runs before the loop yields to the event loop (signals, progress). */
const SLICE_MS = 50;

export async function runTrain(
  file: string | undefined,
  o: TrainCliOptions,
  explicit: Set<string>,
): Promise<void> {
  await initKernels();
  const corpus = loadCorpus(file, o.quiet === true);
  const trainer = o.resume ? resume(o, corpus, explicit) : create(o, corpus);
  const savePath = o.save ?? o.resume;
  const logEvery = o.logEvery ?? (o.sampleEvery > 0 ? o.sampleEvery : 1000);
  const out = process.stdout;
  const V = trainer.vocab.size;
  out.write(`data has ${corpus.ids.length} characters, ${V} unique.\n`);
  const info = (line: string) => {
    if (!o.quiet) process.stderr.write(`charrnn: ${line}\n`);
  };
  if (o.resume) info(`resuming '${o.resume}' at iteration ${trainer.iter}`);

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = new Progress(!o.quiet && process.stderr.isTTY === true, o.iters);
  const T = trainer.config.seqLength;
  const started = performance.now();
  const startIter = trainer.iter;
  const save = () => {
    if (savePath) writeFileAtomic(savePath, trainer.toCheckpoint());
  };
  const print = (text: string) => {
    progress.clear();
    out.write(text);
  };
  try {
    while (!interrupted && (o.iters === undefined || trainer.iter < o.iters)) {
      const sliceEnd = performance.now() + SLICE_MS;
      do {
        const e: StepEvent = trainer.step();
        if (e.sample !== undefined) print(`----\n ${e.sample} \n----\n`);
        if (e.iter % logEvery === 0) {
          print(`iter ${e.iter}, loss: ${e.smoothLoss.toFixed(6)}\n`);
          if (o.logFile) {
            const elapsedSeconds = (performance.now() - started) / 1000;
            const line = { iter: e.iter, loss: e.loss, smoothLoss: e.smoothLoss, elapsedSeconds };
            appendFileSync(o.logFile, `${JSON.stringify(line)}\n`);
          }
        }
        if (savePath && o.saveEvery && trainer.iter % o.saveEvery === 0) save();
      } while (performance.now() < sliceEnd && (o.iters === undefined || trainer.iter < o.iters));
      const seconds = (performance.now() - started) / 1000;
      progress.update(trainer.iter, trainer.smoothLoss, ((trainer.iter - startIter) * T) / seconds);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  save();
  const seconds = (performance.now() - started) / 1000;
  const done = trainer.iter - startIter;
  info(
    `${interrupted ? 'interrupted' : 'stopped'} at iteration ${trainer.iter}, smooth loss ${trainer.smoothLoss.toFixed(6)}; ` +
      `${(done / seconds).toFixed(0)} iter/s, ${((done * T) / seconds).toFixed(0)} chars/s` +
      `${savePath ? `; saved '${savePath}'` : ''}`,
  );
  if (interrupted) process.exitCode = 130;
}

function loadCorpus(file: string | undefined, quiet: boolean): Corpus {
  if (file !== undefined) return readCorpus(file);
  if (!quiet)
    process.stderr.write(
      "charrnn: no FILE given: training on the built-in corpus (charrnn's own README and sources)\n",
    );
  return readCorpus(BUILTIN_CORPUS);
}

function overrides(o: TrainCliOptions, keys: Iterable<string>): Partial<TrainConfig> {
  const picked: Partial<TrainConfig> = {};
  const source = o as unknown as Record<string, unknown>;
  const target = picked as Record<string, unknown>;
  for (const key of keys) if (source[key] !== undefined) target[key] = source[key];
  return picked;
}

const CONFIG_KEYS = [
  'hidden',
  'seqLength',
  'lr',
  'clip',
  'seed',
  'sampleEvery',
  'sampleLength',
  'dtype',
  'backend',
];

function create(o: TrainCliOptions, corpus: Corpus): Trainer {
  return Trainer.create(corpus, overrides(o, CONFIG_KEYS));
}

function resume(o: TrainCliOptions, corpus: Corpus, explicit: Set<string>): Trainer {
  const path = o.resume as string;
  if (explicit.has('seed')) {
    throw new CharrnnError(
      '--seed cannot be combined with --resume',
      'the checkpoint carries its RNG state',
      'usage',
    );
  }
  // on resume, only the options given on the command line change the checkpoint's settings
  const given = overrides(
    o,
    CONFIG_KEYS.filter((k) => explicit.has(k)),
  );
  return Trainer.fromCheckpoint(readBytes(path, 'the checkpoint'), corpus, given, `'${path}'`);
}
