// The page's training worker: owns the one model being trained (a Trainer, any model, the same core as
// the CLI) and its RunLoop, which owns the schedule (evaluations, samples, limits). The worker runs the
// loop's units of work in time slices so commands (pause, generate, save...) get answered between them,
// and posts what the loop reports: progress, validation points, samples, the end of a run, generated
// text and errors (as CharrnnError.line). Checkpoints load in either layout the core reads (a charrnn
// checkpoint, or a model in the PyTorch layout), save as bytes the page downloads or keeps in the browser,
// and export in the core's formats. With --threads 2 the trainer shards each minibatch over this worker and
// a shard worker (threads.ts).
//
// Nothing is lost when a thread dies: a shard worker's death stops the run (the core wakes this worker
// with the error) and the state from before the failed step goes to the page to keep ('lost'); for this
// worker's own death, the page holds a checkpoint of the run never more than AUTOSAVE_MS old ('autosave')
// and hears the end through the Web Lock this worker holds (watch.ts).
import { checkpointBytes, EXPORT_FORMATS, type ExportFormatName } from '../src/checkpoint/interop.js';
import { type Corpus, corpusFromString, encodeCorpus } from '../src/data/text.js';
import { CharrnnError } from '../src/errors.js';
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { optionName, type TrainConfig } from '../src/training/config.js';
import { type RunEvent, RunLoop } from '../src/training/run.js';
import { forgottenPhrase, Trainer } from '../src/training/trainer.js';
import type { FromWorker, ModelInfo, SaveTarget, TextSource, ToWorker, WorkerState } from './protocol.js';
import { threadsAvailable, WebHost } from './threads.js';
import { holdLock } from './watch.js';

/** milliseconds of training per slice, then the worker looks at its messages */
const TRAIN_SLICE_MS = 40;
/** milliseconds of generation per slice (a chunk of streamed text) */
const GEN_SLICE_MS = 8;
/** seconds of training time the throughput is measured over */
const SPEED_WINDOW_S = 1;
/** how old, at most, the checkpoint the page holds of a running model is (milliseconds) */
const AUTOSAVE_MS = 5000;

let state: WorkerState = 'idle';
/** the model in training (running, paused or finished) and its run */
let run: { trainer: Trainer; loop: RunLoop } | undefined;
/**
 * a loaded checkpoint not trained on yet: its bytes as a charrnn checkpoint (Start continues from them, Save
 * writes them), a trainer to sample from
 */
let loaded: { bytes: Uint8Array; trainer: Trainer } | undefined;
/** the generation in progress, from its own trainer (a snapshot, or the loaded one) */
let gen: { id: number; chars: Iterator<string, void>; snapshot: Trainer | undefined } | undefined;
/** recent (training seconds, iter) marks: the throughput over about the last second of training */
let marks: { seconds: number; iter: number }[] = [];
/** when the next autosave of the running model is due (performance.now()) */
let autosaveDue = 0;

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

function info(t: Trainer): ModelInfo {
  const { backend: _backend, ...config } = t.config;
  return {
    iter: t.iter,
    smoothLoss: t.smoothLoss,
    vocabSize: t.vocab.size,
    backend: t.model.kernels.backend,
    config,
    hasValidation: t.hasValidation,
    bestValLoss: t.bestValLoss,
    trainSeconds: t.trainSeconds,
    evalsSinceBest: t.evalsSinceBest,
  };
}

function corpusOf(source: TextSource): Corpus {
  return source.kind === 'string' ? corpusFromString(source.text) : encodeCorpus(source.bytes);
}

/** Loaded models and generation snapshots only sample: one thread, whatever the checkpoint trained with. */
const ONE_THREAD: Partial<TrainConfig> = { threads: 1 };

/** Starts the shard workers of --threads N; a shard worker's error after it started becomes an alert. */
const host = new WebHost(
  (line) => post({ type: 'error', line, during: 'train' }),
  (shard) => post({ type: 'watch-shard', shard }),
);

/** Ends the run, the loaded model and the generation (and their shard workers). */
function retire(): void {
  run?.trainer.close();
  loaded?.trainer.close();
  gen?.snapshot?.close();
  run = undefined;
  loaded = undefined;
  gen = undefined;
}

