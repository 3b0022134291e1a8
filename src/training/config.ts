// One typed configuration for every model and every preset, the seed included, and the one table that
// describes each setting: its flag, its range or choices, its help text, and whether a resumed run may
// change it. The defaults are the seed's (min-char-rnn); a preset is a set of overrides (presets.ts). The
// CLI builds its options from this table and the page its form checks, so neither can drift from it.
import { CharrnnError, shown, shownValue } from '../errors.js';
import type { BackendName, Dtype } from '../kernels/types.js';
import { MODEL_KINDS, type ModelKind } from '../models/types.js';
import { OPTIMIZERS, type OptimizerKind } from './optim.js';
import { decaysOverLength, SCHEDULES, type ScheduleKind } from './schedule.js';

export const DTYPES = ['f32', 'f64'] as const;
export const BACKENDS = ['wasm', 'ref'] as const;
/** 'torch': PyTorch's uniform init; 'seed': min-char-rnn's randn * 0.01 with zero biases */
export const INITS = ['torch', 'seed'] as const;
/** how windows lie on the text (see `windowing` below) */
export const WINDOWINGS = ['streams', 'seed', 'shifted'] as const;
/** where the sample drawn before a step starts (see `sampleStart` below) */
export const SAMPLE_STARTS = ['zero', 'carried'] as const;
/** what a step's loss is reported per (see `lossUnit` below) */
export const LOSS_UNITS = ['char', 'window'] as const;

export interface TrainConfig {
  // ---- the model ----
  /** the cell: the vanilla RNN (the seed's), LSTM or GRU */
  model: ModelKind;
  layers: number;
  /** H: hidden units per layer (the seed's hidden_size) */
  hidden: number;
  /** learned input embedding size; 0: the one-hot symbol, as the seed */
  embedding: number;
  /** inverted dropout on each layer's output while training */
  dropout: number;
  init: (typeof INITS)[number];
  dtype: Dtype;
  // ---- the data ----
  /** B: the text is cut into B contiguous streams, trained side by side */
  batch: number;
  /** T: characters per window (the seed's seq_length); states carry over between windows */
  seqLength: number;
  /** the last fraction of the text held out for validation (0: none) */
  valFraction: number;
  /**
   * 'streams': every window of every stream is used; 'seed': min-char-rnn's data pointer, which goes back
   * to the start when a window would reach the last character (p + seq_length + 1 >= len(data)); 'shifted':
   * 'streams' with each pass moved on by its own offset below seq_length (a hash of the seed and the
   * iteration the pass began at), and one window fewer per pass where the offset needs the room
   */
  windowing: (typeof WINDOWINGS)[number];
  // ---- the optimization ----
  optimizer: OptimizerKind;
  lr: number;
  /** element-wise gradient clip (the seed's np.clip to [-5, 5]); Infinity: off */
  clip: number;
  /** global L2-norm gradient clip; Infinity: off */
  clipNorm: number;
  /** AdamW's decoupled weight decay (weights and embedding, not biases) */
  weightDecay: number;
  schedule: ScheduleKind;
  /** iterations of linear warmup */
  warmup: number;
  /** where a decay ends, as a fraction of lr */
  lrFloor: number;
  /** cosine, linear: iterations over which lr decays (0: over timeLimit, else over iters) */
  decayIters: number;
  /** step decay: lr times gamma every stepEvery iterations */
  gamma: number;
  stepEvery: number;
  // ---- the run ----
  /** total iterations, resumed ones included (0: until stopped) */
  iters: number;
  /** seconds of training time (evaluation and samples excluded), resumed ones included (0: no limit) */
  timeLimit: number;
  /** evaluate on the validation split every N iterations */
  evalEvery: number;
  /**
   * characters an evaluation scores at most: the first windows of each of the validation split's B streams,
   * so that they spread over the whole split (0: all of it)
   */
  evalChars: number;
  /**
   * early stopping: the run ends when this many evaluations in a row have not beaten the best validation
   * loss (0: never)
   */
  patience: number;
  /** save a checkpoint every N iterations (0: only at the end) */
  saveEvery: number;
  /** draw a sample before the step every N iterations (0: never) */
  sampleEvery: number;
  sampleLength: number;
  /** 'zero': the sample starts from a zero state; 'carried': from stream 0's carried state, as the seed's */
  sampleStart: (typeof SAMPLE_STARTS)[number];
  /** 'char': a step's loss in nats per character; 'window': summed over a window (the seed's), per stream */
  lossUnit: (typeof LOSS_UNITS)[number];
  /**
   * the weight of each step's loss in the smooth loss: smooth = (1 - smoothing) * smooth + smoothing * loss
   * (the seed's 0.001), starting from the loss of a uniform guess
   */
  smoothing: number;
  // ---- how it runs ----
  /** numpy-compatible seed (np.random.seed); undefined: a random one, recorded */
  seed: number | undefined;
  /** kernels: undefined picks wasm where it is available */
  backend: BackendName | undefined;
  /** threads sharing each minibatch; 0: as many as the host offers that divide the batch */
  threads: number;
}

