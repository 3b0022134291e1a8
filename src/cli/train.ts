// `charrnn train`: reads the text, builds or resumes a trainer (the seed's loop for the min-char-rnn
// preset, the general one for LSTM/GRU recipes), runs it in short slices (so Ctrl-C and the progress line
// get their turn), prints the seed's output to stdout, evaluates, and saves checkpoints atomically.
import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../config.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import { findPreset, PRESETS } from '../presets.js';
import { isRecipeCheckpoint, ModelTrainer, type RecipeConfig } from '../recipe.js';
import type { Corpus } from '../text.js';
import { Trainer } from '../train.js';
import { BUILTIN_CORPUS, readBytes, readCorpus, writeFileAtomic } from './io.js';
import { Progress } from './progress.js';
import { nodeHost } from './threads.js';

/** The parsed options (commander's camelCase names); absent means "not given". */
export interface TrainCliOptions {
  preset?: string;
  model?: 'rnn' | 'lstm' | 'gru';
  layers?: number;
  hidden?: number;
  embedding?: number;
  dropout?: number;
  batch?: number;
  seqLength?: number;
  optimizer?: RecipeConfig['optimizer'];
  lr?: number;
  clip?: number;
  clipNorm?: number;
  weightDecay?: number;
  schedule?: RecipeConfig['schedule'];
  warmup?: number;
  lrFloor?: number;
  decayIters?: number;
  valFraction?: number;
  evalEvery?: number;
  timeLimit?: number;
  threads?: number;
  seed?: number;
  iters?: number;
  sampleEvery?: number;
  sampleLength?: number;
  logEvery?: number;
  logFile?: string;
  save?: string;
  saveEvery?: number;
  resume?: string;
  dtype?: 'f32' | 'f64';
  backend?: 'wasm' | 'ref';
  quiet?: boolean;
}

const SEED_KEYS = [
  'hidden',
  'seqLength',
  'lr',
  'clip',
  'seed',
  'sampleEvery',
  'sampleLength',
  'dtype',
  'backend',
] as const;
const RECIPE_ONLY_KEYS = [
  'model',
  'layers',
  'embedding',
  'dropout',
  'batch',
  'optimizer',
  'clipNorm',
  'weightDecay',
  'schedule',
  'warmup',
  'lrFloor',
  'decayIters',
  'valFraction',
  'evalEvery',
  'timeLimit',
  'threads',
] as const;
const RECIPE_KEYS = [...SEED_KEYS, ...RECIPE_ONLY_KEYS] as const;

/** How long one slice of steps runs before the loop yields to the event loop (signals, progress). */
const SLICE_MS = 50;

/** What the loop needs of either trainer. */
interface Run {
  readonly iter: number;
  readonly smoothLoss: number;
  readonly seqChars: number;
  readonly vocabSize: number;
  readonly sampleEvery: number;
  step(): { iter: number; loss: number; smoothLoss: number; sample?: string; lr?: number };
  toCheckpoint(): Uint8Array;
  /** training seconds so far (the recipe counts its own; the seed's loop is timed by the caller) */
  trainSeconds?: () => number;
  evaluate?: () => { valLoss: number; valBits: number };
  evalEvery?: number;
  timeLimit?: number;
  bestValLoss?: () => number;
  close?: () => void;
  /** one line saying what is trained */
  describe?: string;
}

export async function runTrain(file: string | undefined, o: TrainCliOptions): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const info = (line: string) => {
    if (!o.quiet) process.stderr.write(`charrnn: ${line}\n`);
  };
  const corpus = loadCorpus(file, info);
  const run = o.resume ? resume(o, corpus) : create(o, corpus);
  if (o.resume) info(`resuming '${o.resume}' at iteration ${run.iter}`);
  if (run.describe) info(run.describe);
  try {
    await loop(run, o, corpus, info);
  } finally {
    run.close?.();
  }
}

