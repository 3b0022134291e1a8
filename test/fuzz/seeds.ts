// The valid inputs the fuzzers start from: checkpoints of every model kind (the seed's rnn, a recipe rnn,
// lstm, gru; with and without dropout and an embedding; f32 and f64; every optimizer), version 2 made
// here with the library and version 1 from test/fixtures/v1, and their PyTorch-layout exports. The models
// are tiny, so that a case takes milliseconds.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { exportTorch } from '../../src/checkpoint/torch.js';
import { corpusFromString } from '../../src/data/text.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';

export interface SeedFile {
  name: string;
  bytes: Uint8Array;
}

const V1_DIR = fileURLToPath(new URL('../fixtures/v1/', import.meta.url));
const V1_FILES = ['seed.ckpt', 'seed-f64.ckpt', 'rnn-recipe.ckpt', 'gru.ckpt', 'lstm.ckpt'];

export const SEED_TEXT = 'The quick brown fox jumps over the lazy dog; 0123456789 éß€!\n'.repeat(4);

/** Version-2 configurations: small, and between them every kind, dtype, optimizer, dropout and embedding. */
const V2_CONFIGS: [string, Partial<TrainConfig>][] = [
  ['seed-f32', { hidden: 8, seqLength: 5, sampleEvery: 2, sampleLength: 5 }],
  ['seed-f64', { hidden: 7, seqLength: 4, dtype: 'f64', sampleEvery: 0 }],
  [
    'rnn-adamw-2layer',
    { ...recipe('rnn'), layers: 2, hidden: 5, batch: 3, seqLength: 4, optimizer: 'adamw', clip: 2 },
  ],
  ['lstm-dropout-embed', { ...recipe('lstm'), layers: 2, hidden: 6, embedding: 4, dropout: 0.25, batch: 2 }],
  ['lstm-f64-onehot', { ...recipe('lstm'), hidden: 5, dtype: 'f64', optimizer: 'adam', batch: 2 }],
  [
    'gru-dropout-rmsprop',
    { ...recipe('gru'), layers: 2, hidden: 4, embedding: 3, dropout: 0.5, optimizer: 'rmsprop', batch: 1 },
  ],
  ['gru-f64-sgd', { ...recipe('gru'), hidden: 6, dtype: 'f64', optimizer: 'sgd', batch: 2, seqLength: 3 }],
];

function recipe(model: 'rnn' | 'lstm' | 'gru'): Partial<TrainConfig> {
  return {
    model,
    init: 'torch',
    windowing: 'streams',
    lossUnit: 'char',
    sampleStart: 'zero',
    smoothing: 0.01,
    optimizer: 'adam',
    lr: 0.01,
    seqLength: 5,
    sampleEvery: 0,
    threads: 1,
  };
}

let cached: { checkpoints: SeedFile[]; torch: SeedFile[] } | undefined;

/** The valid checkpoints (v2 made here, then v1 read from the fixtures) and the torch-layout exports. */
export function seedFiles(): { checkpoints: SeedFile[]; torch: SeedFile[] } {
  if (cached) return cached;
  const corpus = corpusFromString(SEED_TEXT);
  const checkpoints: SeedFile[] = [];
  V2_CONFIGS.forEach(([name, settings], i) => {
    const t = Trainer.create(corpus, { ...settings, seed: 100 + i, threads: 1 });
    for (let k = 0; k < 3; k++) t.step();
    checkpoints.push({ name: `v2/${name}`, bytes: t.toCheckpoint() });
    t.close();
  });
  for (const file of V1_FILES)
    checkpoints.push({ name: `v1/${file}`, bytes: new Uint8Array(readFileSync(V1_DIR + file)) });
  const torch = checkpoints
    .filter((c) => c.name.startsWith('v2/') || c.name === 'v1/gru.ckpt')
    .map((c) => ({ name: `torch/${c.name}`, bytes: exportTorch(readCheckpoint(c.bytes)) }));
  cached = { checkpoints, torch };
  return cached;
}
