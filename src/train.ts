// The seed's training loop as a Trainer that takes one step at a time and reports each as an event:
// the data pointer sweep, the sample before the step every sampleEvery iterations, lossFun, the smooth
// loss, and Adagrad with element-wise clipping. The CLI prints the events; the web page draws them.
// Checkpoints hold everything the loop needs to go on bit for bit.

import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointReader } from './checkpoint.js';
import { resolveConfig, type TrainConfig } from './config.js';
import { CharrnnError } from './errors.js';
import type { FloatArray } from './kernels/types.js';
import { MT19937, type RngState } from './rng.js';
import { initRnnParams, RNN_PARAM_NAMES, RnnModel, type RnnParams, rnnShapes, splitParams } from './rnn.js';
import { encodeSafetensors, type Tensor } from './safetensors.js';
import { checkSampleOptions, feedPrime, generate, type SampleOptions, type Stepper } from './sample.js';
import { type Corpus, type IdArray, remapCorpus, type Vocab } from './text.js';

export interface StepEvent {
  /** the iteration just done (the seed's n) */
  iter: number;
  /** this window's summed loss */
  loss: number;
  /** 0.999 * smooth + 0.001 * loss */
  smoothLoss: number;
  /** the sample drawn before this step, when iter % sampleEvery == 0 */
  sample?: string;
  /** whether the pointer went back to the start of the data (and hprev to zero) */
  wrapped: boolean;
}

export class Trainer {
  readonly model: RnnModel;
  readonly rng: MT19937;
  /** Adagrad memories, flat like model.theta */
  readonly mem: FloatArray;
  /** the seed's n */
  iter = 0;
  /** the seed's p */
  pointer = 0;
  smoothLoss: number;
  private data: IdArray | undefined;
  /** generation through the model's own generation state `genH` */
  private readonly stepper: Stepper;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;

  private constructor(
    readonly config: TrainConfig,
    readonly vocab: Vocab,
  ) {
    const { hidden: H, seqLength: T } = config;
    const V = vocab.size;
    this.model = new RnnModel(H, V, T, config.dtype, config.backend, [H * V + H * H + V * H + H + V]);
    this.mem = this.model.kernels.alloc(this.model.numParams);
    this.rng = new MT19937(config.seed ?? 0);
    this.smoothLoss = -Math.log(1.0 / V) * T; // loss at iteration 0
    this.inputs = new Int32Array(T);
    this.targets = new Int32Array(T);
    const model = this.model;
    this.stepper = {
      vocabSize: V,
      kernels: model.kernels,
      forwardOne: (x) => model.forwardOne(model.genH, x),
    };
  }

  /** A new model for `corpus`, initialized as the seed does from np.random.seed(config.seed). */
  static create(corpus: Corpus, overrides: Partial<TrainConfig> = {}): Trainer {
    const config = resolveConfig(overrides);
    if (config.seed === undefined) config.seed = randomSeed();
    const trainer = new Trainer(config, corpus.vocab);
    trainer.setData(corpus);
    initRnnParams(trainer.model.params, trainer.rng);
    return trainer;
  }

  get params(): RnnParams {
    return this.model.params;
  }

  /** Sets (or replaces) the training text; its symbols must all be in this model's vocabulary. */
  setData(corpus: Corpus): void {
    const need = this.config.seqLength + 1;
    if (corpus.ids.length < need) {
      throw new CharrnnError(
        `the text has ${corpus.ids.length} characters, but a window of seq-length ${this.config.seqLength} needs at least ${need}`,
        'use a longer text or a smaller --seq-length',
      );
    }
    this.data = remapCorpus(corpus, this.vocab);
  }

  /** One iteration of the seed's while loop. */
  step(): StepEvent {
    const data = this.data;
    if (!data) throw new CharrnnError('this model has no training text', 'give it a corpus first');
    const { seqLength: T, sampleEvery, sampleLength, lr, clip, eps } = this.config;
    const model = this.model;
    const n = this.iter;
    // prepare inputs (we're sweeping from left to right in steps seq_length long)
    const wrapped = this.pointer + T + 1 >= data.length || n === 0;
    if (wrapped) {
      model.hprev.fill(0); // reset RNN memory
      this.pointer = 0; // go from start of data
    }
    const p = this.pointer;
    for (let t = 0; t < T; t++) {
      this.inputs[t] = data[p + t];
      this.targets[t] = data[p + t + 1];
    }
    // sample from the model now and then
    let sample: string | undefined;
    if (sampleEvery > 0 && n % sampleEvery === 0) {
      model.genH.set(model.hprev);
      sample = this.decode(generate(this.stepper, this.rng, this.inputs[0], sampleLength));
    }
    // forward seq_length characters through the net and fetch gradient
    const loss = model.lossAndGrad(this.inputs, this.targets);
    if (!Number.isFinite(loss)) {
      throw new CharrnnError(
        `training diverged at iteration ${n}: the loss is ${loss}`,
        'lower --lr or --clip and resume from the last checkpoint',
        'diverged',
      );
    }
    this.smoothLoss = this.smoothLoss * 0.999 + loss * 0.001;
    // perform parameter update with Adagrad (the clipping of lossFun fused in)
    model.kernels.adagrad(model.theta, model.dtheta, this.mem, model.numParams, lr, eps, clip);
    this.pointer += T; // move data pointer
    this.iter += 1; // iteration counter
    return sample === undefined
      ? { iter: n, loss, smoothLoss: this.smoothLoss, wrapped }
      : { iter: n, loss, smoothLoss: this.smoothLoss, sample, wrapped };
  }