function create(o: TrainCliOptions, corpus: Corpus): Run {
  const presetName =
    o.preset ?? (RECIPE_ONLY_KEYS.some((k) => o[k] !== undefined) ? 'char-lstm' : 'min-char-rnn');
  const preset = findPreset(presetName);
  if (!preset) {
    throw new CharrnnError(
      `unknown preset '${presetName}'`,
      `choose one of: ${PRESETS.map((p) => p.name).join(', ')}`,
      'usage',
    );
  }
  if (preset.trainer === 'seed') {
    const bad = RECIPE_ONLY_KEYS.find((k) => o[k] !== undefined);
    if (bad) {
      throw new CharrnnError(
        `--${kebab(bad)} is not an option of the min-char-rnn preset`,
        'choose a recipe with --preset char-lstm (or --model lstm)',
        'usage',
      );
    }
    return seedRun(
      Trainer.create(corpus, { ...(preset.settings as Partial<TrainConfig>), ...pick(o, SEED_KEYS) }),
    );
  }
  const settings = { ...(preset.settings as Partial<RecipeConfig>), ...pick(o, RECIPE_KEYS) };
  if (o.threads === undefined) {
    // use both cores (where the machine has them and the batch splits evenly)
    const batch = settings.batch ?? 1;
    settings.threads = availableParallelism() >= 2 && batch % 2 === 0 ? 2 : 1;
  }
  if (
    settings.schedule === 'cosine' &&
    !settings.decayIters &&
    !settings.timeLimit &&
    o.iters !== undefined
  ) {
    settings.decayIters = o.iters; // decay over the run
  }
  return recipeRun(ModelTrainer.create(corpus, settings, nodeHost));
}

function resume(o: TrainCliOptions, corpus: Corpus): Run {
  const path = o.resume as string;
  if (o.seed !== undefined) {
    throw new CharrnnError(
      '--seed cannot be combined with --resume',
      'the checkpoint carries its RNG state',
      'usage',
    );
  }
  if (o.preset !== undefined) {
    throw new CharrnnError(
      '--preset cannot be combined with --resume',
      'the checkpoint carries its settings',
      'usage',
    );
  }
  const bytes = readBytes(path, 'the checkpoint');
  const what = `'${path}'`;
  if (isRecipeCheckpoint(bytes))
    return recipeRun(ModelTrainer.fromCheckpoint(bytes, corpus, pick(o, RECIPE_KEYS), what, nodeHost));
  const bad = RECIPE_ONLY_KEYS.find((k) => o[k] !== undefined);
  if (bad) throw new CharrnnError(`--${kebab(bad)} does not apply to a min-char-rnn checkpoint`, '', 'usage');
  return seedRun(Trainer.fromCheckpoint(bytes, corpus, pick(o, SEED_KEYS), what));
}

function seedRun(t: Trainer): Run {
  return {
    get iter() {
      return t.iter;
    },
    get smoothLoss() {
      return t.smoothLoss;
    },
    seqChars: t.config.seqLength,
    vocabSize: t.vocab.size,
    sampleEvery: t.config.sampleEvery,
    step: () => t.step(),
    toCheckpoint: () => t.toCheckpoint(),
  };
}

function recipeRun(t: ModelTrainer): Run {
  return {
    get iter() {
      return t.iter;
    },
    get smoothLoss() {
      return t.smoothLoss;
    },
    seqChars: t.config.seqLength * t.config.batch,
    vocabSize: t.vocab.size,
    sampleEvery: t.config.sampleEvery,
    step: () => t.step(),
    toCheckpoint: () => t.toCheckpoint(),
    trainSeconds: () => t.trainSeconds,
    ...(t.hasValidation ? { evaluate: () => t.evaluate(), evalEvery: t.config.evalEvery } : {}),
    timeLimit: t.config.timeLimit,
    bestValLoss: () => t.bestValLoss,
    close: () => t.close(),
    describe: describeRecipe(t),
  };
}

