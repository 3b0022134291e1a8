// The one trainer, for every model: minibatches of streams, validation, optimizers and schedules, exact
// resume for every model and optimizer, data-parallel threads, and the CLI around it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { findPreset } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { assertSameCheckpoint } from '../helpers/checkpoints.js';
import { type Run, runCli } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-recipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initKernels();
});

const text = golden.corpus.repeat(3);
const corpus = corpusFromString(text);
const small: Partial<TrainConfig> = {
  ...findPreset('char-lstm')!.settings,
  hidden: 12,
  layers: 2,
  embedding: 6,
  batch: 4,
  seqLength: 10,
  seed: 3,
  sampleEvery: 7,
  sampleLength: 12,
  valFraction: 0.1,
};

const variants: [string, Partial<TrainConfig>][] = [
  [
    'lstm + adam + cosine + dropout',
    { model: 'lstm', optimizer: 'adam', schedule: 'cosine', decayIters: 30, warmup: 3, dropout: 0.2 },
  ],
  [
    'gru + adamw + step decay',
    { model: 'gru', optimizer: 'adamw', schedule: 'step', stepEvery: 5, gamma: 0.9 },
  ],
  ['lstm one-hot + rmsprop', { model: 'lstm', optimizer: 'rmsprop', embedding: 0, lr: 2e-3 }],
  ['gru + adagrad', { model: 'gru', optimizer: 'adagrad', lr: 0.05, clipNorm: Infinity, clip: 5 }],
  ['rnn 2 layers + embedding + dropout + adam', { model: 'rnn', dropout: 0.1, lr: 5e-3 }],
  ['rnn + sgd', { model: 'rnn', optimizer: 'sgd', lr: 0.05 }],
  [
    "the seed's configuration (min-char-rnn) with validation",
    { ...findPreset('min-char-rnn')!.settings, hidden: 12, seqLength: 10, valFraction: 0.1, sampleEvery: 7 },
  ],
];

describe('general trainer', () => {
  for (const [name, v] of variants) {
    it(`${name}: N steps, checkpoint, resume, N more is bit for bit 2N straight`, () => {
      const cfg = { ...small, ...v };
      const straight = Trainer.create(corpus, cfg);
      const events: string[] = [];
      for (let i = 0; i < 20; i++) {
        events.push(JSON.stringify(straight.step()));
        if (i === 9) straight.evaluate(); // evaluating must not disturb training
      }
      const first = Trainer.create(corpus, cfg);
      const resumed: string[] = [];
      for (let i = 0; i < 10; i++) resumed.push(JSON.stringify(first.step()));
      first.evaluate();
      const second = Trainer.fromCheckpoint(first.toCheckpoint(), corpus);
      for (let i = 0; i < 10; i++) resumed.push(JSON.stringify(second.step()));
      assert.deepEqual(resumed, events);
      assertSameCheckpoint(second.toCheckpoint(), straight.toCheckpoint());
    });
  }

  it('learns: validation loss falls, and is reported in nats and bits per character', () => {
    const t = Trainer.create(corpus, { ...small, lr: 1e-2, sampleEvery: 0 });
    const before = t.evaluate();
    for (let i = 0; i < 150; i++) t.step();
    const afterTraining = t.evaluate();
    assert.ok(afterTraining.valLoss < before.valLoss - 0.5, `${before.valLoss} -> ${afterTraining.valLoss}`);
    assert.ok(Math.abs(afterTraining.valBits - afterTraining.valLoss / Math.LN2) < 1e-12);
    assert.equal(t.bestValLoss, afterTraining.valLoss);
  });

  it('streams sampling deterministically, with temperature, top-k and argmax', () => {
    const a = Trainer.create(corpus, { ...small, seed: 9 });
    const b = Trainer.create(corpus, { ...small, seed: 9 });
    const draw = (t: Trainer, o = {}) => [...t.sample(40, 'The ', o)].join('');
    assert.equal(draw(a), draw(b));
    assert.equal(draw(a, { argmax: true }), draw(b, { argmax: true }));
    assert.equal([...draw(a, { temperature: 0.5, topK: 3 })].length, 40);
    assert.throws(() => draw(a, { temperature: 0 }), CharrnnError);
    assert.equal([...a.sample(0, 'The ')].join(''), '');
    for (const n of [-1, 2.5, Number.NaN, Infinity])
      assert.throws(
        () => [...a.sample(n, 'The ')],
        /^CharrnnError: the sample length must be a whole number >= 0, got/,
      );
  });

  it('refuses settings it cannot run, naming them', () => {
    const bad: [Partial<TrainConfig>, RegExp][] = [
      [{ batch: 5, threads: 2 }, /--batch 5 does not split evenly over --threads 2/],
      [{ batch: 64, seqLength: 64 }, /needs? at least 4097/],
      [{ dropout: 1 }, /--dropout must be a number >= 0 and <= 0.99, got 1/],
      [{ schedule: 'cosine' }, /a cosine schedule needs a length to decay over/],
      [{ schedule: 'linear' }, /a linear schedule needs a length to decay over/],
    ];
    for (const [cfg, pattern] of bad) {
      assert.throws(
        () => Trainer.create(corpus, { ...small, ...cfg }),
        (e: unknown) => e instanceof CharrnnError && pattern.test(e.message),
      );
    }
  });

  it('stops on a non-finite loss with a clear message', () => {
    const t = Trainer.create(corpus, {
      ...small,
      optimizer: 'adagrad',
      lr: 1e6,
      clip: Infinity,
      clipNorm: Infinity,
    });
    assert.throws(
      () => {
        for (let i = 0; i < 200; i++) t.step();
      },
      (e: unknown) => e instanceof CharrnnError && /training diverged at iteration \d+/.test(e.message),
    );
  });
});

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir, timeout: 300_000 });
}