/** The seed's configuration (min-char-rnn): every preset is a set of overrides of these. */
export const DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  model: 'rnn',
  layers: 1,
  hidden: 100,
  embedding: 0,
  dropout: 0,
  init: 'seed',
  dtype: 'f32',
  batch: 1,
  seqLength: 25,
  valFraction: 0,
  windowing: 'seed',
  optimizer: 'adagrad',
  lr: 0.1,
  clip: 5,
  clipNorm: Infinity,
  weightDecay: 0.01,
  schedule: 'constant',
  warmup: 0,
  lrFloor: 0.1,
  decayIters: 0,
  gamma: 0.97,
  stepEvery: 1000,
  iters: 0,
  timeLimit: 0,
  evalEvery: 500,
  evalChars: 1_000_000,
  patience: 0,
  saveEvery: 0,
  sampleEvery: 1000,
  sampleLength: 200,
  sampleStart: 'carried',
  lossUnit: 'window',
  smoothing: 0.001,
  seed: undefined,
  backend: undefined,
  threads: 0,
} satisfies TrainConfig);

export type ConfigKey = keyof TrainConfig;

/**
 * What a resumed run may do with a setting: 'free' takes a new value; 'fixed' cannot change (`why` says
 * what it defines); 'new' applies to a new model only.
 */
export type OnResume = 'free' | 'fixed' | 'new';

/** One setting: how it is named, checked, explained, and treated on resume. */
export interface OptionSpec {
  key: ConfigKey;
  /** the CLI flag and the page's label; absent for settings only a preset or the library sets */
  flag?: string;
  /** commander's placeholder */
  arg: string;
  help: string;
  type: 'int' | 'number' | 'choice';
  choices?: readonly string[];
  min?: number;
  /** min itself is not allowed */
  above?: boolean;
  max?: number;
  /** Infinity (written `Infinity` or `off`) is allowed: it turns the setting off */
  infinity?: boolean;
  /** undefined is allowed (picked at run time) */
  optional?: boolean;
  onResume: OnResume;
  /** for 'fixed': what it defines, for the message */
  why?: string;
}

const WEIGHTS = 'it defines the weights';

