// `charrnn train`: reads the text, builds a trainer (a preset with the options on top) or resumes one from
// its checkpoint, and drives the core's run loop in short slices, so that Ctrl-C and the progress line get
// their turn. It renders the loop's events (the seed's output on stdout, status lines on stderr, the JSON
// log) and writes the checkpoints the loop hands it. It keeps no schedule of its own.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { layoutOf } from '../checkpoint/interop.js';
import type { Corpus } from '../data/text.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import { prepareSavePath, readBytes, readCorpus, saveOrRescue } from '../node/io.js';
import { nodeHost } from '../node/threads.js';
import { type ConfigKey, OPTIONS, optionName, resolveConfig, type TrainConfig } from '../training/config.js';
import { defaultPreset, findPreset } from '../training/presets.js';
import { type RunEvent, RunLoop } from '../training/run.js';
import { Trainer } from '../training/trainer.js';
import { Progress } from './progress.js';

/** The parsed options (commander's camelCase names); absent means "not given". */
export type TrainCliOptions = Partial<TrainConfig> & {
  preset?: string;
  logEvery?: number;
  logFile?: string;
  save?: string;
  resume?: string;
  quiet?: boolean;
};

/** The corpus shipped inside the package: this project's own README and sources (scripts/builtin-corpus.mjs). */
const BUILTIN_CORPUS = fileURLToPath(new URL('../builtin-corpus.txt', import.meta.url));

/** How long one slice of the loop runs before it yields to the event loop (signals, progress). */
const SLICE_MS = 50;

export async function runTrain(file: string | undefined, o: TrainCliOptions): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const info = (line: string) => {
    if (!o.quiet) process.stderr.write(`charrnn: ${line}\n`);
  };
  const savePath = o.save ?? o.resume;
  if (savePath) prepareSavePath(savePath); // before any training: a path that cannot be written fails now
  const corpus = loadCorpus(file, info);
  const trainer = o.resume ? resume(o, corpus, info) : create(o, corpus);
  try {
    info(describe(trainer));
    await drive(trainer, o, corpus, savePath, info);
  } finally {
    trainer.close();
  }
}

/** The settings given on the command line. */
function settingsOf(o: TrainCliOptions): Partial<TrainConfig> {
  const out: Partial<TrainConfig> = {};
  for (const { key } of OPTIONS) {
    if (o[key] !== undefined) (out as Record<ConfigKey, unknown>)[key] = o[key];
  }
  return out;
}

function create(o: TrainCliOptions, corpus: Corpus): Trainer {
  const settings = settingsOf(o);
  const preset = o.preset !== undefined ? findPreset(o.preset) : defaultPreset(settings.model);
  if (!preset) throw new CharrnnError(`unknown preset '${o.preset}'`, '', 'usage');
  return Trainer.create(corpus, resolveConfig(settings, preset.settings), nodeHost);
}

function resume(o: TrainCliOptions, corpus: Corpus, info: (line: string) => void): Trainer {
  const path = o.resume as string;
  if (o.preset !== undefined) {
    throw new CharrnnError(
      '--preset cannot be combined with --resume',
      'the checkpoint carries its settings',
      'usage',
    );
  }
  const bytes = readBytes(path, 'the checkpoint');
  if (layoutOf(bytes, `'${path}'`) === 'torch') {
    throw new CharrnnError(
      `'${path}' is a model in the PyTorch layout, not a checkpoint to resume`,
      `make one with charrnn import ${path} -o model.ckpt, and resume that`,
      'usage',
    );
  }
  const t = Trainer.fromCheckpoint(bytes, corpus, settingsOf(o), `'${path}'`, nodeHost);
  info(`resuming '${path}' at iteration ${t.iter}`);
  const changed = t.changedOnResume.filter((k) => k !== 'threads' || o.threads !== undefined);
  if (changed.length > 0) {
    info(`changed on resume: ${changed.map((k) => `${optionName(k)} ${String(t.config[k])}`).join(', ')}`);
  }
  return t;
}

