// Training beyond the seed: any SequenceModel (LSTM, GRU, or the seed's RNN) on B parallel streams
// (the text cut into B contiguous parts, as char-rnn does), truncated BPTT with states carried between
// windows, a held-out validation split, modern optimizers with learning-rate schedules, and checkpoints
// that resume exactly. The seed's own loop stays in train.ts, untouched.
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointReader } from './checkpoint.js';
import { CharrnnError } from './errors.js';
import type { BackendName, Dtype, FloatArray } from './kernels/types.js';
import { createRecurrentModel } from './models/index.js';
import {
  type LrSchedule,
  learningRate,
  Optimizer,
  type OptimizerKind,
  optimizerSlots,
} from './models/optim.js';
import { RnnSequenceModel } from './models/rnn.js';
import type { ModelKind, SequenceModel } from './models/types.js';
import { runShard, ShardedModel, type ShardInit } from './parallel.js';
import { MT19937, type RngState } from './rng.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.js';
import { checkSampleOptions, feedPrime, generate, type SampleOptions } from './sample.js';
import { type Corpus, type IdArray, remapCorpus, type Vocab } from './text.js';

export interface RecipeConfig {
  model: ModelKind;
  layers: number;
  hidden: number;
  /** learned embedding size; 0: one-hot input (the seed) */
  embedding: number;
  dropout: number;
  batch: number;
  seqLength: number;
  optimizer: OptimizerKind;
  lr: number;
  /** element-wise gradient clip (the seed's); Infinity: off */
  clip: number;
  /** global-norm gradient clip; Infinity: off */
  clipNorm: number;
  /** AdamW's decoupled weight decay */
  weightDecay: number;
  schedule: 'constant' | 'cosine' | 'step';
  /** iterations of linear warmup */
  warmup: number;
  /** the learning rate the decay ends at, as a fraction of lr */
  lrFloor: number;
  /** cosine: iterations over which lr decays (0: over the time limit, else over --iters) */
  decayIters: number;
  /** step decay: multiply lr by gamma every stepEvery iterations */
  gamma: number;
  stepEvery: number;
  /** training seconds over which a cosine schedule decays when decayIters is 0 */
  timeLimit: number;
  /** the last fraction of the text held out for validation */
  valFraction: number;
  evalEvery: number;
  sampleEvery: number;
  sampleLength: number;
  seed: number | undefined;
  dtype: Dtype;
  backend: BackendName | undefined;
  /** threads sharing each minibatch (data parallel); needs a host that can start workers */
  threads: number;
}

/** What a host (the CLI, a page) provides so that training can use more threads. */
export interface Host {
  /** starts a worker that calls `startShardWorker(init)`; returns a function that ends it */
  spawnShard(init: ShardInit): () => void;
}

export const RECIPE_DEFAULTS: Readonly<RecipeConfig> = Object.freeze({
  model: 'lstm',
  layers: 2,
  hidden: 256,
  embedding: 64,
  dropout: 0,
  batch: 32,
  seqLength: 64,
  optimizer: 'adam',
  lr: 2e-3,
  clip: Infinity,
  clipNorm: 5,
  weightDecay: 0.01,
  schedule: 'constant',
  warmup: 0,
  lrFloor: 0.1,
  decayIters: 0,
  gamma: 0.97,
  stepEvery: 1000,
  timeLimit: 0,
  valFraction: 0.1,
  evalEvery: 500,
  sampleEvery: 500,
  sampleLength: 200,
  seed: undefined,
  dtype: 'f32',
  backend: undefined,
  threads: 1,
});

export interface RecipeStepEvent {
  iter: number;
  /** this window's loss in nats per character */
  loss: number;
  /** exponential moving average of `loss` */
  smoothLoss: number;
  lr: number;
  /** the gradient's L2 norm before clipping (NaN when not computed) */
  gradNorm: number;
  sample?: string;
  /** true when this window started a new pass over the text (states reset) */
  wrapped: boolean;
}