/** Every setting, in the order of TrainConfig. */
export const OPTIONS: readonly OptionSpec[] = [
  o('model', '--model', '<kind>', "the recurrent cell; rnn is the seed's", 'choice', {
    choices: MODEL_KINDS,
    onResume: 'fixed',
    why: WEIGHTS,
  }),
  o('layers', '--layers', '<n>', 'stacked recurrent layers', 'int', { min: 1, max: 64, why: WEIGHTS }),
  o('hidden', '--hidden', '<n>', 'hidden units per layer', 'int', { min: 1, max: 16384, why: WEIGHTS }),
  o('embedding', '--embedding', '<n>', 'learned input embedding size; 0 feeds the one-hot symbol', 'int', {
    min: 0,
    max: 16384,
    why: WEIGHTS,
  }),
  o('dropout', '--dropout', '<p>', 'dropout on each layer output while training', 'number', {
    min: 0,
    max: 0.99,
    onResume: 'free',
  }),
  o(
    'init',
    '--init',
    '<scheme>',
    "initial weights: torch (PyTorch's uniform) or seed (randn * 0.01)",
    'choice',
    {
      choices: INITS,
      onResume: 'new',
    },
  ),
  o('dtype', '--dtype', '<type>', 'float precision: f32 is fastest, f64 matches numpy', 'choice', {
    choices: DTYPES,
    why: 'the weights are stored in it',
  }),
  o('batch', '--batch', '<n>', 'parallel streams: the text is cut into n contiguous parts', 'int', {
    min: 1,
    max: 65536,
    why: 'it cuts the text into the streams whose states the run carries',
  }),
  o('seqLength', '--seq-length', '<n>', 'characters per BPTT window', 'int', {
    min: 1,
    max: 100000,
    why: 'the run is part way through the windows it cuts',
  }),
  o(
    'valFraction',
    '--val-fraction',
    '<f>',
    'the last fraction of the text held out for validation',
    'number',
    {
      min: 0,
      max: 0.9,
      onResume: 'free',
    },
  ),
  o(
    'windowing',
    undefined,
    '<rule>',
    "how windows lie on the text: streams, the seed's data pointer, or streams shifted each pass",
    'choice',
    {
      choices: WINDOWINGS,
      why: 'the run is part way through the windows it lays',
    },
  ),
  o('optimizer', '--optimizer', '<name>', 'update rule', 'choice', {
    choices: OPTIMIZERS,
    why: 'the checkpoint holds its state',
  }),
  o('lr', '--lr', '<x>', 'learning rate', 'number', { min: 0, above: true, max: 1e6, onResume: 'free' }),
  o('clip', '--clip', '<x>', 'clip every gradient element to [-x, x]; off: no clipping', 'number', {
    min: 0,
    above: true,
    infinity: true,
    onResume: 'free',
  }),
  o(
    'clipNorm',
    '--clip-norm',
    '<x>',
    'scale the gradient to at most this global L2 norm; off: never',
    'number',
    {
      min: 0,
      above: true,
      infinity: true,
      onResume: 'free',
    },
  ),
  o('weightDecay', '--weight-decay', '<x>', "AdamW's decoupled weight decay", 'number', {
    min: 0,
    max: 1,
    onResume: 'free',
  }),
  o('schedule', '--schedule', '<kind>', 'learning-rate schedule after the warmup', 'choice', {
    choices: SCHEDULES,
    onResume: 'free',
  }),
  o('warmup', '--warmup', '<n>', 'iterations of linear learning-rate warmup', 'int', {
    min: 0,
    onResume: 'free',
  }),
  o('lrFloor', '--lr-floor', '<f>', 'where a decay ends, as a fraction of --lr', 'number', {
    min: 0,
    max: 1,
    onResume: 'free',
  }),
  o(
    'decayIters',
    '--decay-iters',
    '<n>',
    'cosine or linear decay length (default: --time-limit, else --iters)',
    'int',
    {
      min: 0,
      onResume: 'free',
    },
  ),
  o(
    'gamma',
    '--gamma',
    '<x>',
    'step schedule: multiply --lr by this every --step-every iterations',
    'number',
    {
      min: 0,
      above: true,
      max: 1,
      onResume: 'free',
    },
  ),
  o('stepEvery', '--step-every', '<n>', 'step schedule: iterations between decays', 'int', {
    min: 1,
    onResume: 'free',
  }),
  o('iters', '--iters', '<n>', 'total iterations, resumed ones included; 0: until stopped', 'int', {
    min: 0,
    onResume: 'free',
  }),
  o(
    'timeLimit',
    '--time-limit',
    '<s>',
    'seconds of training time in total (evaluation and samples excluded); 0: none',
    'number',
    {
      min: 0,
      onResume: 'free',
    },
  ),
  o('evalEvery', '--eval-every', '<n>', 'evaluate on the validation split every n iterations', 'int', {
    min: 1,
    onResume: 'free',
  }),
  o(
    'evalChars',
    '--eval-chars',
    '<n>',
    "characters an evaluation scores at most, spread over the validation split's streams; 0: all",
    'int',
    {
      min: 0,
      onResume: 'free',
    },
  ),
  o(
    'patience',
    '--patience',
    '<n>',
    'stop early when n evaluations in a row have not beaten the best validation loss; 0: never',
    'int',
    {
      min: 0,
      onResume: 'free',
    },
  ),
  o(
    'saveEvery',
    '--save-every',
    '<n>',
    'also save a checkpoint every n iterations; 0: only at the end',
    'int',
    {
      min: 0,
      onResume: 'free',
    },
  ),
  o('sampleEvery', '--sample-every', '<n>', 'draw a sample every n iterations; 0: never', 'int', {
    min: 0,
    onResume: 'free',
  }),
  o('sampleLength', '--sample-length', '<n>', 'characters per sample', 'int', {
    min: 0,
    max: 1e7,
    onResume: 'free',
  }),
  o(
    'sampleStart',
    undefined,
    '<start>',
    "where samples start: zero state, or the carried one (the seed's)",
    'choice',
    {
      choices: SAMPLE_STARTS,
      onResume: 'free',
    },
  ),
  o('lossUnit', undefined, '<unit>', 'loss per char, or summed over a window (the seed)', 'choice', {
    choices: LOSS_UNITS,
    why: 'the smooth loss carried in the checkpoint is in it',
  }),
  o('smoothing', undefined, '<w>', "the weight of each step's loss in the smooth loss", 'number', {
    min: 0,
    above: true,
    max: 1,
    onResume: 'free',
  }),
  o('seed', '--seed', '<n>', 'numpy-compatible RNG seed (default: random)', 'int', {
    min: 0,
    max: 0xffffffff,
    optional: true,
    onResume: 'new',
  }),
  o('backend', '--backend', '<name>', 'kernels: wasm (SIMD) or ref (plain TypeScript)', 'choice', {
    choices: BACKENDS,
    optional: true,
    onResume: 'free',
  }),
  o('threads', '--threads', '<n>', 'threads sharing each minibatch; 0: as many as divide the batch', 'int', {
    min: 0,
    max: 256,
    onResume: 'free',
  }),
];