async function drive(
  trainer: Trainer,
  o: TrainCliOptions,
  corpus: Corpus,
  savePath: string | undefined,
  info: (line: string) => void,
): Promise<void> {
  const c = trainer.config;
  const loop = new RunLoop(trainer, { checkpoints: savePath !== undefined });
  loop.checkLimits();
  const bestPath = savePath?.replace(/(\.[^./]*)?$/, '.best$1');
  const logEvery = o.logEvery ?? (c.sampleEvery > 0 ? c.sampleEvery : 1000);
  const out = process.stdout;
  out.write(`data has ${corpus.ids.length} characters, ${trainer.vocab.size} unique.\n`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    loop.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = new Progress(!o.quiet && process.stderr.isTTY === true, c.iters || undefined);
  const started = performance.now();
  const startIter = trainer.iter;
  const print = (text: string) => {
    progress.clear();
    out.write(text);
  };
  const log = (fields: Record<string, number>) => {
    if (o.logFile) {
      appendFileSync(o.logFile, `${JSON.stringify({ ...fields, elapsedSeconds: trainer.trainSeconds })}\n`);
    }
  };
  const render = (e: RunEvent) => {
    switch (e.type) {
      case 'step':
        if (e.sample !== undefined) print(`----\n ${e.sample} \n----\n`);
        if (e.iter % logEvery === 0) {
          print(`iter ${e.iter}, loss: ${e.smoothLoss.toFixed(6)}\n`); // print progress
          log({ iter: e.iter, loss: e.loss, smoothLoss: e.smoothLoss, lr: e.lr });
        }
        break;
      case 'evaluation':
        print(
          `iter ${e.iter}, val loss: ${e.valLoss.toFixed(4)} nats/char (${e.valBits.toFixed(4)} bits/char)\n`,
        );
        log({ iter: e.iter, valLoss: e.valLoss, valBits: e.valBits });
        break;
      case 'checkpoint':
        saveOrRescue(e.reason === 'best' ? bestPath! : savePath!, e.bytes);
        break;
      case 'evaluating':
      case 'finished':
        break;
    }
  };
  try {
    while (!loop.finished) {
      const sliceEnd = performance.now() + SLICE_MS;
      for (let e = loop.next(); e; e = performance.now() < sliceEnd ? loop.next() : undefined) render(e);
      const seconds = (performance.now() - started) / 1000;
      progress.update(
        trainer.iter,
        trainer.smoothLoss,
        ((trainer.iter - startIter) * trainer.charsPerStep) / seconds,
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = (performance.now() - started) / 1000;
  const done = trainer.iter - startIter;
  info(
    `${interrupted ? 'interrupted' : 'stopped'} at iteration ${trainer.iter}, smooth loss ${trainer.smoothLoss.toFixed(6)}; ` +
      `${(done / seconds).toFixed(1)} iter/s, ${((done * trainer.charsPerStep) / seconds).toFixed(0)} chars/s` +
      `${savePath ? `; saved '${savePath}'` : ''}`,
  );
  if (interrupted) process.exitCode = 130;
}

/** One line saying what is trained. */
function describe(t: Trainer): string {
  const c = t.config;
  const input = c.embedding > 0 ? `embedding ${c.embedding}` : 'one-hot input';
  const clip = [
    Number.isFinite(c.clip) ? `clip ${c.clip}` : '',
    Number.isFinite(c.clipNorm) ? `clip-norm ${c.clipNorm}` : '',
  ].filter(Boolean);
  return (
    `training ${c.model} ${c.layers}x${c.hidden} (${input}${c.dropout > 0 ? `, dropout ${c.dropout}` : ''}), ` +
    `${t.model.numParams} parameters; batch ${c.batch} x seq ${c.seqLength}; ${c.optimizer} lr ${c.lr} ${c.schedule}` +
    `${clip.length ? `, ${clip.join(', ')}` : ''}; ${c.threads} thread${c.threads > 1 ? 's' : ''}; ` +
    `${c.valFraction > 0 ? `validation: last ${c.valFraction * 100}% of the text` : 'no validation'}; ` +
    `seed ${c.seed}; ${t.model.kernels.backend} ${c.dtype} kernels`
  );
}

function loadCorpus(file: string | undefined, info: (line: string) => void): Corpus {
  if (file !== undefined) return readCorpus(file);
  info("no FILE given: training on the built-in corpus (charrnn's own README and sources)");
  return readCorpus(BUILTIN_CORPUS);
}
