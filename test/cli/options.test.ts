// Every option of `charrnn train` and `charrnn sample` is wired: given on the real command line with a value
// that differs from its preset's, it arrives in the run (read back from the checkpoint's configuration, or
// from what the command prints). What each setting then does is measured in test/training/settings.test.ts
// and test/sampling/sample.test.ts; this file proves the flags reach it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { type ConfigKey, OPTIONS, type TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { CLI, type Run, runCli, succeeded } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpusFile = join(dir, 'corpus.txt');
writeFileSync(corpusFile, golden.corpus.repeat(4));
/** long enough for the recipes' 32 streams of 64 characters in the validation split */
const longFile = join(dir, 'long.txt');
writeFileSync(longFile, golden.corpus.repeat(25));

function charrnn(...args: string[]): Run {
  return succeeded(runCli(args, { cwd: dir }), `charrnn ${args.join(' ')}`);
}

/**
 * A value for every flag of the core's table, each unlike the min-char-rnn preset's (which these runs
 * start from), in two compatible runs. --model is checked by the second.
 */
const RUNS: Partial<Record<ConfigKey, string>>[] = [
  {
    layers: '2',
    hidden: '9',
    embedding: '5',
    dropout: '0.15',
    init: 'torch',
    dtype: 'f64',
    batch: '2',
    seqLength: '11',
    valFraction: '0.2',
    optimizer: 'rmsprop',
    lr: '0.004',
    clip: '3',
    clipNorm: '7',
    weightDecay: '0.05',
    schedule: 'step',
    warmup: '2',
    lrFloor: '0.3',
    decayIters: '9',
    gamma: '0.8',
    stepEvery: '4',
    iters: '3',
    timeLimit: '1000',
    evalEvery: '2',
    evalChars: '5000',
    patience: '50',
    saveEvery: '2',
    sampleEvery: '2',
    sampleLength: '13',
    seed: '77',
    backend: 'ref',
    threads: '2',
  },
  { model: 'gru', clip: 'off', iters: '2', hidden: '7', threads: '1' },
];

const flagOf = (key: ConfigKey) => OPTIONS.find((o) => o.key === key)!.flag!;
const configs: TrainConfig[] = [];

before(() => {
  RUNS.forEach((run, i) => {
    const args = Object.entries(run).flatMap(([k, v]) => [flagOf(k as ConfigKey), v as string]);
    charrnn('train', i === 0 ? corpusFile : longFile, ...args, '--save', `run${i}.ckpt`, '--quiet');
    configs.push(readCheckpoint(new Uint8Array(readFileSync(join(dir, `run${i}.ckpt`)))).config);
  });
});

