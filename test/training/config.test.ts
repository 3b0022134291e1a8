// The one configuration's checks, in-process (src/training/config.ts): what every library user, the CLI
// and the page go through. The ranges users are shown, spot-checked by hand; the checking itself swept
// over every setting of the table (each bound, each kind of wrong value); text parsing; how a preset and
// overrides combine and the settings that depend on each other; and what a resumed run may change.
// (The CLI's tests reach the same code through dist/, which mutation testing cannot see: these are the
// tests that fail when a check here is dropped.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CharrnnError, shownValue } from '../../src/errors.js';
import { MODEL_KINDS } from '../../src/models/types.js';
import {
  type ConfigKey,
  checkOption,
  DEFAULTS,
  describeRange,
  OPTIONS,
  optionName,
  optionSpec,
  parseOption,
  resolveConfig,
  resumeChanges,
  type TrainConfig,
} from '../../src/training/config.js';

/** Asserts fn throws a usage error with exactly this message (and this hint, when given). */
function refuses(fn: () => unknown, message: string, hint?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CharrnnError, `a CharrnnError, not ${String(e)}`);
    assert.equal(e.kind, 'usage');
    assert.equal(e.message, message);
    if (hint !== undefined) assert.equal(e.hint, hint);
    return true;
  });
}

/** Every setting: what it accepts, as a user reads it, and what a resumed run may do with it. */
const TABLE: Record<ConfigKey, [string, 'free' | 'fixed' | 'new']> = {
  model: ['one of rnn, lstm, gru', 'fixed'],
  layers: ['an integer >= 1 and <= 64', 'fixed'],
  hidden: ['an integer >= 1 and <= 16384', 'fixed'],
  embedding: ['an integer >= 0 and <= 16384', 'fixed'],
  dropout: ['a number >= 0 and <= 0.99', 'free'],
  init: ['one of torch, seed', 'new'],
  dtype: ['one of f32, f64', 'fixed'],
  batch: ['an integer >= 1 and <= 65536', 'fixed'],
  seqLength: ['an integer >= 1 and <= 100000', 'fixed'],
  valFraction: ['a number >= 0 and <= 0.9', 'free'],
  windowing: ['one of streams, seed, shifted', 'fixed'],
  optimizer: ['one of sgd, adagrad, rmsprop, adam, adamw', 'fixed'],
  lr: ['a number > 0 and <= 1000000', 'free'],
  clip: ['a number > 0, or off', 'free'],
  clipNorm: ['a number > 0, or off', 'free'],
  weightDecay: ['a number >= 0 and <= 1', 'free'],
  schedule: ['one of constant, cosine, linear, step', 'free'],
  warmup: ['an integer >= 0', 'free'],
  lrFloor: ['a number >= 0 and <= 1', 'free'],
  decayIters: ['an integer >= 0', 'free'],
  gamma: ['a number > 0 and <= 1', 'free'],
  stepEvery: ['an integer >= 1', 'free'],
  iters: ['an integer >= 0', 'free'],
  timeLimit: ['a number >= 0', 'free'],
  evalEvery: ['an integer >= 1', 'free'],
  evalChars: ['an integer >= 0', 'free'],
  patience: ['an integer >= 0', 'free'],
  saveEvery: ['an integer >= 0', 'free'],
  sampleEvery: ['an integer >= 0', 'free'],
  sampleLength: ['an integer >= 0 and <= 10000000', 'free'],
  sampleStart: ['one of zero, carried', 'free'],
  lossUnit: ['one of char, window', 'fixed'],
  smoothing: ['a number > 0 and <= 1', 'free'],
  seed: ['an integer >= 0 and <= 4294967295', 'new'],
  backend: ['one of wasm, ref', 'free'],
  threads: ['an integer >= 0 and <= 256', 'free'],
};

