// The one trainer: any model (the vanilla RNN, LSTM, GRU) on one configuration type, the seed included.
// One step takes the next window of every stream (states carried between windows: truncated BPTT), draws
// a sample before the step when one is due, runs forward and backward, updates with the optimizer at the
// schedule's learning rate, and reports the step as an event. The seed's loop is this one with the
// min-char-rnn settings: its data pointer (windowing 'seed'), the loss summed over the window, the smooth
// loss from -log(1/V)*T with weight 0.001, samples from hprev and the window's first character, Adagrad
// with element-wise clipping. Checkpoints (checkpoint/format.ts) hold everything needed to go on exactly.
import type { Checkpoint } from '../checkpoint/format.js';
import {
  badCheckpoint,
  checkCheckpoint,
  checkIsCheckpoint,
  checkpointParts,
  firstNonFinite,
  readCheckpoint,
  writeCheckpoint,
} from '../checkpoint/format.js';
import type { Tensor } from '../checkpoint/safetensors.js';
import { digestOf, fillWindow, layText, passShift, type Streams } from '../data/streams.js';
import { type Corpus, checkCorpus, remapCorpus, type Vocab } from '../data/text.js';
import { CharrnnError, shownValue } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import type { SequenceModel } from '../models/types.js';
import { MT19937 } from '../rng.js';
import { checkSampleOptions, feedPrime, generate, type SampleOptions } from '../sampling/sample.js';
import { buildModel, buildScorer, checkHost, type Host, resolveThreads } from './build.js';
import { type ConfigKey, resolveConfig, resumeChanges, type TrainConfig } from './config.js';
import { type Evaluation, evaluateStreams, evalWindows, scoreIds } from './evaluate.js';
import { Optimizer } from './optim.js';
import { decaysOverLength, learningRate } from './schedule.js';

export interface StepEvent {
  /** the iteration just done (the seed's n) */
  iter: number;
  /** this window's loss: per character, or summed over the window (lossUnit 'window', the seed's) */
  loss: number;
  smoothLoss: number;
  /** the learning rate the update used */
  lr: number;
  /** the gradient's L2 norm before clipping (NaN when not computed: no --clip-norm) */
  gradNorm: number;
  /** the sample drawn before this step, when one was due */
  sample?: string;
  /** whether this window started a new pass over the text (the carried states were reset) */
  wrapped: boolean;
}

/** Where the validation text starts in a corpus, when it is given (`--val-file`) rather than a fraction. */
export interface DataSplit {
  /** ids[valFrom:] are the validation split, ids[:valFrom] the training text; valFraction is then ignored */
  valFrom?: number;
}

/** The error of a run that diverged at iteration `n`, saying why. */
function diverged(n: number, why: string): CharrnnError {
  return new CharrnnError(
    `training diverged at iteration ${n}: ${why}`,
    'lower --lr (or set --clip or --clip-norm) and resume from the last checkpoint',
    'diverged',
  );
}

/** What a host says of a best that a resume on another validation text forgot (`Trainer.bestForgotten`). */
export function forgottenPhrase(best: { loss: number; iter: number }): string {
  const at = best.iter > 0 ? ` at iteration ${best.iter}` : '';
  return `the validation text is not the checkpoint's, so its best val loss (${best.loss.toFixed(4)}${at}) does not compare: the best starts over`;
}

/** Characters a scoring pass feeds through the batched forward at once. */
const SCORE_WINDOW = 128;

