// The page's training worker: owns the one model being trained (the seed's Trainer for --model rnn,
// ModelTrainer for LSTM/GRU: the same core library as the CLI), runs steps in time slices so commands
// (pause, generate, save...) get answered between slices, evaluates recipes on their validation split
// every --eval-every iterations, and posts progress, validation points, samples, generated text and
// errors (as CharrnnError.line) to the page. A recipe with --threads 2 trains data-parallel: this worker
// holds shard 0 and starts a shard worker for the other half of each minibatch (threads.ts).
import type { TrainConfig } from '../src/config.js';
import { CharrnnError } from '../src/errors.js';
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { type Evaluation, isRecipeCheckpoint, ModelTrainer, type RecipeConfig } from '../src/recipe.js';
import { checkSampleOptions } from '../src/sample.js';
import { type Corpus, corpusFromString, encodeCorpus } from '../src/text.js';
import { Trainer } from '../src/train.js';
import type { FromWorker, ModelInfo, StartSettings, TextSource, ToWorker, WorkerState } from './protocol.js';
import { threadsAvailable, WebHost } from './threads.js';

/** milliseconds of training per slice, then the worker looks at its messages */
const TRAIN_SLICE_MS = 40;
/** milliseconds of generation per slice (a chunk of streamed text) */
const GEN_SLICE_MS = 8;

/** Either trainer: both have iter, smoothLoss, vocab, config, step(), sample() and toCheckpoint(). */
type AnyTrainer = Trainer | ModelTrainer;

let state: WorkerState = 'idle';
/** the model being trained (running or paused) */
let trainer: AnyTrainer | undefined;
/** a loaded checkpoint not trained on yet: its bytes (Start restores from them) and a trainer for sampling */
let loaded: { bytes: Uint8Array; trainer: AnyTrainer } | undefined;
/** the generation in progress */
let gen: { id: number; chars: Iterator<string, void> } | undefined;
/** milliseconds spent training (evaluation excluded) since the worker started: the throughput's clock */
let trainClock = 0;
/** recent (training-clock time, iter) marks for the throughput over about the last second of training */
let marks: { t: number; iter: number }[] = [];
/** the iteration of the last validation point posted (no point twice for one iteration) */
let lastEval = -1;
/**
 * an evaluation in progress, spread over slices (a large validation split must not stall the page's
 * commands); while it runs the model holds the evaluation's states, so it is finished before a save or
 * a snapshot and training waits for it
 */
let pendingEval: { t: ModelTrainer; run: Generator<number, Evaluation, undefined> } | undefined;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, { transfer });
}

function fail(during: Extract<FromWorker, { type: 'error' }>['during'], e: unknown): void {
  const line = e instanceof CharrnnError ? e.line : e instanceof Error ? e.message : String(e);
  if (!(e instanceof CharrnnError)) console.error(e);
  post({ type: 'error', line, during });
}

function setState(next: WorkerState): void {
  state = next;
  post({ type: 'state', state });
}

function info(t: AnyTrainer): ModelInfo {
  const common = {
    iter: t.iter,
    smoothLoss: t.smoothLoss,
    vocabSize: t.vocab.size,
    backend: t.model.kernels.backend,
  };
  if (t instanceof ModelTrainer) {
    const { backend: _backend, ...config } = t.config;
    return {
      ...common,
      trainer: 'recipe',
      config,
      hasValidation: t.hasValidation,
      bestValLoss: t.bestValLoss,
    };
  }
  const { backend: _backend, ...config } = t.config;
  return { ...common, trainer: 'seed', config };
}

/** Characters one step trains on: a window of seq-length (the seed), or batch such windows (recipes). */
function charsPerStep(t: AnyTrainer): number {
  return t instanceof ModelTrainer ? t.config.batch * t.config.seqLength : t.config.seqLength;
}

function corpusOf(source: TextSource): Corpus {
  if (source.kind === 'string') return corpusFromString(source.text);
  return encodeCorpus(source.bytes);
}

/** Loaded models and generation snapshots only sample: one thread, whatever the checkpoint trained with. */
const ONE_THREAD: Partial<RecipeConfig> = { threads: 1 };

/** Starts the shard workers of --threads N; a shard worker's error after it started becomes an alert. */
const host = new WebHost((line) => post({ type: 'error', line, during: 'train' }));

/** Ends a trainer's shard workers (trainer.close(): the seed's Trainer and one-thread recipes have none). */
function retire(t: AnyTrainer | undefined): void {
  if (pendingEval && pendingEval.t === t) pendingEval = undefined;
  if (t instanceof ModelTrainer) t.close();
}