export interface Evaluation {
  /** nats per character over the validation split */
  valLoss: number;
  /** bits per character */
  valBits: number;
  characters: number;
}

const SMOOTHING = 0.99;

export function resolveRecipe(overrides: Partial<RecipeConfig>): RecipeConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in RECIPE_DEFAULTS)) throw new CharrnnError(`unknown setting '${key}'`, '', 'usage');
  }
  const c: RecipeConfig = { ...RECIPE_DEFAULTS };
  for (const [k, v] of Object.entries(overrides))
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  const usage = (m: string, hint = '') => new CharrnnError(m, hint, 'usage');
  const int = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw usage(`${name} must be an integer >= ${min}, got ${v}`);
  };
  int('layers', c.layers, 1);
  int('hidden', c.hidden, 1);
  int('embedding', c.embedding, 0);
  int('batch', c.batch, 1);
  int('seq-length', c.seqLength, 1);
  int('warmup', c.warmup, 0);
  int('decay-iters', c.decayIters, 0);
  int('step-every', c.stepEvery, 1);
  int('eval-every', c.evalEvery, 1);
  int('sample-every', c.sampleEvery, 0);
  int('sample-length', c.sampleLength, 0);
  int('threads', c.threads, 1);
  if (c.batch % c.threads !== 0) {
    throw usage(
      `--batch ${c.batch} does not split evenly over --threads ${c.threads}`,
      'make the batch a multiple of the threads',
    );
  }
  const num = (name: string, v: number, ok: boolean) => {
    if (!ok || Number.isNaN(v)) throw usage(`${name} is out of range: ${v}`);
  };
  num('lr', c.lr, c.lr > 0 && Number.isFinite(c.lr));
  num('dropout', c.dropout, c.dropout >= 0 && c.dropout < 1);
  num('clip', c.clip, c.clip > 0);
  num('clip-norm', c.clipNorm, c.clipNorm > 0);
  num('weight-decay', c.weightDecay, c.weightDecay >= 0);
  num('lr-floor', c.lrFloor, c.lrFloor >= 0 && c.lrFloor <= 1);
  num('gamma', c.gamma, c.gamma > 0 && c.gamma <= 1);
  num('time-limit', c.timeLimit, c.timeLimit >= 0);
  num('val-fraction', c.valFraction, c.valFraction >= 0 && c.valFraction < 1);
  if (!['rnn', 'lstm', 'gru'].includes(c.model))
    throw usage(`model must be rnn, lstm or gru, got '${c.model}'`);
  if (!['adagrad', 'rmsprop', 'adam', 'adamw', 'sgd'].includes(c.optimizer)) {
    throw usage(`optimizer must be adagrad, rmsprop, adam or adamw, got '${c.optimizer}'`);
  }
  if (!['constant', 'cosine', 'step'].includes(c.schedule))
    throw usage(`schedule must be constant, cosine or step`);
  if (c.model === 'rnn' && (c.batch !== 1 || c.layers !== 1 || c.embedding !== 0 || c.dropout !== 0)) {
    throw usage(
      'the vanilla rnn runs one stream, one layer, one-hot input and no dropout',
      'use --model lstm or gru for --batch, --layers, --embedding and --dropout',
    );
  }
  if (c.seed !== undefined && !(Number.isInteger(c.seed) && c.seed >= 0 && c.seed <= 0xffffffff)) {
    throw usage(`seed must be an integer from 0 to 4294967295, got ${c.seed}`);
  }
  return c;
}