describe('the ranges a user is shown', () => {
  it('name the bounds, strict or not, and off where a setting can be turned off', () => {
    assert.deepEqual(
      OPTIONS.map((s) => s.key),
      Object.keys(TABLE),
      'every setting, in the order of TrainConfig',
    );
    for (const spec of OPTIONS) assert.equal(describeRange(spec), TABLE[spec.key][0], spec.key);
    assert.equal(describeRange(optionSpec('model')), `one of ${MODEL_KINDS.join(', ')}`);
  });

  it('name a setting by its flag, or by its key where it has none', () => {
    assert.equal(optionName('seqLength'), '--seq-length');
    assert.equal(optionName('clipNorm'), '--clip-norm');
    assert.equal(optionName('smoothing'), 'smoothing');
    assert.equal(optionName('hiden' as ConfigKey), 'hiden', 'an unknown key as it is');
    refuses(() => optionSpec('hiden' as ConfigKey), "unknown setting 'hiden'");
  });
});

describe('checkOption, over every setting of the table', () => {
  for (const spec of OPTIONS) {
    const { key } = spec;
    const name = optionName(key);
    const bad = (value: unknown) =>
      refuses(
        () => checkOption(key, value),
        `${name} must be ${describeRange(spec)}, got ${shownValue(value)}`,
      );
    const ok = (value: unknown) => assert.doesNotThrow(() => checkOption(key, value), `${name} ${value}`);

    it(`${name}: its bounds, its kind, and values of the wrong type`, () => {
      if (spec.optional) ok(undefined);
      else bad(undefined);
      bad(null);
      bad(true);
      bad({});
      if (spec.type === 'choice') {
        for (const choice of spec.choices!) ok(choice);
        bad('nope');
        bad(spec.choices![0]!.toUpperCase());
        bad(` ${spec.choices![0]}`);
        bad(0);
        return;
      }
      const int = spec.type === 'int';
      bad(Number.NaN);
      bad('1');
      bad(Number.NEGATIVE_INFINITY);
      if (spec.infinity) ok(Number.POSITIVE_INFINITY);
      else bad(Number.POSITIVE_INFINITY);
      if (spec.min !== undefined) {
        if (spec.above) {
          bad(spec.min);
          ok(int ? spec.min + 1 : spec.min + 1e-9);
        } else {
          ok(spec.min);
          bad(int ? spec.min - 1 : spec.min - 1e-9);
        }
      }
      if (spec.max !== undefined) {
        ok(spec.max);
        bad(int ? spec.max + 1 : spec.max + 1e-9);
      }
      const low = spec.min === undefined ? 0 : spec.above ? spec.min + 1 : spec.min;
      if (int) {
        if (spec.max === undefined || low + 1 <= spec.max) bad(low + 0.5);
        if (spec.max === undefined) {
          ok(2 ** 53 - 1);
          bad(2 ** 53);
        }
      } else if (spec.max === undefined || low + 0.5 <= spec.max) ok(low + 0.5);
    });
  }
});

describe('parseOption: a setting from text', () => {
  it('trims, reads numbers, and turns off with off, inf or Infinity where a setting can be off', () => {
    assert.equal(parseOption('hidden', ' 12 '), 12);
    assert.equal(parseOption('lr', '1e-3'), 0.001);
    for (const off of ['off', 'OFF', 'inf', 'Infinity', ' infinity '])
      assert.equal(parseOption('clip', off), Infinity);
    assert.equal(parseOption('model', ' lstm '), 'lstm');
  });

  it('refuses text that is not a value, naming the setting and the text as given', () => {
    refuses(
      () => parseOption('hidden', '12abc'),
      "--hidden must be an integer >= 1 and <= 16384, got '12abc'",
    );
    refuses(() => parseOption('hidden', ''), "--hidden must be an integer >= 1 and <= 16384, got ''");
    refuses(() => parseOption('hidden', ' '), "--hidden must be an integer >= 1 and <= 16384, got ' '");
    refuses(() => parseOption('hidden', 'off'), "--hidden must be an integer >= 1 and <= 16384, got 'off'");
    refuses(() => parseOption('clip', 'offset'), "--clip must be a number > 0, or off, got 'offset'");
    refuses(() => parseOption('clip', 'xoff'), "--clip must be a number > 0, or off, got 'xoff'");
    refuses(() => parseOption('lr', '0'), '--lr must be a number > 0 and <= 1000000, got 0');
    refuses(() => parseOption('hidden', '2.5'), '--hidden must be an integer >= 1 and <= 16384, got 2.5');
    refuses(
      () => parseOption('model', 'LSTM'),
      `--model must be one of ${MODEL_KINDS.join(', ')}, got 'LSTM'`,
    );
    refuses(
      () => parseOption('hidden', 12 as unknown as string),
      'parseOption parses text: give the value of hidden as a string, got 12',
    );
  });
});