export class Trainer {
  readonly model: SequenceModel;
  readonly optimizer: Optimizer;
  /** initialization and sampling (the seed's np.random) */
  readonly rng: MT19937;
  /** iterations done */
  iter = 0;
  /** the window the next step takes (the seed's pointer / seq_length) */
  position = 0;
  smoothLoss: number;
  bestValLoss = Infinity;
  /** the iteration of the best validation loss (0: none yet, or not known) */
  bestValIter = 0;
  /** evaluations in a row since the best that did not beat it (what --patience counts) */
  evalsSinceBest = 0;
  /** the fingerprint of the validation split (`digestOf`): the one last given, or the checkpoint's */
  valDigest: string | undefined;
  /**
   * The best a resume forgot because its validation split is not the checkpoint's (the two losses do not
   * compare), for the host to say so; undefined when it kept it.
   */
  bestForgotten: { loss: number; iter: number } | undefined;
  /** seconds spent in step() (training time: the evaluations and the periodic samples excluded) */
  trainSeconds = 0;
  /** the settings a resume changed from the checkpoint's (empty for a new model) */
  changedOnResume: readonly ConfigKey[] = [];
  private train: Streams | undefined;
  private val: Streams | undefined;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;
  /** the training states, held aside while an evaluation runs on the model */
  private heldState: Float64Array | undefined;
  /** close() was called: the worker threads, if any, are stopped */
  private closed = false;

  /**
   * The settings, checked and resolved (the seed and the threads made concrete), frozen: the model, the
   * optimizer and the data are built from them, so a change would not be honoured (or checked). A resume
   * (`fromCheckpoint`'s overrides) is how a setting changes.
   */
  readonly config: Readonly<TrainConfig>;

  private constructor(
    config: TrainConfig,
    readonly vocab: Vocab,
    host: Host | undefined,
  ) {
    this.config = Object.freeze({ ...config });
    this.model = buildModel(config, vocab.size, host);
    this.optimizer = new Optimizer(this.model, {
      kind: config.optimizer,
      clip: config.clip,
      maxNorm: config.clipNorm,
      weightDecay: config.optimizer === 'adamw' ? config.weightDecay : 0,
    });
    this.rng = new MT19937(config.seed ?? 0);
    // the loss of a uniform guess: the seed's -np.log(1.0/vocab_size)*seq_length
    this.smoothLoss = -Math.log(1.0 / vocab.size) * (config.lossUnit === 'window' ? config.seqLength : 1);
    const n = config.batch * config.seqLength;
    this.inputs = new Int32Array(n);
    this.targets = new Int32Array(n);
  }

