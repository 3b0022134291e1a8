// Named, documented configurations for `--preset NAME`. `min-char-rnn` is the seed (the default);
// the others train the models beyond it. Options given explicitly override a preset's values.
import { SEED_DEFAULTS, type TrainConfig } from './config.js';
import { RECIPE_DEFAULTS, type RecipeConfig } from './recipe.js';

export interface Preset {
  readonly name: string;
  readonly description: string;
  /** the seed's loop (train.ts) or the general one (recipe.ts) */
  readonly trainer: 'seed' | 'recipe';
  readonly settings: Partial<TrainConfig> | Partial<RecipeConfig>;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'min-char-rnn',
    description: "the seed: vanilla RNN, hidden 100, seq 25, Adagrad 0.1, clip 5 (Karpathy's min-char-rnn)",
    trainer: 'seed',
    settings: { ...SEED_DEFAULTS },
  },
  {
    name: 'char-lstm',
    description:
      'the PyTorch reference recipe: 2-layer LSTM 256, embedding 64, batch 32, seq 64, Adam 2e-3, clip-norm 5, 10% validation',
    trainer: 'recipe',
    settings: { ...RECIPE_DEFAULTS, model: 'lstm', optimizer: 'adam', schedule: 'constant' },
  },
  {
    name: 'char-gru',
    description: 'the same recipe with a 2-layer GRU 256 (three gates instead of four: faster per character)',
    trainer: 'recipe',
    settings: { ...RECIPE_DEFAULTS, model: 'gru', optimizer: 'adam', schedule: 'constant' },
  },
  {
    name: 'shakespeare-5min',
    description:
      'the best validation loss in a 5-minute budget on 2 cores: 2-layer GRU 256, embedding 64, batch 16, seq 64, ' +
      'Adam 3e-3 with warmup and a cosine decay over --time-limit 300, clip-norm 5, 2 threads',
    trainer: 'recipe',
    settings: {
      ...RECIPE_DEFAULTS,
      model: 'gru',
      batch: 16,
      optimizer: 'adam',
      lr: 3e-3,
      schedule: 'cosine',
      warmup: 100,
      lrFloor: 0.05,
      timeLimit: 300,
      evalEvery: 1000,
      sampleEvery: 1000,
      threads: 2,
    },
  },
];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
