// `charrnn train`: reads the text, builds a trainer (a preset with the options on top) or resumes one from
// its checkpoint, and drives the core's run loop in short slices, so that Ctrl-C and the progress line get
// their turn. It renders the loop's events (the seed's output on stdout, status lines on stderr, the JSON
// log) and writes the checkpoints the loop hands it. It keeps no schedule of its own.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { layoutOf } from '../checkpoint/interop.js';
import { TextTooShort } from '../data/streams.js';
import type { Corpus } from '../data/text.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import {
  appendLog,
  bestPathOf,
  lockLogPath,
  lockSavePath,
  prepareLogPath,
  prepareSavePath,
  readBytes,
  sameFile,
  saveOrRescue,
  writeError,
} from '../node/io.js';
import { nodeHost } from '../node/threads.js';
import { type ConfigKey, OPTIONS, optionName, resolveConfig, type TrainConfig } from '../training/config.js';
import { defaultPreset, findPreset } from '../training/presets.js';
import { type RunEvent, RunLoop } from '../training/run.js';
import { type DataSplit, forgottenPhrase, Trainer } from '../training/trainer.js';
import { describeInputs, readInputs } from './inputs.js';
import { Progress, summaryLine } from './progress.js';

/** The parsed options (commander's camelCase names); absent means "not given". */
export type TrainCliOptions = Partial<TrainConfig> & {
  preset?: string;
  logEvery?: number;
  logFile?: string;
  save?: string;
  resume?: string;
  quiet?: boolean;
  valFile?: string[];
};

/** The corpus shipped inside the package: this project's own README and sources (scripts/builtin-corpus.mjs). */
const BUILTIN_CORPUS = fileURLToPath(new URL('../builtin-corpus.txt', import.meta.url));

/** How long one slice of the loop runs before it yields to the event loop (signals, progress). */
const SLICE_MS = 50;

/** The signals that stop a run, saving: Ctrl-C, a kill, and a hangup (the terminal or the SSH session closed). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runTrain(files: string[], o: TrainCliOptions): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const info = (line: string) => {
    if (!o.quiet) process.stderr.write(`charrnn: ${line}\n`);
  };
  for (const [flag, path] of [
    ['--save', o.save],
    ['--resume', o.resume],
    ['--log-file', o.logFile],
  ] as const) {
    if (path === '') throw new CharrnnError(`${flag} needs a path`, `give ${flag} a file name`, 'usage');
  }
  const resumed = o.resume ? readResumed(o) : undefined;
  const savePath = o.save ?? o.resume;
  if (savePath) prepareSavePath(savePath); // before any training: a path that cannot be written fails now
  // one run at a time saves to a checkpoint (another one's saves would replace this one's)
  const unlock = savePath ? lockSavePath(savePath) : undefined;
  let unlockLog: (() => void) | undefined;
  try {
    const logExisted = o.logFile !== undefined && existsSync(o.logFile);
    if (o.logFile) prepareLogPath(o.logFile);
    try {
      checkLogPath(o, savePath);
    } catch (e) {
      // the empty log just made would be left where the checkpoint goes, an empty file that no resume loads
      if (!logExisted) rmSync(o.logFile as string, { force: true });
      throw e;
    }
    // one run at a time appends to a log, too (two runs' lines mixed would be neither's curve)
    unlockLog = o.logFile ? lockLogPath(o.logFile) : undefined;
    const { corpus, split, validation, files: read } = await loadCorpus(files, o, info);
    checkOutputs(o, savePath, read);
    const trainer = resumed ? resume(o, resumed, corpus, split, info) : create(o, corpus, split);
    try {
      info(describe(trainer, validation));
      const keepBest = () => resumed !== undefined && keepResumedBest(trainer, o, resumed, savePath, info);
      await drive(trainer, o, corpus, savePath, info, keepBest);
    } finally {
      trainer.close();
    }
  } finally {
    unlockLog?.();
    unlock?.();
  }
}

/**
 * The log must not be a checkpoint: appended to, the checkpoint would no longer load, and a save would
 * replace the log. (Called once both files exist: prepareLogPath creates the log.)
 */
function checkLogPath(o: TrainCliOptions, savePath: string | undefined): void {
  if (!o.logFile) return;
  for (const [flag, path] of [
    ['--save', savePath],
    ['--resume', o.resume],
  ] as const) {
    if (path && sameFile(o.logFile, path)) {
      throw new CharrnnError(
        `--log-file '${o.logFile}' is the checkpoint ${flag} '${path}'`,
        'give the log a path of its own',
        'usage',
      );
    }
  }
}

