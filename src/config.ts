// One typed configuration with the seed's defaults. The CLI and the web page map their inputs onto it.
import { CharrnnError } from './errors.js';
import type { BackendName, Dtype } from './kernels/types.js';

export interface TrainConfig {
  /** hidden_size */
  hidden: number;
  /** seq_length: BPTT steps per window */
  seqLength: number;
  /** learning_rate */
  lr: number;
  /** element-wise gradient clip (np.clip(dparam, -5, 5)); Infinity disables */
  clip: number;
  /** Adagrad's epsilon in sqrt(mem + eps) */
  eps: number;
  /** sample every N iterations (0: never) */
  sampleEvery: number;
  sampleLength: number;
  /** RNG seed (numpy-compatible); undefined picks one at random */
  seed: number | undefined;
  dtype: Dtype;
  /** kernel backend; undefined: wasm when available */
  backend: BackendName | undefined;
}

export const SEED_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  hidden: 100,
  seqLength: 25,
  lr: 0.1,
  clip: 5,
  eps: 1e-8,
  sampleEvery: 1000,
  sampleLength: 200,
  seed: undefined,
  dtype: 'f32',
  backend: undefined,
});

type NumericKey = 'hidden' | 'seqLength' | 'lr' | 'clip' | 'eps' | 'sampleEvery' | 'sampleLength';

interface Range {
  min: number;
  max: number;
  integer: boolean;
  /** whether min itself is allowed */
  minInclusive: boolean;
}

const RANGES: Record<NumericKey, Range> = {
  hidden: { min: 1, max: 8192, integer: true, minInclusive: true },
  seqLength: { min: 1, max: 100000, integer: true, minInclusive: true },
  lr: { min: 0, max: 1e6, integer: false, minInclusive: false },
  clip: { min: 0, max: Infinity, integer: false, minInclusive: false },
  eps: { min: 0, max: 1, integer: false, minInclusive: false },
  sampleEvery: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, minInclusive: true },
  sampleLength: { min: 0, max: 1e9, integer: true, minInclusive: true },
};

/** The defaults with `overrides` applied, every value checked; throws a usage CharrnnError naming the key. */
export function resolveConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in SEED_DEFAULTS)) {
      throw new CharrnnError(
        `unknown setting '${key}'`,
        `known settings: ${Object.keys(SEED_DEFAULTS).join(', ')}`,
        'usage',
      );
    }
  }
  const config: TrainConfig = { ...SEED_DEFAULTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of Object.keys(RANGES) as NumericKey[]) checkRange(key, config[key], RANGES[key]);
  if (
    config.seed !== undefined &&
    !(Number.isInteger(config.seed) && config.seed >= 0 && config.seed <= 0xffffffff)
  ) {
    throw new CharrnnError(`seed must be an integer from 0 to 4294967295, got ${config.seed}`, '', 'usage');
  }
  if (config.dtype !== 'f32' && config.dtype !== 'f64') {
    throw new CharrnnError(`dtype must be f32 or f64, got '${config.dtype}'`, '', 'usage');
  }
  if (config.backend !== undefined && config.backend !== 'ref' && config.backend !== 'wasm') {
    throw new CharrnnError(`backend must be ref or wasm, got '${config.backend}'`, '', 'usage');
  }
  return config;
}

function checkRange(key: string, value: number, r: Range): void {
  const low = r.minInclusive ? value >= r.min : value > r.min;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    !low ||
    value > r.max ||
    (r.integer && !Number.isInteger(value))
  ) {
    const kind = r.integer ? 'an integer' : 'a number';
    const bound = r.minInclusive ? `>= ${r.min}` : `> ${r.min}`;
    throw new CharrnnError(`${key} must be ${kind} ${bound} and <= ${r.max}, got ${value}`, '', 'usage');
  }
}