async function start(source: TextSource, settings: StartSettings): Promise<void> {
  if (state === 'running' || state === 'paused')
    throw new CharrnnError('a model is already training', 'press Reset first');
  const threads = settings.trainer === 'recipe' ? (settings.config.threads ?? 1) : 1;
  if (threads > 1 && !threadsAvailable()) {
    throw new CharrnnError(
      `--threads ${threads} needs SharedArrayBuffer, which this page does not have: it is not cross-origin isolated`,
      'use --threads 1, or serve the page with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
      'usage',
    );
  }
  const corpus = corpusOf(source);
  if (corpus.ids.length === 0)
    throw new CharrnnError(`${source.what} is empty`, 'give it some text to learn from');
  const resumed = loaded !== undefined;
  if (loaded) {
    const isRecipe = loaded.trainer instanceof ModelTrainer;
    if (isRecipe !== (settings.trainer === 'recipe')) {
      throw new CharrnnError(
        `the loaded checkpoint is ${isRecipe ? 'an LSTM/GRU recipe' : "the seed's rnn"}; it cannot continue as another model`,
        'press Reset to start a new model',
        'usage',
      );
    }
  }
  const bytes = loaded?.bytes;
  if (settings.trainer === 'recipe') {
    const config = { ...settings.config, threads };
    // the shard workers load and compile their kernels first (meanwhile this worker answers messages and
    // sees their errors); then the trainer takes them and starts without waiting on them
    if (threads > 1) await host.warm(threads - 1);
    try {
      trainer = bytes
        ? ModelTrainer.fromCheckpoint(bytes, corpus, config, 'the checkpoint', host)
        : ModelTrainer.create(corpus, config, host);
    } catch (e) {
      host.endAssigned(); // a trainer that failed halfway through being built leaves no workers behind
      throw e;
    }
  } else {
    const config: Partial<TrainConfig> = settings.config;
    trainer = bytes ? Trainer.fromCheckpoint(bytes, corpus, config) : Trainer.create(corpus, config);
  }
  loaded = undefined;
  lastEval = -1;
  post({ type: 'started', info: info(trainer), chars: corpus.ids.length, resumed });
  // a recipe's first validation point: where the curve starts (a new model: about ln of the vocabulary)
  evaluate(trainer);
  resume();
}

/** Starts a validation point, if the model is a recipe with a validation split; the slices advance it. */
function evaluate(t: AnyTrainer): void {
  if (!(t instanceof ModelTrainer) || !t.hasValidation || lastEval === t.iter || pendingEval) return;
  pendingEval = { t, run: t.evaluation() };
}

/** Advances the evaluation in progress until `deadline` (Infinity: to the end); posts its point when done. */
function advanceEval(deadline: number): void {
  const e = pendingEval;
  if (!e) return;
  do {
    const r = e.run.next();
    if (r.done) {
      pendingEval = undefined;
      lastEval = e.t.iter;
      const v = r.value;
      post({
        type: 'val',
        iter: e.t.iter,
        smoothLoss: e.t.smoothLoss,
        valLoss: v.valLoss,
        valBits: v.valBits,
      });
      return;
    }
  } while (performance.now() < deadline);
}

function resume(): void {
  marks = [];
  setState('running');
  schedule();
}

function reset(): void {
  retire(trainer);
  retire(loaded?.trainer);
  trainer = undefined;
  loaded = undefined;
  gen = undefined;
  pendingEval = undefined;
  setState('idle');
}

function load(bytes: Uint8Array, name: string): void {
  const t = isRecipeCheckpoint(bytes)
    ? ModelTrainer.fromCheckpoint(bytes, undefined, ONE_THREAD, name)
    : Trainer.fromCheckpoint(bytes, undefined, {}, name);
  retire(trainer);
  retire(loaded?.trainer);
  trainer = undefined;
  gen = undefined;
  loaded = { bytes, trainer: t };
  post({ type: 'loaded', name, info: info(t) });
  setState('loaded');
}

function save(): void {
  const model = trainer ?? loaded?.trainer;
  if (!model)
    throw new CharrnnError('there is no model to save', 'press Start to train one, or load a checkpoint');
  advanceEval(Infinity); // the model must hold the training states again
  const bytes = trainer ? trainer.toCheckpoint() : loaded!.bytes.slice();
  post({ type: 'checkpoint', bytes }, [bytes.buffer]);
}