/** The model of shard `shard` of `c.threads`: B/threads streams, its own dropout seed. */
function buildModel(c: RecipeConfig, V: number, shard: number, withOptimizer: boolean): SequenceModel {
  const copies = withOptimizer ? optimizerSlots(c.optimizer) : 0;
  if (c.model === 'rnn') return new RnnSequenceModel(c.hidden, V, c.seqLength, c.dtype, c.backend, copies);
  return createRecurrentModel(c.model, {
    vocabSize: V,
    hidden: c.hidden,
    layers: c.layers,
    embedding: c.embedding,
    batch: c.batch / c.threads,
    seqLength: c.seqLength,
    dropout: c.dropout,
    dtype: c.dtype,
    ...(c.backend ? { backend: c.backend } : {}),
    dropoutSeed: ((c.seed ?? 0) ^ (0x9e3779b9 + shard * 0x85ebca6b)) >>> 0,
    paramCopies: copies,
  });
}

interface ShardSpec {
  config: RecipeConfig;
  vocabSize: number;
}

/** In a worker started by a Host: builds shard `init.shard`'s model and serves the trainer. Blocks. */
export function startShardWorker(init: ShardInit): void {
  const spec = init.modelSpec as ShardSpec;
  let model: SequenceModel | Error;
  try {
    model = buildModel(spec.config, spec.vocabSize, init.shard, false);
  } catch (e) {
    model = e instanceof Error ? e : new Error(String(e));
  }
  runShard(init, model);
}

function buildTrainingModel(c: RecipeConfig, V: number, host: Host | undefined): SequenceModel {
  const local = buildModel(c, V, 0, true);
  if (c.threads === 1) return local;
  if (!host)
    throw new CharrnnError(
      `--threads ${c.threads} needs worker threads, which this host cannot start`,
      'use --threads 1',
    );
  const stateBuffers = c.model === 'lstm' ? 2 * c.layers : c.layers;
  const spec: ShardSpec = { config: c, vocabSize: V };
  return new ShardedModel(local, c.threads, stateBuffers, spec, (init) => host.spawnShard(init));
}

/** The train split as B contiguous streams of L characters each; window w of stream b starts at b*L + w*T. */
interface Streams {
  ids: IdArray;
  /** characters per stream */
  L: number;
  /** windows per pass */
  windows: number;
}

function makeStreams(ids: IdArray, B: number, T: number, what: string): Streams {
  const L = Math.floor((ids.length - 1) / B);
  const windows = Math.floor(L / T);
  if (windows < 1) {
    throw new CharrnnError(
      `${what} has ${ids.length} characters, but ${B} stream${B > 1 ? 's' : ''} of seq-length ${T} need at least ${B * T + 1}`,
      'use a longer text, or a smaller --batch, --seq-length or --val-fraction',
    );
  }
  return { ids, L, windows };
}

export class ModelTrainer {
  readonly model: SequenceModel;
  readonly optimizer: Optimizer;
  /** initialization and sampling */
  readonly rng: MT19937;
  iter = 0;
  smoothLoss: number;
  bestValLoss = Infinity;
  /** seconds spent in step() (training time, evaluation excluded) */
  trainSeconds = 0;
  private train: Streams | undefined;
  private val: Streams | undefined;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;
  private readonly schedule: LrSchedule;

  private constructor(
    readonly config: RecipeConfig,
    readonly vocab: Vocab,
    host: Host | undefined,
  ) {
    this.model = buildTrainingModel(config, vocab.size, host);
    this.optimizer = new Optimizer(this.model, {
      kind: config.optimizer,
      clip: config.clip,
      maxNorm: config.clipNorm,
      weightDecay: config.optimizer === 'adamw' ? config.weightDecay : 0,
    });
    this.rng = new MT19937(config.seed ?? 0);
    this.smoothLoss = Math.log(vocab.size);
    const n = config.batch * config.seqLength;
    this.inputs = new Int32Array(n);
    this.targets = new Int32Array(n);
    this.schedule = {
      kind: config.schedule,
      lr: config.lr,
      warmup: config.warmup,
      floor: config.lr * config.lrFloor,
      total: config.decayIters || 1,
      stepEvery: config.stepEvery,
      gamma: config.gamma,
    };
  }

