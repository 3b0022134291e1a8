// Named configurations for `--preset NAME`: data only, each a set of overrides of the defaults (which are
// the seed's, so `min-char-rnn` overrides nothing). Settings given explicitly override a preset's.
import { CharrnnError, shownValue } from '../errors.js';
import { MODEL_KINDS, type ModelKind } from '../models/types.js';
import { resolveConfig, type TrainConfig } from './config.js';

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly settings: Readonly<Partial<TrainConfig>>;
}

/** What the LSTM and GRU recipes change from the seed: PyTorch's way of training a char-RNN. */
const RECIPE: Readonly<Partial<TrainConfig>> = {
  layers: 2,
  hidden: 256,
  embedding: 64,
  init: 'torch',
  batch: 32,
  seqLength: 64,
  valFraction: 0.1,
  windowing: 'streams',
  optimizer: 'adam',
  lr: 2e-3,
  clip: Infinity,
  clipNorm: 5,
  evalEvery: 500,
  sampleEvery: 500,
  sampleStart: 'zero',
  lossUnit: 'char',
  smoothing: 0.01,
};

/**
 * What the time-budget presets change from the recipe: a GRU at batch 16, AdamW (4e-3 and weight decay 0.1
 * unless a preset sets its own: the 30-minute one takes 6e-3 and 0.2) with 100 warmup iterations and a
 * cosine decay over --time-limit to 5% of the rate (to zero in the 30-minute one: README, Performance),
 * 2 threads.
 */
const TIMED: Readonly<Partial<TrainConfig>> = {
  ...RECIPE,
  model: 'gru',
  batch: 16,
  optimizer: 'adamw',
  lr: 4e-3,
  weightDecay: 0.1,
  warmup: 100,
  schedule: 'cosine',
  lrFloor: 0.05,
  threads: 2,
  evalEvery: 1000,
  sampleEvery: 1000,
};

export const PRESETS: readonly Preset[] = [
  {
    name: 'min-char-rnn',
    description:
      "the seed (Karpathy's min-char-rnn): vanilla RNN, hidden 100, seq 25, Adagrad 0.1, clip 5, no validation",
    settings: {},
  },
  {
    name: 'char-lstm',
    description:
      'the PyTorch reference recipe: 2-layer LSTM 256, embedding 64, batch 32, seq 64, Adam 2e-3, clip-norm 5, 10% validation',
    settings: { ...RECIPE, model: 'lstm' },
  },
  {
    name: 'char-gru',
    description: 'the same recipe with a 2-layer GRU 256 (three gates instead of four: faster per character)',
    settings: { ...RECIPE, model: 'gru' },
  },
  {
    name: 'shakespeare-5min',
    description:
      'the best validation loss in a 5-minute budget on 2 cores: 2-layer GRU 256, embedding 64, batch 16, seq 64, ' +
      'AdamW 4e-3 (weight decay 0.1) with warmup and a cosine decay over --time-limit 300, clip-norm 5, 2 threads; ' +
      'each pass over the text shifted by its own offset',
    settings: { ...TIMED, windowing: 'shifted', timeLimit: 300 },
  },
  {
    name: 'shakespeare-30min',
    description:
      'the same for a 30-minute budget, with dropout and more weight decay against the longer fit and a larger ' +
      'step: 2-layer GRU 256, embedding 64, dropout 0.1, batch 16, seq 64, AdamW 6e-3 (weight decay 0.2) with ' +
      'warmup and a cosine decay to zero over --time-limit 1800, clip-norm 5, 2 threads',
    settings: { ...TIMED, lr: 6e-3, weightDecay: 0.2, dropout: 0.1, lrFloor: 0, timeLimit: 1800 },
  },
];

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The preset a run starts from when none is named: the seed, or the recipe of the cell asked for. */
export function defaultPreset(model?: ModelKind): Preset {
  const preset = PRESETS.find((p) => (p.settings.model ?? 'rnn') === (model ?? 'rnn'));
  if (!preset) {
    throw new CharrnnError(
      `unknown model kind ${shownValue(model)}`,
      `choose one of: ${MODEL_KINDS.join(', ')}`,
      'usage',
    );
  }
  return preset;
}

/** A preset's settings with `overrides` on top, every value checked. */
export function presetConfig(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const preset = findPreset(name);
  if (!preset) {
    throw new CharrnnError(`unknown preset '${name}'`, `choose one of: ${PRESET_NAMES.join(', ')}`, 'usage');
  }
  return resolveConfig(overrides, preset.settings);
}