function generate(id: number, length: number, temperature: number, prime: string): void {
  const model = trainer ?? loaded?.trainer;
  if (!model)
    throw new CharrnnError('there is no model yet', 'press Start to train one, or load a checkpoint');
  checkSampleOptions({ temperature });
  if (!(Number.isInteger(length) && length >= 1 && length <= 1_000_000)) {
    throw new CharrnnError(`length must be an integer from 1 to 1000000, got ${length}`, '', 'usage');
  }
  // sample from a snapshot, so generating never touches the training RNG (training goes on exactly as
  // the CLI's would) and the text comes from one fixed model even while training continues
  advanceEval(Infinity);
  const bytes = model.toCheckpoint();
  const snapshot =
    model instanceof ModelTrainer
      ? ModelTrainer.fromCheckpoint(bytes, undefined, ONE_THREAD)
      : Trainer.fromCheckpoint(bytes);
  const chars = snapshot.sample(length, prime, { temperature });
  // the first step encodes the prime: an unknown symbol throws here, before anything is streamed
  const first = chars.next();
  gen = { id, chars: chars };
  post({ type: 'gen', id, text: first.done ? '' : first.value, done: first.done === true });
  if (first.done) gen = undefined;
  schedule();
}

// ---- the time-sliced loop: one tick = a chunk of generation, then a slice of training ----

const tickChannel = new MessageChannel();
let scheduled = false;
tickChannel.port1.onmessage = () => {
  scheduled = false;
  tick();
};

function schedule(): void {
  if (scheduled || (state !== 'running' && !gen)) return;
  scheduled = true;
  tickChannel.port2.postMessage(null);
}

function tick(): void {
  if (gen) {
    const g = gen;
    try {
      const end = performance.now() + GEN_SLICE_MS;
      let text = '';
      let done = false;
      while (performance.now() < end) {
        const r = g.chars.next();
        if (r.done) {
          done = true;
          break;
        }
        text += r.value;
      }
      post({ type: 'gen', id: g.id, text, done });
      if (done) gen = undefined;
    } catch (e) {
      gen = undefined;
      fail('generate', e);
    }
  }
  if (state === 'running' && trainer) {
    const t = trainer;
    try {
      const evalEvery = t instanceof ModelTrainer && t.hasValidation ? t.config.evalEvery : 0;
      const sliceStart = performance.now();
      const end = sliceStart + TRAIN_SLICE_MS;
      let evalMs = 0;
      do {
        if (pendingEval) {
          const e0 = performance.now();
          advanceEval(end);
          evalMs += performance.now() - e0;
          continue;
        }
        const ev = t.step();
        if (ev.sample !== undefined) post({ type: 'sample', iter: ev.iter, text: ev.sample });
        if (evalEvery > 0 && t.iter % evalEvery === 0) evaluate(t);
      } while (performance.now() < end);
      // the throughput counts training time only: evaluation is not training
      trainClock += performance.now() - sliceStart - evalMs;
      const now = trainClock;
      marks.push({ t: now, iter: t.iter });
      while (marks.length > 2 && now - marks[1].t >= 1000) marks.shift();
      const first = marks[0];
      const itersPerSec = marks.length > 1 ? ((t.iter - first.iter) * 1000) / (now - first.t) : 0;
      post({
        type: 'progress',
        iter: t.iter,
        smoothLoss: t.smoothLoss,
        itersPerSec,
        charsPerSec: itersPerSec * charsPerStep(t),
      });
    } catch (e) {
      setState('paused');
      fail('train', e);
    }
  }
  schedule();
}

// ---- commands from the page ----

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'start':
      try {
        await start(
          msg.source,
          msg.trainer === 'recipe'
            ? { trainer: 'recipe', config: msg.config }
            : { trainer: 'seed', config: msg.config },
        );
      } catch (e) {
        fail('start', e);
      }
      return;
    case 'pause':
      if (state === 'running') setState('paused');
      return;
    case 'resume':
      if (state === 'paused' && trainer) resume();
      return;
    case 'reset':
      reset();
      return;
    case 'generate':
      try {
        generate(msg.id, msg.length, msg.temperature, msg.prime);
      } catch (e) {
        post({ type: 'gen', id: msg.id, text: '', done: true });
        fail('generate', e);
      }
      return;
    case 'save':
      try {
        save();
      } catch (e) {
        fail('save', e);
      }
      return;
    case 'load':
      try {
        load(msg.bytes, msg.name);
      } catch (e) {
        fail('load', e);
      }
      return;
  }
}

// compile the WebAssembly kernels once; commands wait for it (in order) so every model gets the fast path
const ready = initKernels()
  .catch((e: unknown) => {
    console.warn('charrnn: WebAssembly kernels unavailable, using the TypeScript backend', e);
    return false;
  })
  .then(() =>
    post({ type: 'ready', backend: wasmAvailable() ? 'wasm' : 'ref', threadsAvailable: threadsAvailable() }),
  );

/** commands run one at a time, in order: a Start waiting for its shard workers holds the ones after it */
let queue: Promise<void> = ready;
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => fail('command', err));
};