  static create(corpus: Corpus, overrides: Partial<RecipeConfig> = {}, host?: Host): ModelTrainer {
    const config = resolveRecipe(overrides);
    if (config.seed === undefined) config.seed = globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
    const t = new ModelTrainer(config, corpus.vocab, host);
    t.setData(corpus);
    t.model.init(t.rng);
    return t;
  }

  /** Sets the text: the last valFraction of it becomes the validation split. */
  setData(corpus: Corpus): void {
    const ids = remapCorpus(corpus, this.vocab);
    const { batch: B, seqLength: T, valFraction } = this.config;
    const nVal = Math.floor(ids.length * valFraction);
    this.train = makeStreams(ids.subarray(0, ids.length - nVal), B, T, 'the training split');
    this.val =
      nVal > 0 ? makeStreams(ids.subarray(ids.length - nVal), B, T, 'the validation split') : undefined;
  }

  get hasValidation(): boolean {
    return this.val !== undefined;
  }

  /** The learning rate of the current iteration. */
  get lr(): number {
    const c = this.config;
    if (c.schedule === 'cosine' && c.decayIters === 0 && c.timeLimit > 0) {
      // decay over the wall-clock budget: progress is the share of training time used
      const s = { ...this.schedule, warmup: 0, total: 1e6 };
      const warm = this.iter < c.warmup ? (this.iter + 1) / c.warmup : 1;
      return warm * learningRate(s, Math.round(Math.min(1, this.trainSeconds / c.timeLimit) * 1e6));
    }
    return learningRate(this.schedule, this.iter);
  }

  step(): RecipeStepEvent {
    const started = performance.now();
    const s = this.train;
    if (!s) throw new CharrnnError('this model has no training text', 'give it a corpus first');
    const { batch: B, seqLength: T, sampleEvery, sampleLength } = this.config;
    const n = this.iter;
    const w = n % s.windows;
    const wrapped = w === 0;
    if (wrapped) this.model.resetState();
    fillWindow(s, w, B, T, this.inputs, this.targets);
    let sample: string | undefined;
    if (sampleEvery > 0 && n % sampleEvery === 0) {
      this.model.resetGen();
      let text = '';
      for (const ch of this.sampleFrom(this.inputs[0], sampleLength, {})) text += ch;
      sample = text;
    }
    const loss = this.model.lossAndGrad(this.inputs, this.targets) / (B * T);
    if (!Number.isFinite(loss)) {
      throw new CharrnnError(
        `training diverged at iteration ${n}: the loss is ${loss}`,
        'lower --lr (or set --clip-norm) and resume from the last checkpoint',
        'diverged',
      );
    }
    const lr = this.lr;
    const gradNorm = this.optimizer.step(lr);
    this.smoothLoss = n === 0 ? loss : SMOOTHING * this.smoothLoss + (1 - SMOOTHING) * loss;
    this.iter++;
    this.trainSeconds += (performance.now() - started) / 1000;
    const e: RecipeStepEvent = { iter: n, loss, smoothLoss: this.smoothLoss, lr, gradNorm, wrapped };
    if (sample !== undefined) e.sample = sample;
    return e;
  }

  /**
   * Loss over the whole validation split (its B streams, windows of T, states carried from zero), in
   * nats and bits per character. The training states are saved and put back.
   */
  evaluate(): Evaluation {
    const run = this.evaluation();
    for (let r = run.next(); ; r = run.next()) if (r.done) return r.value;
  }

  /**
   * The same evaluation one window at a time, yielding the fraction done, so a host that must stay
   * responsive (the page's worker) can spread it over slices. Until it returns, the model holds the
   * evaluation's states: do not step, save or sample from it in between.
   */
  *evaluation(): Generator<number, Evaluation, undefined> {
    if (!this.val) throw new CharrnnError('there is no validation split', 'set --val-fraction above 0');
    const result = yield* evaluateStreams(this.model, this.val, this.inputs, this.targets);
    if (result.valLoss < this.bestValLoss) this.bestValLoss = result.valLoss;
    return result;
  }