  /**
   * Streams generated text from a fresh zero state, after `prime` (a string; by default a newline when
   * the vocabulary has one), using this trainer's RNG.
   */
  *sample(length: number, prime = '', options: SampleOptions = {}): Generator<string, void, undefined> {
    checkSampleOptions(options);
    const model = this.model;
    const ids = prime ? this.vocab.encode(prime, 'the prime text') : Int32Array.of(this.vocab.id(10) ?? 0);
    model.genH.fill(0);
    const seed = feedPrime(this.stepper, ids);
    for (const id of generate(this.stepper, this.rng, seed, length, options)) yield this.vocab.char(id);
  }

  private decode(ids: Iterable<number>): string {
    let s = '';
    for (const id of ids) s += this.vocab.char(id);
    return s;
  }

  /** The checkpoint file (safetensors) of the whole training state. */
  toCheckpoint(): Uint8Array {
    const { H, V } = this.model;
    const shapes = rnnShapes(H, V);
    const mems = splitParams(this.mem, H, V);
    const tensors = new Map<string, Tensor>();
    const dtype = this.config.dtype === 'f64' ? 'F64' : 'F32';
    for (const name of RNN_PARAM_NAMES)
      tensors.set(name, { dtype, shape: shapes[name], data: this.params[name] });
    for (const name of RNN_PARAM_NAMES)
      tensors.set(`m${name}`, { dtype, shape: shapes[name], data: mems[name] });
    const { backend: _backend, ...hyper } = this.config;
    const metadata: Record<string, string> = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      model: 'rnn',
      vocab: JSON.stringify(this.vocab.codePoints),
      config: JSON.stringify(hyper),
      iter: String(this.iter),
      pointer: String(this.pointer),
      smoothLoss: numberToJson(this.smoothLoss),
      hprev: `[${Array.from(this.model.hprev, numberToJson).join(',')}]`,
      rng: rngToJson(this.rng.getState()),
    };
    return encodeSafetensors({ tensors, metadata });
  }

  /**
   * A trainer restored from a checkpoint; with `corpus` it can go on training exactly where it stopped.
   * `overrides` may change settings that do not define the model (sampling, lr, clip, backend).
   */
  static fromCheckpoint(
    bytes: Uint8Array,
    corpus?: Corpus,
    overrides: Partial<TrainConfig> = {},
    what = 'the checkpoint',
  ): Trainer {
    const r = new CheckpointReader(bytes, what);
    const { st, meta } = r;
    const bad = (problem: string) => r.bad(problem);
    if (meta.model !== 'rnn') throw bad(`model type '${meta.model}' is not supported`);
    const parsed = (key: string) => r.json(key);
    const vocab = r.vocab();
    const saved = parsed('config');
    if (typeof saved !== 'object' || saved === null) throw bad('its config is invalid');
    const fixedKeys = ['hidden', 'seqLength', 'dtype'] as const;
    for (const key of fixedKeys) {
      const want = (saved as Record<string, unknown>)[key];
      if (overrides[key] !== undefined && overrides[key] !== want) {
        throw new CharrnnError(
          `the checkpoint was trained with ${key} ${String(want)}; it cannot be changed to ${String(overrides[key])} on resume`,
          `drop that option or start a new model`,
          'usage',
        );
      }
    }
    let config: TrainConfig;
    try {
      config = resolveConfig({ ...(saved as Partial<TrainConfig>), ...overrides });
    } catch (e) {
      throw e instanceof CharrnnError ? bad(`its config: ${e.message}`) : e;
    }
    const trainer = new Trainer(config, vocab);
    const { H, V } = trainer.model;
    const shapes = rnnShapes(H, V);
    const mems = splitParams(trainer.mem, H, V);
    const dtype = config.dtype === 'f64' ? 'F64' : 'F32';
    for (const [prefix, target] of [
      ['', trainer.params],
      ['m', mems],
    ] as const) {
      for (const name of RNN_PARAM_NAMES) {
        const t = st.tensors.get(prefix + name);
        if (!t) throw bad(`tensor '${prefix + name}' is missing`);
        if (t.dtype !== dtype) throw bad(`tensor '${prefix + name}' is ${t.dtype}, expected ${dtype}`);
        if (t.shape.join(',') !== shapes[name].join(',')) {
          throw bad(`tensor '${prefix + name}' has shape [${t.shape}], expected [${shapes[name]}]`);
        }
        target[name].set(t.data);
      }
    }
    const int = (key: string) => {
      const v = Number(meta[key]);
      if (!Number.isSafeInteger(v) || v < 0) throw bad(`metadata '${key}' is not a whole number`);
      return v;
    };
    trainer.iter = int('iter');
    trainer.pointer = int('pointer');
    trainer.smoothLoss = Number(meta.smoothLoss);
    if (!Number.isFinite(trainer.smoothLoss)) throw bad(`metadata 'smoothLoss' is not a number`);
    const hprev = parsed('hprev');
    if (!Array.isArray(hprev) || hprev.length !== H || !hprev.every((x) => typeof x === 'number')) {
      throw bad(`metadata 'hprev' is not ${H} numbers`);
    }
    trainer.model.hprev.set(hprev as number[]);
    try {
      trainer.rng.setState(parsed('rng') as RngState);
    } catch (e) {
      throw e instanceof CharrnnError ? e : bad(`metadata 'rng' is invalid`);
    }
    if (corpus) trainer.setData(corpus);
    return trainer;
  }
}

/** A number as JSON that parses back to the same float64, -0 included. */
function numberToJson(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function rngToJson(s: RngState): string {
  return `{"mt":[${s.mt.join(',')}],"pos":${s.pos},"hasGauss":${s.hasGauss},"gauss":${numberToJson(s.gauss)}}`;
}

function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}