async function loop(
  run: Run,
  o: TrainCliOptions,
  corpus: Corpus,
  info: (line: string) => void,
): Promise<void> {
  const savePath = o.save ?? o.resume;
  const bestPath = savePath ? savePath.replace(/(\.[^./]*)?$/, '.best$1') : undefined;
  const logEvery = o.logEvery ?? (run.sampleEvery > 0 ? run.sampleEvery : 1000);
  const out = process.stdout;
  out.write(`data has ${corpus.ids.length} characters, ${run.vocabSize} unique.\n`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = new Progress(!o.quiet && process.stderr.isTTY === true, o.iters);
  const started = performance.now();
  const startIter = run.iter;
  const trainSeconds0 = run.trainSeconds?.() ?? 0;
  const elapsed = () => run.trainSeconds?.() ?? trainSeconds0 + (performance.now() - started) / 1000;
  const timeUp = () => run.timeLimit !== undefined && run.timeLimit > 0 && elapsed() >= run.timeLimit;
  const finished = () => interrupted || (o.iters !== undefined && run.iter >= o.iters) || timeUp();
  const save = () => {
    if (savePath) writeFileAtomic(savePath, run.toCheckpoint());
  };
  const print = (text: string) => {
    progress.clear();
    out.write(text);
  };
  const log = (fields: Record<string, number>) => {
    if (o.logFile) appendFileSync(o.logFile, `${JSON.stringify({ ...fields, elapsedSeconds: elapsed() })}\n`);
  };
  let lastEval = -1;
  const evaluate = () => {
    if (!run.evaluate || lastEval === run.iter) return;
    lastEval = run.iter;
    const best = run.bestValLoss?.() ?? Infinity;
    const v = run.evaluate();
    print(
      `iter ${run.iter}, val loss: ${v.valLoss.toFixed(4)} nats/char (${v.valBits.toFixed(4)} bits/char)\n`,
    );
    log({ iter: run.iter, valLoss: v.valLoss, valBits: v.valBits });
    if (v.valLoss < best && bestPath) writeFileAtomic(bestPath, run.toCheckpoint());
  };
  try {
    while (!finished()) {
      const sliceEnd = performance.now() + SLICE_MS;
      do {
        const e = run.step();
        if (e.sample !== undefined) print(`----\n ${e.sample} \n----\n`);
        if (e.iter % logEvery === 0) {
          print(`iter ${e.iter}, loss: ${e.smoothLoss.toFixed(6)}\n`);
          log({
            iter: e.iter,
            loss: e.loss,
            smoothLoss: e.smoothLoss,
            ...(e.lr !== undefined ? { lr: e.lr } : {}),
          });
        }
        if (savePath && o.saveEvery && run.iter % o.saveEvery === 0) save();
        if (run.evalEvery && run.iter % run.evalEvery === 0) evaluate();
      } while (performance.now() < sliceEnd && !finished());
      const seconds = (performance.now() - started) / 1000;
      progress.update(run.iter, run.smoothLoss, ((run.iter - startIter) * run.seqChars) / seconds);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  save();
  if (!interrupted) evaluate();
  const seconds = (performance.now() - started) / 1000;
  const done = run.iter - startIter;
  info(
    `${interrupted ? 'interrupted' : 'stopped'} at iteration ${run.iter}, smooth loss ${run.smoothLoss.toFixed(6)}; ` +
      `${(done / seconds).toFixed(1)} iter/s, ${((done * run.seqChars) / seconds).toFixed(0)} chars/s` +
      `${savePath ? `; saved '${savePath}'` : ''}`,
  );
  if (interrupted) process.exitCode = 130;
}

function describeRecipe(t: ModelTrainer): string {
  const c = t.config;
  const input = c.embedding > 0 ? `embedding ${c.embedding}` : 'one-hot input';
  return (
    `training ${c.model} ${c.layers}x${c.hidden} (${input}${c.dropout > 0 ? `, dropout ${c.dropout}` : ''}), ` +
    `${t.model.numParams} parameters; batch ${c.batch} x seq ${c.seqLength}; ${c.optimizer} lr ${c.lr} ${c.schedule}; ` +
    `${c.threads} thread${c.threads > 1 ? 's' : ''}; ${c.valFraction > 0 ? `validation: last ${c.valFraction * 100}% of the text` : 'no validation'}`
  );
}

function loadCorpus(file: string | undefined, info: (line: string) => void): Corpus {
  if (file !== undefined) return readCorpus(file);
  info("no FILE given: training on the built-in corpus (charrnn's own README and sources)");
  return readCorpus(BUILTIN_CORPUS);
}

function pick<K extends keyof TrainCliOptions>(
  o: TrainCliOptions,
  keys: readonly K[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