  /** Stops the worker threads, if any. */
  close(): void {
    if (this.model instanceof ShardedModel) this.model.close();
  }

  /** Streams text from a zero generation state after `prime` (default: a newline when in the vocabulary). */
  *sample(length: number, prime = '', options: SampleOptions = {}): Generator<string, void, undefined> {
    checkSampleOptions(options);
    const ids = prime ? this.vocab.encode(prime, 'the prime text') : Int32Array.of(this.vocab.id(10) ?? 0);
    this.model.resetGen();
    const seed = feedPrime(this.model, ids);
    yield* this.sampleFrom(seed, length, options);
  }

  private *sampleFrom(
    seed: number,
    length: number,
    options: SampleOptions,
  ): Generator<string, void, undefined> {
    for (const id of generate(this.model, this.rng, seed, length, options)) yield this.vocab.char(id);
  }

  toCheckpoint(): Uint8Array {
    const m = this.model;
    const dtype = this.config.dtype === 'f64' ? 'F64' : 'F32';
    const tensors = new Map<string, Tensor>();
    for (const t of m.tensors) {
      tensors.set(t.name, {
        dtype,
        shape: [...t.shape],
        data: m.theta.subarray(t.offset, t.offset + t.size),
      });
    }
    const opt = this.optimizer.getState();
    for (const [name, v] of Object.entries(opt)) {
      if (typeof v !== 'number') tensors.set(`optim.${name}`, { dtype, shape: [v.length], data: v });
    }
    const state = m.getState();
    tensors.set('state', { dtype: 'F64', shape: [state.length], data: state });
    const { backend: _b, ...config } = this.config;
    const metadata: Record<string, string> = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      trainer: 'recipe',
      model: this.config.model,
      vocab: JSON.stringify(this.vocab.codePoints),
      config: JSON.stringify(config, (_k, v) => (v === Infinity ? 'Infinity' : v)),
      iter: String(this.iter),
      smoothLoss: String(this.smoothLoss),
      bestValLoss: String(this.bestValLoss),
      trainSeconds: String(this.trainSeconds),
      optimizerSteps: String(opt.t),
      rng: JSON.stringify(this.rng.getState()),
    };
    const dropout =
      m instanceof ShardedModel ? m.getDropoutStates() : m.dropoutRng && [m.dropoutRng.getState()];
    if (dropout) metadata.dropoutRngs = JSON.stringify(dropout);
    return encodeSafetensors({ tensors, metadata });
  }

  static fromCheckpoint(
    bytes: Uint8Array,
    corpus?: Corpus,
    overrides: Partial<RecipeConfig> = {},
    what = 'the checkpoint',
    host?: Host,
  ): ModelTrainer {
    const r = new CheckpointReader(bytes, what);
    const { st, meta } = r;
    const bad = (problem: string) => r.bad(problem);
    if (meta.trainer !== 'recipe') throw bad('it was not written by the general trainer');
    const json = (key: string) => r.json(key);
    const vocab = r.vocab();
    const saved = json('config') as Partial<RecipeConfig>;
    for (const key of [
      'model',
      'layers',
      'hidden',
      'embedding',
      'batch',
      'seqLength',
      'dtype',
      'optimizer',
    ] as const) {
      if (overrides[key] !== undefined && overrides[key] !== saved[key]) {
        throw new CharrnnError(
          `the checkpoint was trained with ${key} ${String(saved[key])}; it cannot be changed to ${String(overrides[key])} on resume`,
          'drop that option or start a new model',
          'usage',
        );
      }
    }
    // the thread count is how a run executes, not what it is: without a host that can start workers,
    // a checkpoint trained on several threads goes on in one
    const threads = overrides.threads ?? (host ? (saved.threads ?? 1) : 1);
    let config: RecipeConfig;
    try {
      config = resolveRecipe({ ...saved, ...overrides, threads });
    } catch (e) {
      throw e instanceof CharrnnError ? bad(`its config: ${e.message}`) : e;
    }
    const t = new ModelTrainer(config, vocab, host);
    const m = t.model;
    const dtype = config.dtype === 'f64' ? 'F64' : 'F32';
    for (const info of m.tensors) {
      const x = st.tensors.get(info.name);
      if (!x) throw bad(`tensor '${info.name}' is missing`);
      if (x.dtype !== dtype) throw bad(`tensor '${info.name}' is ${x.dtype}, expected ${dtype}`);
      if (x.shape.join(',') !== info.shape.join(',')) {
        throw bad(`tensor '${info.name}' has shape [${x.shape}], expected [${info.shape}]`);
      }
      m.theta.set(x.data, info.offset);
    }
    const opt: Record<string, FloatArray | number> = { t: Number(meta.optimizerSteps) };
    for (const [name, x] of st.tensors) {
      if (name.startsWith('optim.')) opt[name.slice(6)] = x.data as FloatArray;
    }
    const state = st.tensors.get('state');
    try {
      t.optimizer.setState(opt);
      if (!state) throw new Error('missing state');
      m.setState(state.data);
    } catch (e) {
      throw bad((e as Error).message);
    }
    const num = (key: string) => {
      const v = Number(meta[key]);
      if (Number.isNaN(v)) throw bad(`metadata '${key}' is not a number`);
      return v;
    };
    t.iter = num('iter');
    t.smoothLoss = num('smoothLoss');
    t.bestValLoss = num('bestValLoss');
    t.trainSeconds = num('trainSeconds');
    try {
      t.rng.setState(json('rng') as RngState);
      if (m.dropoutRng) {
        // one RNG per thread: with another thread count the run goes on correctly but not bit for bit
        const states = json('dropoutRngs') as RngState[];
        if (m instanceof ShardedModel && states.length === config.threads) m.setDropoutStates(states);
        else if (!(m instanceof ShardedModel)) m.dropoutRng.setState(states[0]);
      }
    } catch (e) {
      throw e instanceof CharrnnError ? e : bad('its RNG state is invalid');
    }
    if (corpus) t.setData(corpus);
    return t;
  }
}