describe('resolveConfig: the defaults or a preset, overrides on top, checked together', () => {
  it("defaults to the seed's configuration", () => {
    const c = resolveConfig();
    assert.deepEqual(c, { ...DEFAULTS });
    assert.equal(c.model, 'rnn');
    assert.equal(c.hidden, 100);
    assert.equal(c.seqLength, 25);
    assert.equal(c.lr, 0.1);
    assert.equal(c.optimizer, 'adagrad');
    assert.equal(c.clip, 5);
  });

  it('takes the overrides over the base, and keeps the base where an override is undefined', () => {
    const c = resolveConfig({ hidden: 50, layers: undefined } as unknown as Partial<TrainConfig>, {
      hidden: 64,
      layers: 2,
      model: 'gru',
    });
    assert.equal(c.hidden, 50);
    assert.equal(c.layers, 2);
    assert.equal(c.model, 'gru');
    assert.equal(c.seqLength, DEFAULTS.seqLength);
  });

  it('refuses an unknown key in either, by name, and a value out of range in either', () => {
    const known = `known settings: ${OPTIONS.map((s) => s.key).join(', ')}`;
    refuses(() => resolveConfig({ hiden: 5 } as Partial<TrainConfig>), "unknown setting 'hiden'", known);
    refuses(() => resolveConfig({}, { hiden: 5 } as Partial<TrainConfig>), "unknown setting 'hiden'", known);
    const zero = '--hidden must be an integer >= 1 and <= 16384, got 0';
    refuses(() => resolveConfig({ hidden: 0 }), zero);
    refuses(() => resolveConfig({}, { hidden: 0 }), zero);
    refuses(() => resolveConfig({ hidden: 0 }, { hidden: 8 }), zero);
    assert.equal(resolveConfig({ hidden: 8 }, { hidden: 0 }).hidden, 8, "the base's bad value is overridden");
  });

  it('refuses a batch that does not split over the threads', () => {
    refuses(
      () => resolveConfig({ batch: 6, threads: 4 }),
      '--batch 6 does not split evenly over --threads 4',
      'make the batch a multiple of the threads',
    );
    assert.equal(resolveConfig({ batch: 8, threads: 4 }).threads, 4);
    assert.equal(resolveConfig({ batch: 7, threads: 1 }).threads, 1);
    assert.equal(resolveConfig({ batch: 7, threads: 0 }).threads, 0, '0: as many as divide the batch');
  });

  it('refuses a decaying schedule without a length to decay over, and a decay no longer than the warmup', () => {
    for (const schedule of ['cosine', 'linear'] as const) {
      refuses(
        () => resolveConfig({ schedule }),
        `a ${schedule} schedule needs a length to decay over`,
        'give --decay-iters, --iters or --time-limit',
      );
      assert.equal(resolveConfig({ schedule, iters: 100 }).schedule, schedule);
      assert.equal(resolveConfig({ schedule, timeLimit: 60 }).schedule, schedule);
      assert.equal(resolveConfig({ schedule, decayIters: 50 }).schedule, schedule);
      refuses(
        () => resolveConfig({ schedule, decayIters: 10, warmup: 10 }),
        '--decay-iters 10 must be longer than --warmup 10',
      );
      refuses(
        () => resolveConfig({ schedule, decayIters: 10, warmup: 20 }),
        '--decay-iters 10 must be longer than --warmup 20',
      );
      assert.equal(resolveConfig({ schedule, decayIters: 11, warmup: 10 }).warmup, 10);
      assert.equal(
        resolveConfig({ schedule, iters: 100, warmup: 10 }).warmup,
        10,
        'decayIters 0: over --iters',
      );
    }
    for (const schedule of ['constant', 'step'] as const) {
      assert.equal(resolveConfig({ schedule }).schedule, schedule, 'no length needed');
      assert.equal(resolveConfig({ schedule, decayIters: 5, warmup: 10 }).warmup, 10, 'no decay to outlast');
    }
  });
});