/** No file the run writes (the checkpoint, its best, the log) may be one of the texts it reads. */
function checkOutputs(o: TrainCliOptions, savePath: string | undefined, inputs: readonly string[]): void {
  const outputs: [string, string | undefined, string][] = [
    ['--save', savePath, `--save '${savePath}'`],
    ['--save', savePath && bestPathOf(savePath), `the best checkpoint of --save '${savePath}'`],
    ['--log-file', o.logFile, `--log-file '${o.logFile}'`],
  ];
  for (const [flag, path, what] of outputs) {
    const input = path ? inputs.find((f) => sameFile(f, path)) : undefined;
    if (input !== undefined) {
      throw new CharrnnError(
        `${what} is the text file '${input}' this run reads: writing it would destroy the text`,
        `choose another ${flag} path`,
        'usage',
      );
    }
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

function create(o: TrainCliOptions, corpus: Corpus, split: DataSplit): Trainer {
  const settings = settingsOf(o);
  const preset = o.preset !== undefined ? findPreset(o.preset) : defaultPreset(settings.model);
  if (!preset) throw new CharrnnError(`unknown preset '${o.preset}'`, '', 'usage');
  return Trainer.create(corpus, resolveConfig(settings, preset.settings), nodeHost, split);
}

/** The --resume checkpoint's bytes, read before anything else is done: a wrong path creates nothing. */
function readResumed(o: TrainCliOptions): Uint8Array {
  const path = o.resume as string;
  if (path === '-') {
    throw new CharrnnError(
      '--resume - (standard input) cannot be resumed: a resumed run saves back to its file',
      'save the checkpoint to a file first, and resume that',
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
  if (layoutOf(bytes, `'${path}'`) === 'torch') {
    throw new CharrnnError(
      `'${path}' is a model in the PyTorch layout, not a checkpoint to resume`,
      `make one with charrnn import ${path} -o model.ckpt, and resume that`,
      'usage',
    );
  }
  return bytes;
}

function resume(
  o: TrainCliOptions,
  bytes: Uint8Array,
  corpus: Corpus,
  split: DataSplit,
  info: (line: string) => void,
): Trainer {
  const path = o.resume as string;
  const t = Trainer.fromCheckpoint(bytes, undefined, settingsOf(o), `'${path}'`, nodeHost);
  try {
    t.setData(corpus, split);
  } catch (e) {
    t.close();
    if (e instanceof TextTooShort) {
      // --batch and --seq-length cannot change on resume: the hint of a new run does not apply
      const c = t.config;
      throw new CharrnnError(
        e.message,
        `the checkpoint's --batch ${c.batch} and --seq-length ${c.seqLength} stay on resume: use a longer text${e.splitRemedy}`,
      );
    }
    throw e;
  }
  info(`resuming '${path}' at iteration ${t.iter}`);
  const changed = t.changedOnResume.filter((k) => k !== 'threads' || o.threads !== undefined);
  if (changed.length > 0) {
    info(`changed on resume: ${changed.map((k) => `${optionName(k)} ${String(t.config[k])}`).join(', ')}`);
  }
  if (t.bestForgotten) info(forgottenPhrase(t.bestForgotten));
  return t;
}

/**
 * A resume saved over its own file (no --save) whose weights are its run's best, as a `.best` file's are,
 * with no best file beside it: that file is the only copy of the best, and the continued run replaces it.
 * So it is first kept where this run's best goes (`x.best.ckpt` -> `x.best.best.ckpt`), as its best so far;
 * otherwise a continued run that never beat it would lose the weights its summary line calls the best.
 */
function keepResumedBest(
  trainer: Trainer,
  o: TrainCliOptions,
  bytes: Uint8Array,
  savePath: string | undefined,
  info: (line: string) => void,
): boolean {
  if (!savePath || !o.resume || !sameFile(savePath, o.resume)) return false;
  // bestValIter 0: no best, or not known (a forgotten best is reset to 0, as are files from before it was kept)
  if (trainer.bestValIter === 0 || trainer.bestValIter !== trainer.iter) return false;
  if (!Number.isFinite(trainer.bestValLoss)) return false;
  const bestPath = bestPathOf(savePath);
  if (existsSync(bestPath)) return false;
  saveOrRescue(bestPath, bytes);
  info(
    `'${o.resume}' holds the best validation loss (iteration ${trainer.iter}) and this run saves over it: kept in '${bestPath}'`,
  );
  return true;
}

async function drive(
  trainer: Trainer,
  o: TrainCliOptions,
  corpus: Corpus,
  savePath: string | undefined,
  info: (line: string) => void,
  keepBest: () => boolean,
): Promise<void> {
  const c = trainer.config;
  const loop = new RunLoop(trainer, { checkpoints: savePath !== undefined });
  loop.checkLimits();
  const bestKept = keepBest(); // once the run is sure to go on: a refused resume writes nothing
  const bestPath = savePath && bestPathOf(savePath);
  const logEvery = o.logEvery ?? (c.sampleEvery > 0 ? c.sampleEvery : 1000);
  const out = process.stdout;
  // Ctrl-C, a kill, the terminal closed, or standard output closed (piped into head): the run stops, saving,
  // with one summary line; the exit status is 130, 129 for a hangup (SIGHUP), or 141 (a broken pipe's) for
  // standard output. The log or standard output failing otherwise (no space...) stops it too, saving, and
  // then it fails with that error. Each signal is heard once: a second one ends the process at once.
  let interrupted: number | undefined;
  let failure: CharrnnError | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal === 'SIGHUP' ? 129 : 130;
    loop.stop();
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') interrupted ??= 141;
    else failure ??= writeError('to standard output', e);
    loop.stop();
  });
  out.write(`data has ${corpus.ids.length} characters, ${trainer.vocab.size} unique.\n`);
  const progress = await Progress.create(!o.quiet && process.stderr.isTTY === true);
  const started = performance.now();
  const startIter = trainer.iter;
  // for the progress line and the line at the end
  const startTrainSeconds = trainer.trainSeconds;
  /** Where the run is, and what this invocation did: for the progress line and the summary line. */
  const runSoFar = () => ({
    iter: trainer.iter,
    smoothLoss: trainer.smoothLoss,
    runIters: trainer.iter - startIter,
    runSeconds: (performance.now() - started) / 1000,
    runTrainSeconds: trainer.trainSeconds - startTrainSeconds,
    charsPerStep: trainer.charsPerStep,
  });
  let lastValLoss: number | undefined;
  let evaluating: number | undefined;
  let bestWritten = bestKept;
  let early = false;
  let logLines = 0;
  const observe = (e: RunEvent) => {
    evaluating = e.type === 'evaluating' ? e.fraction : undefined;
    if (e.type === 'evaluation') lastValLoss = e.valLoss;
    if (e.type === 'checkpoint' && e.reason === 'best') bestWritten = true;
    if (e.type === 'finished') early = e.reason === 'patience';
  };
  const print = (text: string) => {
    progress.clear();
    if (interrupted !== 141 && !out.destroyed) out.write(text);
  };
  const log = (fields: Record<string, number>) => {
    if (!o.logFile || failure) return;
    try {
      appendLog(o.logFile, `${JSON.stringify({ ...fields, elapsedSeconds: trainer.trainSeconds })}\n`);
      logLines++;
    } catch (e) {
      failure = e as CharrnnError;
      loop.stop();
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
        saveOrRescue(e.reason === 'best' ? bestPath! : savePath!, e.parts);
        break;
      case 'evaluating':
      case 'finished':
        break;
    }
  };
  try {
    while (!loop.finished) {
      const sliceEnd = performance.now() + SLICE_MS;
      for (let e = loop.next(); e; e = performance.now() < sliceEnd ? loop.next() : undefined) {
        observe(e);
        render(e);
      }
      progress.update(() => ({
        ...runSoFar(),
        iters: c.iters,
        timeLimit: c.timeLimit,
        trainSeconds: trainer.trainSeconds,
        valLoss: lastValLoss,
        evaluating,
      }));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (e) {
    throw logFailedFirst(failure, divergedHint(lostThread(e, trainer, savePath), savePath));
  } finally {
    progress.done();
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  if (failure) {
    const saved = savePath ? `; the run stopped at iteration ${trainer.iter}, saved in '${savePath}'` : '';
    throw new CharrnnError(
      `${failure.message}${saved}`,
      savePath ? `resume with --resume ${savePath} once it can be written` : failure.hint,
    );
  }
  info(
    summaryLine({
      interrupted: interrupted !== undefined,
      early,
      ...runSoFar(),
      bestValLoss: trainer.bestValLoss,
      bestValIter: trainer.bestValIter,
      saved: savePath,
      best: bestWritten ? bestPath : undefined,
      log: o.logFile && logLines > 0 ? { path: o.logFile, lines: logLines } : undefined,
    }),
  );
  if (interrupted !== undefined) process.exitCode = interrupted;
}

/**
 * The log (or standard output) that could not be written stopped the run, and then its last save failed too
 * (a full disk takes both): the one line says first why the run stopped, then where its state went.
 */
function logFailedFirst(failure: CharrnnError | undefined, e: unknown): unknown {
  if (!failure || !(e instanceof CharrnnError)) return e;
  return new CharrnnError(`${failure.message}; ${e.message}`, e.hint, e.kind);
}

/**
 * A run that diverged with no checkpoint to go back to (no --save, or none written yet) is told to start
 * again, not to resume from a checkpoint that is not there.
 */
function divergedHint(e: unknown, savePath: string | undefined): unknown {
  if (!(e instanceof CharrnnError && e.kind === 'diverged') || (savePath && existsSync(savePath))) return e;
  return new CharrnnError(
    e.message,
    'nothing was saved: start again with a lower --lr (or with --clip or --clip-norm)',
    'diverged',
  );
}

/**
 * A worker thread died (kind 'thread', src/training/parallel.ts): the trainer still holds the state from
 * before the failed step, which is saved (with --save or --resume) and named in the error.
 */
function lostThread(e: unknown, trainer: Trainer, savePath: string | undefined): unknown {
  if (!(e instanceof CharrnnError && e.kind === 'thread')) return e;
  const what = `${e.message} at iteration ${trainer.iter}`;
  if (!savePath) {
    return new CharrnnError(
      what,
      'nothing was saved (no --save): run it again, with --save to keep the state',
      'thread',
    );
  }
  try {
    saveOrRescue(savePath, trainer.checkpointParts());
  } catch (failed) {
    return failed instanceof CharrnnError
      ? new CharrnnError(`${what}; ${failed.message}`, failed.hint, 'thread')
      : failed;
  }
  // reset when a step failed; an evaluation that failed had held the training states aside
  const reset = trainer.snapshot().state.every((x) => x === 0);
  return new CharrnnError(
    `${what}; the state of that iteration is saved in '${savePath}'${reset ? " (the streams' carried states reset)" : ''}`,
    `resume with charrnn train --resume ${savePath}`,
    'thread',
  );
}

/** What an evaluation scores when --eval-chars leaves part of the validation split out. */
function scored(t: Trainer): string {
  const v = t.validationChars;
  if (!v || v.scored === v.total) return '';
  return ` (an evaluation scores ${v.scored.toLocaleString('en-US')} of its ${v.total.toLocaleString('en-US')} characters: --eval-chars)`;
}

/** A fraction as the percentage a user gave: 0.07 as 7%, not 7.000000000000001% (0.07 * 100 in floating point). */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(12))}%`;
}

/** One line saying what is trained; `validation` names the --val-file texts. */
function describe(t: Trainer, validation: string | undefined): string {
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
    `${validation ?? (c.valFraction > 0 ? `validation: last ${percent(c.valFraction)} of the text` : 'no validation')}${scored(t)}; ` +
    `seed ${c.seed ?? '-'}; ${t.model.kernels.backend} ${c.dtype} kernels`
  );
}

/** The training texts (else the built-in corpus) and the --val-file texts, if any, in one corpus. */
async function loadCorpus(
  files: string[],
  o: TrainCliOptions,
  info: (line: string) => void,
): Promise<{ corpus: Corpus; split: DataSplit; validation?: string; files: string[] }> {
  if (files.length === 0) {
    info("no FILE given: training on the built-in corpus (charrnn's own README and sources)");
  }
  const read = await readInputs(files.length > 0 ? files : [BUILTIN_CORPUS], o.valFile, {
    separator: true,
    info,
  });
  const { corpus, valFrom, documents, valDocuments } = read;
  if (documents > 1) info(`${documents} documents, joined with the separator U+001E`);
  if (valFrom === undefined) return { corpus, split: {}, files: read.files };
  if (o.valFraction !== undefined) info('--val-fraction is ignored: --val-file gives the validation text');
  const n = corpus.ids.length - valFrom;
  const docs = valDocuments > 1 ? `, ${valDocuments} documents` : '';
  return {
    corpus,
    split: { valFrom },
    validation: `validation: ${describeInputs(o.valFile!)} (${n} characters${docs})`,
    files: read.files,
  };
}
