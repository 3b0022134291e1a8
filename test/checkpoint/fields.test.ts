// Every field of a checkpoint's metadata is checked on reading, version 2 and version 1 alike: a field
// missing, of the wrong type or out of range is refused with one line that names it, and values at the
// edge of the range are accepted. Also the one encoding of numbers JSON cannot spell.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { jsonNumber, readCheckpoint, toJson } from '../../src/checkpoint/format.js';
import { decodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { Trainer } from '../../src/training/trainer.js';

const corpus = corpusFromString('the quick brown fox jumps over the lazy dog. '.repeat(8));

/** The file with its header edited (the data kept). */
function edit(
  bytes: Uint8Array,
  change: (h: Record<string, Record<string, unknown>>, m: Record<string, string>) => void,
) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  change(header, header.__metadata__);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

/** A JSON metadata field changed by `f`. */
const json =
  (key: string, f: (v: Record<string, unknown>) => unknown) => (_h: unknown, m: Record<string, string>) => {
    m[key] = JSON.stringify(f(JSON.parse(m[key])));
  };

const refused = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(
    () => Trainer.fromCheckpoint(bytes, corpus, {}, 'ckpt'),
    (e: unknown) =>
      e instanceof CharrnnError &&
      /^ckpt is not a valid charrnn checkpoint: /.test(e.message) &&
      pattern.test(e.message) &&
      !e.line.includes('\n'),
    `expected ${pattern}`,
  );

describe('version 2: every metadata field is checked', () => {
  const t = Trainer.create(corpus, {
    model: 'lstm',
    hidden: 6,
    seqLength: 8,
    dropout: 0.2,
    seed: 2,
    backend: 'ref',
  });
  t.step();
  const good = t.toCheckpoint();

  it('the file as written loads', () => {
    assert.equal(Trainer.fromCheckpoint(good, corpus).iter, 1);
  });

  const cases: [string, Parameters<typeof edit>[1], RegExp][] = [
    ['no format', (_h, m) => delete m.format, /does not name the charrnn format/],
    [
      'another model than its config',
      (_h, m) => (m.model = 'gru'),
      /metadata 'model' \(gru\) does not match its config/,
    ],
    ['no config', (_h, m) => delete m.config, /metadata 'config' is missing/],
    ['a config that is not JSON', (_h, m) => (m.config = '{'), /metadata 'config' is not valid JSON/],
    ['a config that is a list', (_h, m) => (m.config = '[]'), /metadata 'config' is not a JSON object/],
    [
      'a progress that is a number',
      (_h, m) => (m.progress = '3'),
      /metadata 'progress' is not a JSON object/,
    ],
    [
      'a fractional iteration',
      json('progress', (p) => ({ ...p, iter: 1.5 })),
      /'iter' is not a whole number/,
    ],
    // (a position missing is not known yet: test/fuzz/regressions.test.ts, version 1 recipes saved again)
    [
      'a negative position',
      json('progress', (p) => ({ ...p, position: -1 })),
      /'position' is not a whole number/,
    ],
    [
      'a smooth loss that is text',
      json('progress', (p) => ({ ...p, smoothLoss: 'low' })),
      /'smoothLoss' is not a valid number/,
    ],
    [
      'a negative best validation loss',
      json('progress', (p) => ({ ...p, bestValLoss: -1 })),
      /'bestValLoss' is not a valid number/,
    ],
    [
      'an infinite training time',
      json('progress', (p) => ({ ...p, trainSeconds: 'Infinity' })),
      /'trainSeconds' is not a valid number/,
    ],
    [
      'a negative training time',
      json('progress', (p) => ({ ...p, trainSeconds: -2 })),
      /'trainSeconds' is not a valid number/,
    ],
    [
      'a best iteration that is fractional',
      json('progress', (p) => ({ ...p, bestValIter: 0.5 })),
      /'bestValIter'/,
    ],
    [
      'a best iteration after the last iteration',
      json('progress', (p) => ({ ...p, bestValIter: 2 })),
      /progress 'bestValIter' is 2, after its 'iter' 1/,
    ],
    [
      'a negative count of evaluations since the best',
      json('progress', (p) => ({ ...p, evalsSinceBest: -1 })),
      /'evalsSinceBest'/,
    ],
    [
      'a validation fingerprint that is not 8 hex digits',
      json('progress', (p) => ({ ...p, valDigest: '0123456G' })),
      /progress 'valDigest' is not 8 hex digits/,
    ],
    [
      'a validation fingerprint that is a number',
      json('progress', (p) => ({ ...p, valDigest: 12345678 })),
      /progress 'valDigest' is not 8 hex digits/,
    ],
    [
      'optimizer steps that are NaN',
      json('progress', (p) => ({ ...p, optimizerSteps: 'NaN' })),
      /'optimizerSteps'/,
    ],
    [
      'an RNG of 623 words',
      json('rng', (r) => ({ ...r, mt: (r.mt as number[]).slice(1) })),
      /'rng' is not a valid RNG state/,
    ],
    [
      'an RNG word above 2^32 - 1',
      json('rng', (r) => ({ ...r, mt: [2 ** 32, ...(r.mt as number[]).slice(1)] })),
      /'rng'/,
    ],
    [
      'an RNG word below 0',
      json('rng', (r) => ({ ...r, mt: [-1, ...(r.mt as number[]).slice(1)] })),
      /'rng'/,
    ],
    ['an RNG position past 624', json('rng', (r) => ({ ...r, pos: 625 })), /'rng'/],
    ['an RNG position below 0', json('rng', (r) => ({ ...r, pos: -1 })), /'rng'/],
    ['an RNG hasGauss that is not a boolean', json('rng', (r) => ({ ...r, hasGauss: 1 })), /'rng'/],
    ['an RNG gauss that is text', json('rng', (r) => ({ ...r, gauss: 'x' })), /'rng'/],
    ['an RNG that is a list', (_h, m) => (m.rng = '[]'), /'rng'/],
    ['dropout RNGs that are not a list', (_h, m) => (m.dropoutRngs = '{}'), /'dropoutRngs' is not a list/],
    ['no dropout RNGs in the list', (_h, m) => (m.dropoutRngs = '[]'), /'dropoutRngs' is not a list/],
    [
      'a broken dropout RNG',
      (_h, m) => (m.dropoutRngs = '[{"mt":[]}]'),
      /'dropoutRngs' is not a valid RNG state/,
    ],
    ['an empty vocabulary', (_h, m) => (m.vocab = '[]'), /vocabulary is not a list of code points/],
    [
      'a code point past U+10FFFF',
      (_h, m) => (m.vocab = '[32, 1114112]'),
      /vocabulary is not a list of code points/,
    ],
    ['a negative code point', (_h, m) => (m.vocab = '[-1, 32]'), /vocabulary is not a list of code points/],
    [
      'a fractional code point',
      (_h, m) => (m.vocab = '[32, 33.5]'),
      /vocabulary is not a list of code points/,
    ],
    ['an unsorted vocabulary', (_h, m) => (m.vocab = '[33, 32]'), /vocabulary is not sorted and unique/],
    ['a state tensor in F32', (h) => (h.state.dtype = 'F32'), /'state' is not a F64 vector|data size/],
    ['no state tensor', (h) => delete h.state, /tensor 'state' is missing|gap|bytes after/],
  ];
  for (const [what, change, pattern] of cases)
    it(`refuses ${what}`, () => refused(edit(good, change), pattern));

  it('a file from before --patience (no bestValIter, no evalsSinceBest) loads with both at 0', () => {
    const written = JSON.parse(decodeSafetensors(good).metadata.progress!);
    assert.ok('bestValIter' in written && 'evalsSinceBest' in written, 'the file as written has both');
    const older = edit(
      good,
      json('progress', ({ bestValIter: _i, evalsSinceBest: _n, ...p }) => p),
    );
    const t2 = Trainer.fromCheckpoint(older, corpus);
    assert.deepEqual([t2.iter, t2.bestValIter, t2.evalsSinceBest], [1, 0, 0]);
  });

  it('accepts the edges of every range: code points 0 and U+10FFFF, RNG position 0 and 624, a best loss of 0', () => {
    const t2 = Trainer.create(corpusFromString('\u0000a\u{10FFFF}'.repeat(20)), {
      hidden: 4,
      seqLength: 5,
      seed: 1,
    });
    const edges = edit(t2.toCheckpoint(), (_h, m) => {
      const p = JSON.parse(m.progress);
      p.bestValLoss = 0;
      m.progress = JSON.stringify(p);
    });
    for (const pos of [0, 624]) {
      const ck = readCheckpoint(
        edit(
          edges,
          json('rng', (r) => ({ ...r, pos })),
        ),
      );
      assert.deepEqual([ck.vocab.codePoints[0], ck.vocab.codePoints.at(-1), ck.rng.pos], [0, 0x10ffff, pos]);
      assert.equal(ck.progress.bestValLoss, 0);
    }
  });
});

describe('a Checkpoint object is checked like a file', () => {
  // Trainer.restore takes a Checkpoint a program may have built or edited: its progress is held to the
  // ranges readCheckpoint holds a file's to, one line naming the field
  const t = Trainer.create(corpus, { hidden: 6, seqLength: 8, seed: 2, backend: 'ref', dtype: 'f64' });
  t.step();
  const ck = readCheckpoint(t.toCheckpoint());
  const restore = (progress: Record<string, unknown>) =>
    Trainer.restore({ ...ck, progress: { ...ck.progress, ...progress } }, undefined, {}, 'ckpt');

  const cases: [Record<string, unknown>, string][] = [
    [{ iter: -1 }, "progress 'iter' is -1, not a whole number"],
    [{ position: 0.5 }, "progress 'position' is 0.5, not a whole number"],
    [{ optimizerSteps: Number.NaN }, "progress 'optimizerSteps' is NaN, not a whole number"],
    [{ evalsSinceBest: -2 }, "progress 'evalsSinceBest' is -2, not a whole number"],
    [{ bestValIter: 2 }, "progress 'bestValIter' is 2, after its 'iter' 1"],
    [{ valDigest: 'ABCDEF01' }, "progress 'valDigest' is ABCDEF01, not 8 hex digits"],
    [{ smoothLoss: Number.NaN }, "progress 'smoothLoss' is NaN"],
    [{ smoothLoss: -Infinity }, "progress 'smoothLoss' is -Infinity"],
    [{ bestValLoss: Number.NaN }, "progress 'bestValLoss' is NaN, not a loss"],
    [{ trainSeconds: -1 }, "progress 'trainSeconds' is -1"],
    [{ trainSeconds: Infinity }, "progress 'trainSeconds' is Infinity"],
  ];
  for (const [progress, message] of cases) {
    it(`refuses ${message.replace(/^progress /, '')}`, () => {
      assert.throws(
        () => restore(progress),
        (e: unknown) =>
          e instanceof CharrnnError && e.message === `ckpt is not a valid charrnn checkpoint: ${message}`,
      );
    });
  }

  it('accepts the edges: a best at the last iteration, a best loss of 0, no position yet, a fingerprint', () => {
    const r = restore({
      bestValIter: 1,
      bestValLoss: 0,
      position: undefined,
      valDigest: '0123abcd',
      trainSeconds: 0,
    });
    assert.deepEqual([r.bestValIter, r.bestValLoss, r.valDigest, r.trainSeconds], [1, 0, '0123abcd', 0]);
  });

  it('a carried state beyond the range of float32 is refused for an f32 model only', () => {
    const state = new Float64Array(ck.state.length);
    state[0] = 1e300;
    assert.equal(Trainer.restore({ ...ck, state }).model.getState()[0], 1e300, 'an f64 model carries it');
    const f32 = readCheckpoint(
      Trainer.create(corpus, { hidden: 6, seqLength: 8, seed: 2, backend: 'ref' }).toCheckpoint(),
    );
    const big = new Float64Array(f32.state.length);
    big[0] = 3.4e38; // within float32's range
    assert.equal(Trainer.restore({ ...f32, state: big }).model.getState()[0], Math.fround(3.4e38));
  });
});

describe('version 1: every field is checked too', () => {
  const seed = new Uint8Array(readFileSync(new URL('../fixtures/v1/seed.ckpt', import.meta.url)));
  const lstm = new Uint8Array(readFileSync(new URL('../fixtures/v1/lstm.ckpt', import.meta.url)));
  const cases: [string, Uint8Array, Parameters<typeof edit>[1], RegExp][] = [
    [
      "the seed's with another model",
      seed,
      (_h, m) => (m.model = 'lstm'),
      /model type 'lstm' is not supported/,
    ],
    [
      "the seed's hprev too short",
      seed,
      json('hprev', (h) => (h as unknown as number[]).slice(1)),
      /'hprev' is not 24 numbers/,
    ],
    [
      "the seed's hprev with text",
      seed,
      json('hprev', (h) => ['x', ...(h as unknown as number[]).slice(1)]),
      /'hprev' is not 24 numbers/,
    ],
    ["the seed's hprev not a list", seed, (_h, m) => (m.hprev = '{}'), /'hprev' is not 24 numbers/],
    ["the seed's pointer negative", seed, (_h, m) => (m.pointer = '-25'), /'pointer' is not a whole number/],
    ["the seed's iter missing", seed, (_h, m) => delete m.iter, /'iter' is missing/],
    [
      "the seed's smooth loss text",
      seed,
      (_h, m) => (m.smoothLoss = 'low'),
      /'smoothLoss' is not a valid number/,
    ],
    ["the seed's Wxh in F64", seed, (h) => (h.Wxh.dtype = 'F64'), /'Wxh' is F64, expected F32|data size/],
    [
      "the seed's Adagrad memory missing",
      seed,
      (h) => delete h.mWhy,
      /tensor 'mWhy' is missing|gap|bytes after/,
    ],
    [
      "a recipe's optimizer state of the wrong length",
      lstm,
      (h) => (h['optim.m'].shape = [3]),
      /'optim\.m'|data size/,
    ],
    [
      "a recipe's dropout RNGs not a list",
      lstm,
      (_h, m) => (m.dropoutRngs = '{}'),
      /'dropoutRngs' is not a list/,
    ],
    [
      "a recipe's training time negative",
      lstm,
      (_h, m) => (m.trainSeconds = '-1'),
      /'trainSeconds' is not a valid number/,
    ],
    ["a recipe's model unlike its config", lstm, (_h, m) => (m.model = 'gru'), /does not match its config/],
  ];
  for (const [what, bytes, change, pattern] of cases)
    it(`refuses ${what}`, () => refused(edit(bytes, change), pattern));

  it('keeps a version-1 cosine without a length as that release ran it: down to the floor right after the warmup', () => {
    const cosine = edit(lstm, (_h, m) => {
      const c = JSON.parse(m.config);
      Object.assign(c, { schedule: 'cosine', decayIters: 0, timeLimit: 0, warmup: 3, lrFloor: 0.25 });
      m.config = JSON.stringify(c);
    });
    const ck = readCheckpoint(cosine);
    assert.equal(ck.config.decayIters, 4);
    const t = Trainer.restore({ ...ck, progress: { ...ck.progress, iter: 0 } }, undefined, { threads: 1 });
    const lrs = [0, 1, 2, 3, 4, 5].map((iter) => {
      t.iter = iter;
      return t.lr;
    });
    const lr = ck.config.lr;
    assert.deepEqual(
      lrs.map((x) => x / lr),
      [1 / 3, 2 / 3, 1, 1, 0.25, 0.25],
    );
  });
});

describe('numbers JSON cannot spell', () => {
  it('are written as words and read back as numbers; other values are left as they are', () => {
    const text = toJson({ a: Infinity, b: -Infinity, c: Number.NaN, d: 1.5, e: 'Infinity', f: [Infinity] });
    assert.equal(text, '{"a":"Infinity","b":"-Infinity","c":"NaN","d":1.5,"e":"Infinity","f":["Infinity"]}');
    const back = JSON.parse(text) as Record<string, unknown>;
    assert.equal(jsonNumber(back.a), Infinity);
    assert.equal(jsonNumber(back.b), -Infinity);
    assert.ok(Number.isNaN(jsonNumber(back.c)));
    assert.equal(jsonNumber(back.d), 1.5);
    assert.equal(jsonNumber('infinity'), undefined);
    assert.equal(jsonNumber(true), undefined);
    assert.equal(jsonNumber(null), undefined);
  });
});