async function start(source: TextSource, config: Partial<TrainConfig>): Promise<void> {
  if (run) throw new CharrnnError('a model is already training', 'press Reset first');
  const threads = config.threads ?? 1;
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
  // the shard workers load and compile their kernels first (meanwhile this worker answers messages and
  // sees their errors); then the trainer takes them and starts without waiting on them
  if (threads > 1) await host.warm(threads - 1);
  let trainer: Trainer;
  try {
    trainer = loaded
      ? Trainer.fromCheckpoint(loaded.bytes, corpus, config, 'the checkpoint', host)
      : Trainer.create(corpus, config, host);
  } catch (e) {
    host.endAssigned(); // a trainer that failed halfway through being built leaves no workers behind
    throw e;
  }
  const loop = new RunLoop(trainer, { evalAtStart: true, checkpoints: false });
  try {
    loop.checkLimits();
  } catch (e) {
    trainer.close();
    throw e;
  }

  loaded?.trainer.close();
  loaded = undefined;
  run = { trainer, loop };
  const changed = trainer.changedOnResume.map((k) => `${optionName(k)} ${String(trainer.config[k])}`);
  if (trainer.bestForgotten) changed.push(forgottenPhrase(trainer.bestForgotten));
  post({ type: 'started', info: info(trainer), what: source.what, chars: corpus.ids.length, changed });
  resume();
}

function resume(): void {
  marks = [];
  autosaveDue = performance.now() + AUTOSAVE_MS;
  setState('running');
  schedule();
}

function reset(): void {
  retire();
  setState('idle');
}

function load(file: Uint8Array, name: string): void {
  const bytes = checkpointBytes(file, name);
  const trainer = Trainer.fromCheckpoint(bytes, undefined, ONE_THREAD, name);
  if (run) replaced(run.trainer);
  retire();
  loaded = { bytes, trainer };
  post({ type: 'loaded', name, info: info(trainer) });
  setState('loaded');
}

function save(to: SaveTarget): void {
  if (!run && !loaded)
    throw new CharrnnError('there is no model to save', 'press Start to train one, or load a checkpoint');
  // safe during an evaluation: the trainer holds the training states aside
  const bytes = run ? run.trainer.toCheckpoint() : loaded!.bytes.slice();
  post({ type: 'checkpoint', bytes, to, info: info(run?.trainer ?? loaded!.trainer) }, [bytes.buffer]);
}

function exportModel(format: ExportFormatName): void {
  const trainer = run?.trainer ?? loaded?.trainer;
  if (!trainer)
    throw new CharrnnError('there is no model to export', 'press Start to train one, or load a checkpoint');
  const { write, extension } = EXPORT_FORMATS[format];
  const bytes = write(trainer.snapshot());
  post({ type: 'exported', bytes, name: `charrnn-model${extension}` }, [bytes.buffer]);
}

function generate(id: number, length: number, temperature: number, prime: string): void {
  if (!run && !loaded)
    throw new CharrnnError('there is no model yet', 'press Start to train one, or load a checkpoint');
  if (!(Number.isInteger(length) && length >= 1 && length <= 1_000_000)) {
    throw new CharrnnError(`length must be an integer from 1 to 1000000, got ${length}`, '', 'usage');
  }
  gen?.snapshot?.close();
  gen = undefined;
  // a model in training samples from a snapshot, so generating never touches the training RNG (training
  // goes on exactly as the CLI's would) and the text comes from one fixed model while training continues
  const snapshot = run
    ? Trainer.fromCheckpoint(run.trainer.toCheckpoint(), undefined, ONE_THREAD)
    : undefined;
  const chars = (snapshot ?? loaded!.trainer).sample(length, prime, { temperature });
  try {
    // the first step encodes the prime: an unknown symbol throws here, before anything is streamed
    const first = chars.next();
    gen = { id, chars, snapshot };
    post({ type: 'gen', id, text: first.done ? '' : first.value, done: first.done === true });
    if (first.done) endGeneration();
  } catch (e) {
    snapshot?.close();
    throw e;
  }
  schedule();
}

function endGeneration(): void {
  gen?.snapshot?.close();
  gen = undefined;
}

// ---- the time-sliced loop: one tick = a chunk of generation, then a slice of the run ----

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
  if (gen) generateSlice(gen);
  if (state === 'running' && run) trainSlice(run.trainer, run.loop);
  schedule();
}

function generateSlice(g: NonNullable<typeof gen>): void {
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
    if (done) endGeneration();
  } catch (e) {
    endGeneration();
    fail('generate', e);
  }
}