function o(
  key: ConfigKey,
  flag: string | undefined,
  arg: string,
  help: string,
  type: OptionSpec['type'],
  rest: Partial<OptionSpec>,
): OptionSpec {
  return { key, ...(flag ? { flag } : {}), arg, help, type, onResume: 'fixed', ...rest };
}

const BY_KEY = new Map(OPTIONS.map((s) => [s.key, s]));

export function optionSpec(key: ConfigKey): OptionSpec {
  const spec = BY_KEY.get(key);
  if (!spec) throw unknownSetting(String(key));
  return spec;
}

function unknownSetting(key: string): CharrnnError {
  return usage(`unknown setting '${shown(key)}'`, `known settings: ${OPTIONS.map((s) => s.key).join(', ')}`);
}

/** Settings as a program passes them: an object (of TrainConfig's keys, which the callers check), else a usage error. */
function checkSettings(settings: unknown): void {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw usage(
      `the settings must be an object of TrainConfig's keys, got ${shownValue(settings)}`,
      'for example { hidden: 128 }',
    );
  }
}

/** How a setting is named to the user: its flag, or its key for the settings without one. */
export function optionName(key: ConfigKey): string {
  return BY_KEY.get(key)?.flag ?? key;
}

function usage(message: string, hint = ''): CharrnnError {
  return new CharrnnError(message, hint, 'usage');
}

/** What a setting accepts, in words: "an integer >= 1", "a number > 0, or off", "one of f32, f64". */
export function describeRange(spec: OptionSpec): string {
  if (spec.type === 'choice') return `one of ${spec.choices!.join(', ')}`;
  const kind = spec.type === 'int' ? 'an integer' : 'a number';
  const low = spec.min === undefined ? '' : ` ${spec.above ? '>' : '>='} ${spec.min}`;
  const high = spec.max === undefined ? '' : ` and <= ${spec.max}`;
  return `${kind}${low}${high}${spec.infinity ? ', or off' : ''}`;
}

/** Checks one value against its setting's range; throws a usage error naming the setting and the value. */
export function checkOption(key: ConfigKey, value: unknown): void {
  const spec = optionSpec(key);
  if (value === undefined && spec.optional) return;
  const bad = () => usage(`${optionName(key)} must be ${describeRange(spec)}, got ${shownValue(value)}`);
  if (spec.type === 'choice') {
    if (typeof value !== 'string' || !spec.choices!.includes(value)) throw bad();
    return;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) throw bad();
  if (value === Infinity && spec.infinity) return;
  if (!Number.isFinite(value)) throw bad();
  if (spec.type === 'int' && !Number.isSafeInteger(value)) throw bad();
  if (spec.min !== undefined && (spec.above ? value <= spec.min : value < spec.min)) throw bad();
  if (spec.max !== undefined && value > spec.max) throw bad();
}