/** Whether a checkpoint was written by ModelTrainer (else by the seed's Trainer). */
export function isRecipeCheckpoint(bytes: Uint8Array): boolean {
  try {
    return decodeSafetensors(bytes).metadata.trainer === 'recipe';
  } catch {
    return false;
  }
}

function fillWindow(
  s: Streams,
  w: number,
  B: number,
  T: number,
  inputs: Int32Array,
  targets: Int32Array,
): void {
  for (let b = 0; b < B; b++) {
    const start = b * s.L + w * T;
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = s.ids[start + t];
      targets[b * T + t] = s.ids[start + t + 1];
    }
  }
}

function* evaluateStreams(
  model: SequenceModel,
  s: Streams,
  inputs: Int32Array,
  targets: Int32Array,
): Generator<number, Evaluation, undefined> {
  const B = model.batch;
  const T = model.seqLength;
  const saved = model.getState();
  model.resetState();
  let total = 0;
  for (let w = 0; w < s.windows; w++) {
    fillWindow(s, w, B, T, inputs, targets);
    total += model.loss(inputs, targets);
    if (w + 1 < s.windows) yield (w + 1) / s.windows;
  }
  model.setState(saved);
  const characters = s.windows * B * T;
  const valLoss = total / characters;
  return { valLoss, valBits: valLoss / Math.LN2, characters };
}

/** Loss of a whole text under a model, in nats and bits per character (for `charrnn eval`). */
export function evaluateText(model: SequenceModel, corpus: Corpus, vocab: Vocab): Evaluation {
  const ids = remapCorpus(corpus, vocab);
  const s = makeStreams(ids, model.batch, model.seqLength, 'the text');
  const n = model.batch * model.seqLength;
  const run = evaluateStreams(model, s, new Int32Array(n), new Int32Array(n));
  for (let r = run.next(); ; r = run.next()) if (r.done) return r.value;
}