function trainSlice(trainer: Trainer, loop: RunLoop): void {
  try {
    const end = performance.now() + TRAIN_SLICE_MS;
    do {
      const e = loop.next();
      if (!e) break;
      report(trainer, e);
    } while (performance.now() < end && state === 'running');
    // (a run that finished in this slice has posted its last progress already, before saying so)
    if (state === 'running') {
      postProgress(trainer);
      if (performance.now() >= autosaveDue) autosave(trainer);
    }
  } catch (e) {
    // the loop has ended (a diverged loss, a failed thread); the model stays, to save or sample
    postProgress(trainer);
    setState('finished');
    if (e instanceof CharrnnError && e.kind === 'thread') lost(trainer, e);
    else fail('train', e);
  }
}

/** The running model's checkpoint to the page, which holds the latest (in case this worker dies). */
function autosave(trainer: Trainer): void {
  autosaveDue = performance.now() + AUTOSAVE_MS;
  try {
    const bytes = trainer.toCheckpoint();
    post({ type: 'autosave', bytes, info: info(trainer) }, [bytes.buffer]);
  } catch (e) {
    console.warn('charrnn: no autosave', e); // (a diverged state is never saved; the run stops on it)
  }
}

/** The model in training, which a loaded checkpoint replaces, to the page to keep: a click loses nothing. */
function replaced(trainer: Trainer): void {
  try {
    const bytes = trainer.toCheckpoint();
    post({ type: 'replaced', bytes, info: info(trainer) }, [bytes.buffer]);
  } catch (e) {
    console.warn('charrnn: the model replaced was not saved', e); // (a diverged state is never saved)
  }
}

/**
 * A thread died during the run: the trainer holds the state from before the failed step (its carried
 * states reset), which goes to the page to keep, with the error's line.
 */
function lost(trainer: Trainer, e: CharrnnError): void {
  const line = `${e.message} at iteration ${trainer.iter}`;
  try {
    const bytes = trainer.toCheckpoint();
    post({ type: 'lost', line, bytes, info: info(trainer) }, [bytes.buffer]);
  } catch (saving) {
    fail('train', new CharrnnError(`${line}; the model could not be saved: ${(saving as Error).message}`));
  }
}

/** Posts what the page shows of one event of the run. */
function report(trainer: Trainer, e: RunEvent): void {
  switch (e.type) {
    case 'step':
      if (e.sample !== undefined) post({ type: 'sample', iter: e.iter, text: e.sample });
      break;
    case 'evaluation':
      post({
        type: 'val',
        iter: e.iter,
        smoothLoss: trainer.smoothLoss,
        valLoss: e.valLoss,
        valBits: e.valBits,
      });
      break;
    case 'finished':
      // the run's last progress first, so the page never shows "finished" beside an older iteration
      // (a short run ends inside one time slice, before the slice's own progress report)
      postProgress(trainer);
      post({ type: 'finished', iter: e.iter, reason: e.reason });
      setState('finished');
      autosave(trainer);
      break;
    case 'evaluating':
    case 'checkpoint':
      break;
  }
}

/** The iteration, smooth loss and throughput: iterations over the last second of training time. */
function postProgress(t: Trainer): void {
  const now = { seconds: t.trainSeconds, iter: t.iter };
  marks.push(now);
  while (marks.length > 2 && now.seconds - marks[1].seconds >= SPEED_WINDOW_S) marks.shift();
  const first = marks[0];
  const itersPerSec =
    now.seconds > first.seconds ? (now.iter - first.iter) / (now.seconds - first.seconds) : 0;
  post({
    type: 'progress',
    iter: t.iter,
    smoothLoss: t.smoothLoss,
    itersPerSec,
    charsPerSec: itersPerSec * t.charsPerStep,
  });
}

// ---- commands from the page ----

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'start':
      try {
        await start(msg.source, msg.config);
      } catch (e) {
        fail('start', e);
      }
      return;
    case 'pause':
      if (state === 'running' && run) {
        setState('paused');
        autosave(run.trainer);
      }
      return;
    case 'resume':
      if (state === 'paused' && run) resume();
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
        save(msg.to);
      } catch (e) {
        fail('save', e);
      }
      return;
    case 'export':
      try {
        exportModel(msg.format);
      } catch (e) {
        fail('export', e);
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
const kernels = initKernels().catch((e: unknown) => {
  console.warn('charrnn: WebAssembly kernels unavailable, using the TypeScript backend', e);
  return false;
});
const ready = Promise.all([kernels, holdLock('charrnn-trainer')]).then(([, lock]) =>
  post({
    type: 'ready',
    backend: wasmAvailable() ? 'wasm' : 'ref',
    threadsAvailable: threadsAvailable(),
    lock,
  }),
);

/** commands run one at a time, in order: a Start waiting for its shard workers holds the ones after it */
let queue: Promise<void> = ready;
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => fail('command', err));
};