  /**
   * A new model for `corpus` with `settings` over the defaults (the seed's; a preset's with
   * `presetConfig`), initialized from np.random.seed(seed). `host` starts worker threads for `threads` > 1.
   * `split` gives where the validation text starts (else it is the last `valFraction` of the corpus).
   */
  static create(
    corpus: Corpus,
    settings: Partial<TrainConfig> = {},
    host?: Host,
    split: DataSplit = {},
  ): Trainer {
    checkCorpus(corpus, 'Trainer.create');
    checkHost(host);
    if (corpus.ids.length === 0)
      throw new CharrnnError('the text is empty', 'give it some text to learn from');
    const config = resolveConfig(settings);
    config.seed ??= globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
    config.threads = resolveThreads(config, host);
    const t = new Trainer(config, corpus.vocab, host);
    try {
      t.setData(corpus, split);
      t.model.init(t.rng);
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  /**
   * A trainer restored from a checkpoint (version 2, or 1 as the first release wrote it); with `corpus` it
   * goes on training where it stopped. `overrides` may change the settings a run may change (the learning
   * rate, the schedule, dropout, the threads...); the others are refused with a message naming them.
   * `what` names the file in errors.
   */
  static fromCheckpoint(
    bytes: Uint8Array,
    corpus?: Corpus,
    overrides: Partial<TrainConfig> = {},
    what = 'the checkpoint',
    host?: Host,
  ): Trainer {
    return Trainer.restore(readCheckpoint(bytes, what), corpus, overrides, what, host);
  }

  static restore(
    ck: Checkpoint,
    corpus?: Corpus,
    overrides: Partial<TrainConfig> = {},
    what = 'the checkpoint',
    host?: Host,
  ): Trainer {
    checkIsCheckpoint(ck, 'Trainer.restore');
    checkHost(host);
    checkCheckpoint(ck, what); // before the model is built: a file cannot claim more than it holds
    // a checkpoint that has not trained (an import: iteration 0, no carried state) may change its layout
    const started = ck.progress.iter > 0 || ck.state.some((x) => x !== 0);
    const changed = resumeChanges(ck.config, overrides, started);
    // the thread count is how a run executes, not what it is: without a host that can start workers, a
    // checkpoint trained on several threads goes on in one
    const threads = overrides.threads ?? (host ? ck.config.threads : 1);
    const config = resolveConfig({ ...ck.config, ...overrides, threads });
    config.threads = resolveThreads(config, host);
    if (!started && (config.batch !== ck.config.batch || config.seqLength !== ck.config.seqLength)) {
      // zero states for the new streams, the first window, and the smooth loss a new run starts from
      const fresh = -Math.log(1 / ck.vocab.size) * (config.lossUnit === 'window' ? config.seqLength : 1);
      ck = {
        ...ck,
        state: new Float64Array((ck.state.length / ck.config.batch) * config.batch),
        progress: { ...ck.progress, position: 0, smoothLoss: fresh },
      };
    }
    const t = new Trainer(config, ck.vocab, host);
    try {
      t.load(ck, what);
      t.changedOnResume = changed;
      // another validation text, or another part of it scored
      if (changed.includes('valFraction') || changed.includes('evalChars')) t.forgetBest();
      if (corpus) t.setData(corpus);
    } catch (e) {
      t.close();
      throw e;
    }
    return t;
  }

  private load(ck: Checkpoint, what: string): void {
    const bad = (problem: string) => badCheckpoint(what, problem);
    const m = this.model;
    const dtype = this.config.dtype === 'f64' ? 'F64' : 'F32';
    for (const name of ck.params.keys()) {
      if (!m.tensors.some((t) => t.name === name))
        throw bad(`tensor '${name}' is not a parameter of this model`);
    }
    for (const info of m.tensors) {
      const x = ck.params.get(info.name);
      if (!x) throw bad(`tensor '${info.name}' is missing`);
      if (x.dtype !== dtype) throw bad(`tensor '${info.name}' is ${x.dtype}, expected ${dtype}`);
      if (x.shape.join(',') !== info.shape.join(',')) {
        throw bad(`tensor '${info.name}' has shape [${x.shape}], expected [${info.shape}]`);
      }
      m.theta.set(x.data, info.offset);
    }
    try {
      this.optimizer.setState({ t: ck.progress.optimizerSteps, ...Object.fromEntries(ck.slots) });
      m.setState(ck.state);
    } catch (e) {
      throw bad((e as Error).message);
    }
    try {
      this.rng.setState(ck.rng);
    } catch {
      throw bad("metadata 'rng' is not a valid RNG state");
    }
    // one dropout RNG per thread: with another thread count (or dropout new on resume) the run goes on
    // correctly from fresh seeds, but not bit for bit
    if (ck.dropoutRngs && ck.dropoutRngs.length === this.config.threads) m.setDropoutStates(ck.dropoutRngs);
    const p = ck.progress;
    this.iter = p.iter;
    this.position = p.position ?? -1;
    this.smoothLoss = p.smoothLoss;
    this.bestValLoss = p.bestValLoss;
    this.bestValIter = p.bestValIter;
    this.evalsSinceBest = p.evalsSinceBest;
    this.valDigest = p.valDigest;
    this.trainSeconds = p.trainSeconds;
  }

  /**
   * Sets the text: `ids[split.valFrom:]` becomes the validation split when it is given, else the last
   * valFraction of the text.
   */
  setData(corpus: Corpus, split: DataSplit = {}): void {
    this.checkOpen();
    this.checkNotEvaluating();
    checkCorpus(corpus, 'setData');
    const { train, val } = layText(remapCorpus(corpus, this.vocab), this.config, split.valFrom);
    this.train = train;
    this.val = val;
    if (val) {
      // the best so far was measured on the checkpoint's validation text: on another it no longer compares
      const digest = digestOf(val);
      if (this.valDigest !== undefined && digest !== this.valDigest && Number.isFinite(this.bestValLoss)) {
        this.bestForgotten = { loss: this.bestValLoss, iter: this.bestValIter };
        this.forgetBest();
      }
      this.valDigest = digest;
    }
    if (this.position < 0) this.position = this.iter % train.windows; // version 1: window iter % windows
  }

  get hasValidation(): boolean {
    return this.val !== undefined;
  }

  /** The characters an evaluation scores, and the validation split's (in whole windows of its streams). */
  get validationChars(): { scored: number; total: number } | undefined {
    const v = this.val;
    if (!v) return undefined;
    const perWindow = v.batch * v.seqLength;
    return { scored: evalWindows(v, this.config.evalChars) * perWindow, total: v.windows * perWindow };
  }

  /** Characters one step trains on. */
  get charsPerStep(): number {
    return this.config.batch * this.config.seqLength;
  }

  /** The learning rate of the current iteration. */
  get lr(): number {
    const c = this.config;
    const overTime = decaysOverLength(c.schedule) && c.decayIters === 0 && c.timeLimit > 0;
    const schedule = {
      kind: c.schedule,
      lr: c.lr,
      warmup: c.warmup,
      floor: c.lr * c.lrFloor,
      total: c.decayIters || c.iters,
      stepEvery: c.stepEvery,
      gamma: c.gamma,
    };
    return learningRate(schedule, this.iter, overTime ? this.trainSeconds / c.timeLimit : undefined);
  }

  /** One iteration: the seed's while-loop body, for any model. */
  step(): StepEvent {
    this.checkOpen();
    const started = performance.now();
    const s = this.train;
    if (!s) throw new CharrnnError('this model has no training text', 'give it a corpus first');
    this.checkNotEvaluating();
    const c = this.config;
    const n = this.iter;
    if (n >= Number.MAX_SAFE_INTEGER || this.optimizer.t >= Number.MAX_SAFE_INTEGER) {
      // a checkpoint counts iterations and optimizer steps exactly up to 2^53 - 1 (a fuzzed file may claim that many)
      const at = n >= Number.MAX_SAFE_INTEGER ? `iteration ${n}` : `optimizer step ${this.optimizer.t}`;
      throw new CharrnnError(`this run is at ${at}, the most a checkpoint can count`, 'start a new model');
    }
    // prepare inputs (we're sweeping from left to right in steps seq_length long)
    if (this.position >= s.windows) this.position = 0; // go from start of data
    const wrapped = this.position === 0;
    if (wrapped) this.model.resetState(); // reset RNN memory
    // (a shifted windowing moves each pass on by its own offset: a function of where the pass began)
    fillWindow(s, this.position, this.inputs, this.targets, passShift(s, c.seed ?? 0, n - this.position));
    // sample from the model now and then
    // (a report, like an evaluation: its time is not training time, so --time-limit and a schedule over
    // time are the same whatever --sample-every and --sample-length say)
    let sample: string | undefined;
    let sampleMs = 0;
    if (c.sampleEvery > 0 && n % c.sampleEvery === 0) {
      const sampling = performance.now();
      if (c.sampleStart === 'carried') this.model.genFromStream(0);
      else this.model.resetGen();
      sample = this.vocab.decode([...generate(this.model, this.rng, this.inputs[0], c.sampleLength)]);
      sampleMs = performance.now() - sampling;
    }
    // forward seq_length characters through the net and fetch gradient
    const total = this.model.lossAndGrad(this.inputs, this.targets);
    const loss = total / (c.lossUnit === 'window' ? c.batch : c.batch * c.seqLength);
    // A finite loss can still come with a gradient that overflowed in backward, or an update can overflow a
    // parameter. Neither is checked here, which would cost a pass over the parameters every step (5% of the
    // seed's step): a non-finite parameter makes the next loss non-finite, which stops the run here, and
    // snapshot() refuses any state that holds one, so no checkpoint ever does.
    if (!Number.isFinite(loss)) throw diverged(n, `the loss is ${loss}`);
    this.smoothLoss = this.smoothLoss * (1 - c.smoothing) + loss * c.smoothing;
    // perform parameter update
    const lr = this.lr;
    const gradNorm = this.optimizer.step(lr);
    this.position++; // move data pointer
    this.iter++; // iteration counter
    this.trainSeconds += (performance.now() - started - sampleMs) / 1000;
    const e: StepEvent = { iter: n, loss, smoothLoss: this.smoothLoss, lr, gradNorm, wrapped };
    if (sample !== undefined) e.sample = sample;
    return e;
  }

  /** Another validation text, or another part of it scored: the best so far no longer compares. */
  forgetBest(): void {
    this.bestValLoss = Infinity;
    this.bestValIter = 0;
    this.evalsSinceBest = 0;
  }

  /**
   * Loss over the validation split (B streams from zero states; their first windows when --eval-chars
   * bounds it), in nats and bits per character.
   */
  evaluate(): Evaluation {
    const run = this.evaluation();
    for (let r = run.next(); ; r = run.next()) if (r.done) return r.value;
  }

  /**
   * The same evaluation one window at a time, yielding the fraction done, so a host that must stay
   * responsive can spread it over slices. The training states are held aside meanwhile (checkpoints take
   * them from there) and put back when it returns or is abandoned (`return()`).
   */
  *evaluation(): Generator<number, Evaluation, undefined> {
    this.checkOpen();
    this.checkNotEvaluating();
    if (!this.val) {
      throw new CharrnnError(
        'there is no validation split',
        'set --val-fraction above 0, or give --val-file',
      );
    }
    this.heldState = this.model.getState();
    try {
      const windows = evalWindows(this.val, this.config.evalChars);
      const result = yield* evaluateStreams(this.model, this.val, this.inputs, this.targets, windows);
      if (result.valLoss < this.bestValLoss) {
        this.bestValLoss = result.valLoss;
        this.bestValIter = this.iter;
        this.evalsSinceBest = 0;
      } else {
        this.evalsSinceBest++;
      }
      return result;
    } catch (e) {
      if (e instanceof CharrnnError && e.kind === 'thread') {
        // the training states are the ones held aside, put back below: only the evaluation is lost
        throw new CharrnnError(
          `${e.message} during an evaluation`,
          'the weights, the optimizer and the training states are intact: save them and resume',
          'thread',
        );
      }
      throw e;
    } finally {
      this.model.setState(this.heldState);
      this.heldState = undefined;
    }
  }

  /**
   * The state that sampling and scoring start from: a one-stream model's carried state (the seed samples
   * from hprev, so its checkpoints go on from where training stood), else zero.
   */
  private startState(): Float64Array {
    if (this.config.batch === 1) return this.heldState ?? this.model.getState();
    return new Float64Array(this.model.stateBuffers * this.model.hidden);
  }

  /**
   * Loss of a text as one stream: every character after the first, predicted from the ones before it,
   * starting from the same state as `sample`. In nats and bits per character.
   */
  score(corpus: Corpus): Evaluation {
    checkCorpus(corpus, 'score');
    const ids = remapCorpus(
      corpus,
      this.vocab,
      'the model gives no probability to a symbol it never saw: score a text without them, or a model trained on them',
    );
    if (ids.length < 2) {
      throw new CharrnnError(
        `the text has ${ids.length} character, and scoring needs at least 2`,
        'give a longer text',
      );
    }
    const scorer = buildScorer(this.config, this.vocab.size, Math.min(SCORE_WINDOW, ids.length - 1));
    try {
      scorer.theta.set(this.model.theta);
      return scoreIds(scorer, ids, this.startState());
    } finally {
      scorer.close();
    }
  }

  /**
   * Streams generated text after `prime` (by default a newline, when the vocabulary has one), from the
   * carried state of a one-stream model, else from zero, with this trainer's RNG.
   */
  *sample(length: number, prime = '', options: SampleOptions = {}): Generator<string, void, undefined> {
    checkSampleOptions(options);
    if (!(Number.isSafeInteger(length) && length >= 0)) {
      throw new CharrnnError(
        `the sample length must be a whole number >= 0, got ${shownValue(length)}`,
        'try 200',
        'usage',
      );
    }
    if (typeof prime !== 'string')
      throw new CharrnnError(`the prime text must be a string, got ${shownValue(prime)}`, '', 'usage');
    const ids = prime ? this.vocab.encode(prime, 'the prime text') : Int32Array.of(this.vocab.id(10) ?? 0);
    this.model.genState = this.startState();
    const seed = feedPrime(this.model, ids);
    for (const id of generate(this.model, this.rng, seed, length, options)) yield this.vocab.char(id);
  }

  /**
   * Everything the checkpoint file holds. The parameters and the optimizer's arrays are views of the live
   * training state, not copies: valid until the next step (write or copy them before). A state with a NaN or
   * an infinity in it (the parameters, the optimizer's arrays, the carried states) is refused with the
   * diverged error: no checkpoint ever holds one.
   */
  snapshot(): Checkpoint {
    this.checkOpen();
    const m = this.model;
    const dtype = this.config.dtype === 'f64' ? 'F64' : 'F32';
    const params = new Map<string, Tensor>();
    for (const t of m.tensors) {
      params.set(t.name, { dtype, shape: [...t.shape], data: m.theta.subarray(t.offset, t.offset + t.size) });
    }
    const { t: steps, ...slots } = this.optimizer.getState(false);
    const state = this.heldState ?? m.getState();
    const arrays = [m.theta.subarray(0, m.numParams), ...(Object.values(slots) as FloatArray[]), state];
    if (arrays.some((a) => firstNonFinite(a) >= 0)) {
      throw diverged(this.iter, 'the training state is not finite, so it is not saved');
    }
    return {
      version: 2,
      config: this.config,
      vocab: this.vocab,
      params,
      slots: new Map(Object.entries(slots) as [string, FloatArray][]),
      state,
      progress: {
        iter: this.iter,
        position: this.position < 0 ? undefined : this.position, // < 0: not known before setData
        smoothLoss: this.smoothLoss,
        bestValLoss: this.bestValLoss,
        bestValIter: this.bestValIter,
        evalsSinceBest: this.evalsSinceBest,
        ...(this.valDigest === undefined ? {} : { valDigest: this.valDigest }),
        trainSeconds: this.trainSeconds,
        optimizerSteps: steps as number,
      },
      rng: this.rng.getState(),
      dropoutRngs: m.getDropoutStates(),
    };
  }

  /** The checkpoint file (safetensors, version 2) of the whole training state. */
  toCheckpoint(): Uint8Array {
    return writeCheckpoint(this.snapshot());
  }

  /**
   * The same file as its pieces in order (`checkpointParts`): views of the live state, valid until the next
   * step, which a host writes one after the other without a copy of the whole file.
   */
  checkpointParts(): Uint8Array[] {
    return checkpointParts(this.snapshot());
  }

  /**
   * Stops the worker threads, if any, and ends the training: whatever the thread count, a step, an
   * evaluation, new data or a checkpoint after it is a usage error (they need the workers' states).
   * Sampling and scoring, which need only the weights and run on this thread, go on. Closing twice is fine.
   */
  close(): void {
    this.closed = true;
    this.model.close();
  }

  /**
   * An evaluation holds the training states aside until it returns: a step, new data or a second
   * evaluation meanwhile would train on, or hold aside, the evaluation's states.
   */
  private checkNotEvaluating(): void {
    if (this.heldState) {
      throw new CharrnnError(
        'an evaluation of this trainer is in progress',
        'run it to its end, or return() it, first',
        'usage',
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new CharrnnError(
        'this trainer is closed',
        'take its checkpoint before close(), and restore it with Trainer.fromCheckpoint to go on',
        'usage',
      );
    }
  }
}