describe('charrnn train: every option arrives in the run', () => {
  it('the runs cover every flag of the table', () => {
    const covered = new Set(RUNS.flatMap((r) => Object.keys(r)));
    assert.deepEqual(
      OPTIONS.filter((o) => o.flag && !covered.has(o.key)).map((o) => o.flag),
      [],
    );
  });
  for (const spec of OPTIONS.filter((o) => o.flag)) {
    it(`${spec.flag}`, () => {
      const i = RUNS.findIndex((r) => r[spec.key] !== undefined);
      const given = RUNS[i][spec.key]!;
      const want = spec.type === 'choice' ? given : given === 'off' ? Infinity : Number(given);
      assert.notEqual(presetConfig('min-char-rnn')[spec.key], want, 'a value unlike the default preset');
      if (spec.key === 'backend') {
        // how a run executes, not what it is: not in the checkpoint; the run says which kernels it uses
        const r = charrnn('train', corpusFile, '--hidden', '8', '--iters', '1', '--backend', given);
        assert.match(r.stderr, new RegExp(`; ${given} f32 kernels`));
        return;
      }
      assert.equal(configs[i][spec.key], want);
    });
  }

  it("--model without --preset starts from that cell's preset; --preset names another", () => {
    const gru = presetConfig('char-gru');
    for (const key of ['layers', 'embedding', 'batch', 'seqLength', 'optimizer', 'lossUnit'] as const) {
      assert.equal(configs[1][key], gru[key], key);
    }
    charrnn(
      'train',
      corpusFile,
      '--preset',
      'char-lstm',
      '--hidden',
      '8',
      '--batch',
      '2',
      '--iters',
      '1',
      '--save',
      'p.ckpt',
      '--quiet',
    );
    const c = readCheckpoint(new Uint8Array(readFileSync(join(dir, 'p.ckpt')))).config;
    assert.equal(c.model, 'lstm');
    assert.equal(c.lr, presetConfig('char-lstm').lr);
  });

  it('--quiet leaves stderr empty; without it, stderr says what is trained', () => {
    const quiet = charrnn('train', corpusFile, '--hidden', '8', '--iters', '2', '--quiet');
    assert.equal(quiet.stderr, '');
    const loud = charrnn('train', corpusFile, '--hidden', '8', '--iters', '2');
    assert.match(loud.stderr, /training rnn 1x8/);
  });

  it('--eval-chars below the validation split: the first line says how much of it an evaluation scores', () => {
    const args = ['--preset', 'char-gru', '--hidden', '8', '--batch', '4', '--iters', '1', '--threads', '1'];
    const part = charrnn('train', longFile, ...args, '--eval-chars', '300');
    assert.match(
      part.stderr,
      /10% of the text \(an evaluation scores 256 of its [\d,]+ characters: --eval-chars\);/,
    );
    const whole = charrnn('train', longFile, ...args);
    assert.doesNotMatch(whole.stderr, /an evaluation scores/);
  });

  it('--log-every prints the smooth loss every N iterations, and --log-file records the same iterations', () => {
    const r = charrnn(
      'train',
      corpusFile,
      '--hidden',
      '8',
      '--iters',
      '10',
      '--log-every',
      '3',
      '--log-file',
      'l.jsonl',
      '--quiet',
    );
    const printed = [...r.stdout.matchAll(/^iter (\d+), loss:/gm)].map((m) => Number(m[1]));
    assert.deepEqual(printed, [0, 3, 6, 9]);
    const logged = readFileSync(join(dir, 'l.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).iter);
    assert.deepEqual(logged, [0, 3, 6, 9]);
  });
});

describe('charrnn sample: every option takes effect', () => {
  before(() => {
    charrnn(
      'train',
      corpusFile,
      '--hidden',
      '24',
      '--iters',
      '400',
      '--seed',
      '2',
      '--save',
      's.ckpt',
      '--quiet',
    );
  });
  const sample = (...args: string[]) => charrnn('sample', 's.ckpt', '--seed', '5', ...args).stdout;

  it('--length: exactly that many characters after the prime', () => {
    for (const n of ['0', '1', '57'])
      assert.equal([...sample('--length', n, '--prime', 'ab')].length, 2 + Number(n) + 1);
  });

  it('--prime and --prime-file: the text starts with it, and they are the same', () => {
    writeFileSync(join(dir, 'prime.txt'), 'The ');
    const a = sample('--length', '30', '--prime', 'The ');
    assert.ok(a.startsWith('The '));
    assert.equal(sample('--length', '30', '--prime-file', 'prime.txt'), a);
  });

  it('--argmax, --top-k 1 and a a --temperature near zero all take the most likely character; the default draws', () => {
    const greedy = sample('--length', '80', '--argmax');
    assert.equal(sample('--length', '80', '--top-k', '1'), greedy);
    assert.equal(sample('--length', '80', '--temperature', '0.00001'), greedy);
    assert.notEqual(sample('--length', '80'), greedy);
    assert.notEqual(sample('--length', '80', '--top-k', '5'), greedy);
  });

  it('--top-p: near 0 takes the most likely character, as --argmax; 1 is the default; between, its own draws', () => {
    const greedy = sample('--length', '80', '--argmax');
    assert.equal(sample('--length', '80', '--top-p', '0.000001'), greedy);
    assert.equal(sample('--length', '80', '--top-p', '1'), sample('--length', '80'));
    const nucleus = sample('--length', '80', '--top-p', '0.7');
    assert.notEqual(nucleus, greedy);
    assert.notEqual(nucleus, sample('--length', '80'));
  });

  it("--num-samples N: N samples separated by a line '----', each from the same state and prime, the RNG going on", () => {
    const out = sample('--length', '40', '--prime', 'ab', '--num-samples', '3');
    const samples = out.split('\n----\n');
    assert.equal(samples.length, 3, out);
    for (const s of samples) {
      assert.ok(s.startsWith('ab'));
      assert.equal([...s.replace(/\n$/, '')].length, 2 + 40, JSON.stringify(s));
    }
    assert.ok(out.endsWith('\n'));
    // the first is what one sample draws; the others differ, as the RNG goes on
    assert.equal(`${samples[0]}\n`, sample('--length', '40', '--prime', 'ab'));
    assert.equal(new Set(samples.map((s) => s.replace(/\n$/, ''))).size, 3);
    // each starts from the same state: with --argmax (no draws) they are all the same
    const greedy = sample('--length', '40', '--prime', 'ab', '--argmax', '--num-samples', '3');
    const one = sample('--length', '40', '--prime', 'ab', '--argmax');
    assert.equal(greedy, [one, one, one].join('----\n'));
  });

  it('--stop TEXT: the sample ends right after the text first appears in what it generated', () => {
    const long = sample('--length', '400', '--prime', 'ab');
    const generated = long.slice(2, -1);
    for (const stop of [generated.slice(30, 32), generated.slice(200, 203), 'ab']) {
      const at = generated.indexOf(stop); // 'ab' (the prime) counts only when generated
      const want = `ab${at < 0 ? generated : generated.slice(0, at + stop.length)}\n`;
      assert.equal(sample('--length', '400', '--prime', 'ab', '--stop', stop), want, JSON.stringify(stop));
    }
    // with --num-samples, each sample stops at its own first 'e' (the corpus's most frequent letter)
    const two = sample('--length', '400', '--prime', 'ab', '--stop', 'e', '--num-samples', '2');
    const parts = two.split('\n----\n');
    assert.equal(parts.length, 2, two);
    for (const s of parts) assert.match(s, /^ab[^e]*e\n?$/);
  });

  it('a bad --top-p, --num-samples or --stop is one line on stderr', () => {
    for (const [args, status, pattern] of [
      [['--top-p', '0'], 2, /--top-p 0: expected a number > 0 and <= 1/],
      [['--top-p', '1.5'], 2, /--top-p 1\.5/],
      [['--num-samples', '0'], 2, /--num-samples 0/],
      [['--stop', ''], 2, /--stop needs a text/],
      [['--stop', '\u{1F642}'], 1, /the --stop text contains .*not in the model's vocabulary/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'sample', 's.ckpt', ...args], {
        encoding: 'utf8',
        cwd: dir,
      });
      assert.equal(r.status, status, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });

  it('--seed: the same seed draws the same text, another another', () => {
    assert.equal(sample('--length', '60'), sample('--length', '60'));
    assert.notEqual(
      charrnn('sample', 's.ckpt', '--seed', '6', '--length', '60').stdout,
      sample('--length', '60'),
    );
  });
});