/**
 * A setting's value from text (a CLI argument, a form field), checked: numbers, `off` or `Infinity`
 * where a setting can be turned off, and choices. Throws a usage error naming the setting.
 */
export function parseOption(key: ConfigKey, text: string): TrainConfig[ConfigKey] {
  const spec = optionSpec(key);
  if (typeof text !== 'string') {
    throw usage(`parseOption parses text: give the value of ${key} as a string, got ${shownValue(text)}`);
  }
  const s = text.trim();
  if (spec.type === 'choice') {
    checkOption(key, s);
    return s as TrainConfig[ConfigKey];
  }
  const value =
    spec.infinity && /^(off|infinity|inf)$/i.test(s) ? Infinity : s === '' ? Number.NaN : Number(s);
  if (Number.isNaN(value)) {
    throw usage(`${optionName(key)} must be ${describeRange(spec)}, got '${shown(text)}'`);
  }
  checkOption(key, value);
  return value;
}

/**
 * The configuration `base` (the defaults, or a preset's) with `overrides` on top, every value checked and
 * the settings that depend on each other checked together. Unknown keys are refused by name.
 */
export function resolveConfig(
  overrides: Partial<TrainConfig> = {},
  base: Partial<TrainConfig> = {},
): TrainConfig {
  checkSettings(overrides);
  checkSettings(base);
  for (const key of [...Object.keys(base), ...Object.keys(overrides)]) {
    if (!BY_KEY.has(key as ConfigKey)) throw unknownSetting(key);
  }
  const c: TrainConfig = { ...DEFAULTS };
  const assign = (from: Partial<TrainConfig>) => {
    for (const [k, v] of Object.entries(from))
      if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  };
  assign(base);
  assign(overrides);
  for (const spec of OPTIONS) checkOption(spec.key, c[spec.key]);
  if (c.threads > 0 && c.batch % c.threads !== 0) {
    throw usage(
      `--batch ${c.batch} does not split evenly over --threads ${c.threads}`,
      'make the batch a multiple of the threads',
    );
  }
  if (decaysOverLength(c.schedule) && c.decayIters === 0 && c.timeLimit === 0 && c.iters === 0) {
    throw usage(
      `a ${c.schedule} schedule needs a length to decay over`,
      'give --decay-iters, --iters or --time-limit',
    );
  }
  if (c.warmup > 0 && decaysOverLength(c.schedule) && c.decayIters > 0 && c.decayIters <= c.warmup) {
    throw usage(`--decay-iters ${c.decayIters} must be longer than --warmup ${c.warmup}`);
  }
  return c;
}

/** A setting's value as a message shows it after its flag: `--model lstm`, `--hidden 50`. */
function plain(value: unknown): string {
  return typeof value === 'string' ? shown(value) : shownValue(value);
}

/** What lays the text out in streams and windows: free on resume before the first step, fixed after. */
const LAYOUT_KEYS: readonly ConfigKey[] = ['batch', 'seqLength'];

/**
 * The changes `overrides` asks of a resumed run's `saved` configuration: refused (a usage error that names
 * the setting and why) where the setting cannot change; otherwise the settings that change, for the
 * caller to say so. A checkpoint that has not `started` (iteration 0 and no carried state, as an import
 * is) has no streams or windows to keep: its batch and sequence length may change too.
 */
export function resumeChanges(
  saved: TrainConfig,
  overrides: Partial<TrainConfig>,
  started = true,
): ConfigKey[] {
  checkSettings(overrides);
  const changed: ConfigKey[] = [];
  for (const [k, v] of Object.entries(overrides)) {
    const key = k as ConfigKey;
    const spec = BY_KEY.get(key);
    if (!spec) throw unknownSetting(k);
    if (v === undefined || Object.is(v, saved[key])) continue;
    if (spec.onResume === 'new') {
      throw usage(
        `${optionName(key)} only applies to a new model`,
        key === 'seed' ? 'the checkpoint carries its RNG state; drop --seed' : `drop ${optionName(key)}`,
      );
    }
    if (spec.onResume === 'fixed' && (started || !LAYOUT_KEYS.includes(key))) {
      throw usage(
        `the checkpoint was trained with ${optionName(key)} ${plain(saved[key])}; it cannot be changed to ${plain(v)} on resume, because ${spec.why}`,
        'drop that option, or start a new model',
      );
    }
    changed.push(key);
  }
  return changed;
}