describe('resumeChanges: what a resumed run may change', () => {
  const saved = resolveConfig({ model: 'lstm', hidden: 32, batch: 4, seqLength: 16, seed: 3, init: 'torch' });

  it('lets the free settings change and refuses the others, as the table says', () => {
    for (const spec of OPTIONS) {
      const key = spec.key;
      const was = saved[key];
      const candidates =
        spec.type === 'choice'
          ? spec.choices!
          : [1, 2, 0.5, 7, 0.25, ...(typeof was === 'number' ? [was + 1, was / 2] : [])];
      const value = candidates.find((v) => {
        if (Object.is(v, was)) return false;
        try {
          checkOption(key, v);
          return true;
        } catch {
          return false;
        }
      });
      assert.ok(value !== undefined, `a value for ${key}`);
      const change = () => resumeChanges(saved, { [key]: value } as Partial<TrainConfig>);
      const onResume = TABLE[key][1];
      if (onResume === 'free') assert.deepEqual(change(), [key], `${key} ${was} -> ${value}`);
      else assert.throws(change, CharrnnError, `${key} ${was} -> ${value} is refused (${onResume})`);
    }
  });

  it('lists the free settings that change, and not those given their saved value or undefined', () => {
    assert.deepEqual(resumeChanges(saved, {}), []);
    assert.deepEqual(resumeChanges(saved, { hidden: 32, model: 'lstm', seed: 3, lr: saved.lr }), []);
    assert.deepEqual(
      resumeChanges(saved, { hidden: undefined, seed: undefined } as unknown as Partial<TrainConfig>),
      [],
    );
    assert.deepEqual(resumeChanges(saved, { lr: 0.5, dropout: 0.2, threads: 2 }), [
      'lr',
      'dropout',
      'threads',
    ]);
  });

  it('refuses a setting that defines the model, naming the saved value, the new one and why', () => {
    const fixed = 'drop that option, or start a new model';
    refuses(
      () => resumeChanges(saved, { hidden: 64 }),
      'the checkpoint was trained with --hidden 32; it cannot be changed to 64 on resume, because it defines the weights',
      fixed,
    );
    refuses(
      () => resumeChanges(saved, { model: 'gru' }),
      'the checkpoint was trained with --model lstm; it cannot be changed to gru on resume, because it defines the weights',
      fixed,
    );
    refuses(
      () => resumeChanges(saved, { optimizer: 'sgd' }),
      'the checkpoint was trained with --optimizer adagrad; it cannot be changed to sgd on resume, because the checkpoint holds its state',
      fixed,
    );
    // not started (an import): the layout may change, what defines the weights may not
    refuses(
      () => resumeChanges(saved, { hidden: 64 }, false),
      'the checkpoint was trained with --hidden 32; it cannot be changed to 64 on resume, because it defines the weights',
    );
  });

  it('lets the batch and the window length change only before the first step', () => {
    refuses(
      () => resumeChanges(saved, { batch: 8 }),
      'the checkpoint was trained with --batch 4; it cannot be changed to 8 on resume, because it cuts the text into the streams whose states the run carries',
    );
    refuses(
      () => resumeChanges(saved, { seqLength: 32 }),
      'the checkpoint was trained with --seq-length 16; it cannot be changed to 32 on resume, because the run is part way through the windows it cuts',
    );
    assert.deepEqual(resumeChanges(saved, { batch: 8, seqLength: 32 }, false), ['batch', 'seqLength']);
  });

  it('refuses settings that only apply to a new model, and unknown ones', () => {
    refuses(
      () => resumeChanges(saved, { seed: 4 }),
      '--seed only applies to a new model',
      'the checkpoint carries its RNG state; drop --seed',
    );
    refuses(
      () => resumeChanges(saved, { init: 'seed' }),
      '--init only applies to a new model',
      'drop --init',
    );
    refuses(() => resumeChanges(saved, { seed: 4 }, false), '--seed only applies to a new model');
    refuses(() => resumeChanges(saved, { bogus: 1 } as Partial<TrainConfig>), "unknown setting 'bogus'");
  });
});