describe('charrnn train with a recipe (CLI)', () => {
  const corpusFile = join(dir, 'corpus.txt');
  writeFileSync(corpusFile, text);
  const common = [
    '--hidden',
    '16',
    '--embedding',
    '8',
    '--batch',
    '4',
    '--seq-length',
    '16',
    '--eval-every',
    '10',
    '--sample-every',
    '10',
    '--log-every',
    '5',
    '--quiet',
  ];

  it('with 2 threads: resume is exact, and the log carries validation loss and training time', () => {
    const s = charrnn(
      'train',
      corpusFile,
      '--preset',
      'char-lstm',
      ...common,
      '--threads',
      '2',
      '--dropout',
      '0.1',
      '--seed',
      '4',
      '--iters',
      '30',
      '--save',
      'straight.ckpt',
      '--log-file',
      'straight.jsonl',
    );
    assert.equal(s.status, 0, s.stderr);
    const a = charrnn(
      'train',
      corpusFile,
      '--preset',
      'char-lstm',
      ...common,
      '--threads',
      '2',
      '--dropout',
      '0.1',
      '--seed',
      '4',
      '--iters',
      '15',
      '--save',
      'half.ckpt',
    );
    assert.equal(a.status, 0, a.stderr);
    const b = charrnn('train', corpusFile, '--resume', 'half.ckpt', '--iters', '30', ...common.slice(-7));
    assert.equal(b.status, 0, b.stderr);
    assertSameCheckpoint(readFileSync(join(dir, 'half.ckpt')), readFileSync(join(dir, 'straight.ckpt')));
    const log = readFileSync(join(dir, 'straight.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const evals = log.filter((r) => 'valLoss' in r);
    assert.ok(evals.length >= 3);
    for (const r of evals) assert.ok(r.valLoss > 0 && typeof r.elapsedSeconds === 'number');
    assert.match(s.stdout, /iter 10, val loss: \d\.\d{4} nats\/char \(\d\.\d{4} bits\/char\)/);
  });

  it('2 threads compute the same losses as 1 (up to summation order)', () => {
    const one = charrnn(
      'train',
      corpusFile,
      '--model',
      'gru',
      ...common,
      '--threads',
      '1',
      '--seed',
      '5',
      '--iters',
      '20',
      '--log-file',
      'one.jsonl',
    );
    const two = charrnn(
      'train',
      corpusFile,
      '--model',
      'gru',
      ...common,
      '--threads',
      '2',
      '--seed',
      '5',
      '--iters',
      '20',
      '--log-file',
      'two.jsonl',
    );
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.status, 0, two.stderr);
    const losses = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => 'loss' in r)
        .map((r) => r.loss);
    const [x, y] = [losses('one.jsonl'), losses('two.jsonl')];
    assert.equal(x.length, y.length);
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(x[i] - y[i]) / x[i] < 1e-4, `iteration ${i * 5}: ${x[i]} vs ${y[i]}`);
    }
  });

  it('eval and sample read recipe checkpoints; --time-limit stops and evaluates', () => {
    const t = charrnn(
      'train',
      corpusFile,
      '--model',
      'lstm',
      ...common,
      '--seed',
      '6',
      '--time-limit',
      '1',
      '--save',
      'timed.ckpt',
    );
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /val loss: .*\n$/);
    const e = charrnn('eval', 'timed.ckpt', corpusFile);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /^loss \d\.\d{4} nats\/char, \d\.\d{4} bits\/char over \d+ characters/);
    const s = charrnn('sample', 'timed.ckpt', '--length', '50', '--seed', '1', '--prime', 'The ');
    assert.equal(s.status, 0, s.stderr);
    assert.ok(s.stdout.startsWith('The '));
  });

  it('uses both cores by default and says what it trains', () => {
    const r = charrnn(
      'train',
      corpusFile,
      '--model',
      'gru',
      '--hidden',
      '8',
      '--embedding',
      '4',
      '--batch',
      '4',
      '--seq-length',
      '8',
      '--iters',
      '2',
      '--sample-every',
      '0',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /training gru 2x8 \(embedding 4\), \d+ parameters; batch 4 x seq 8; adam lr 0.002 constant, clip-norm 5; 2 threads; validation: last 10% of the text/,
    );
  });

  it('refuses unknown presets, naming the ones there are', () => {
    const p = charrnn('train', corpusFile, '--preset', 'nope');
    assert.equal(p.status, 2);
    assert.match(
      p.stderr,
      /--preset.*'nope'.*min-char-rnn, char-lstm, char-gru, shakespeare-5min, shakespeare-30min/,
    );
  });
});
