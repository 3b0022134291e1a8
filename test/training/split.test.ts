// The explicit validation split (`--val-file`): layText cut at a given point instead of the last
// valFraction, and the trainer holding out exactly ids[valFrom:], whatever valFraction says. The two texts
// are told apart by their symbols (the training text has only 'a'..'e', the validation text only 'V'..'Z'),
// so any window that crossed the split would show it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { layText, makeStreams, splitAt, valStart } from '../../src/data/streams.js';
import { corpusFromString, type IdArray, remapCorpus } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import { evaluateStreams } from '../../src/training/evaluate.js';
import { presetConfig } from '../../src/training/presets.js';
import { type DataSplit, Trainer } from '../../src/training/trainer.js';

const trainText = 'abcde'.repeat(41); // 205 characters
const valText = 'VWXYZ'.repeat(13).slice(0, 63); // 63 characters
const corpus = corpusFromString(trainText + valText);
const valFrom = trainText.length;
const N = corpus.ids.length;
const isTrainId = (id: number) => 'abcde'.includes(corpus.vocab.char(id));
const isValId = (id: number) => 'VWXYZ'.includes(corpus.vocab.char(id));

/** Every id a stream set can feed (inputs and targets): ids[0 .. B*L]. */
const fed = (ids: IdArray, B: number, L: number) => Array.from(ids.subarray(0, B * L + 1));

const open: Trainer[] = [];
before(async () => {
  await initKernels();
});
after(() => {
  for (const t of open) t.close();
});

function trainer(B: number, T: number, split: DataSplit, valFraction = 0.5): Trainer {
  const t = Trainer.create(
    corpus,
    presetConfig('char-gru', {
      layers: 1,
      hidden: 6,
      embedding: 3,
      batch: B,
      seqLength: T,
      valFraction,
      sampleEvery: 0,
      seed: 1,
      backend: 'ref',
      dtype: 'f64',
      threads: 1,
    }),
    undefined,
    split,
  );
  open.push(t);
  return t;
}

describe('layText at a split point', () => {
  it('cuts exactly at valFrom: the splits are disjoint views that meet, of the exact sizes', () => {
    for (const [B, T] of [
      [1, 5],
      [3, 4],
      [2, 30],
    ]) {
      const c = { batch: B, seqLength: T, valFraction: 0.5, windowing: 'streams' as const };
      const { train, val } = layText(corpus.ids, c, valFrom);
      assert.ok(val);
      assert.equal(train.ids.length, valFrom);
      assert.equal(val.ids.length, N - valFrom);
      assert.equal(train.ids.byteOffset + train.ids.byteLength, val.ids.byteOffset, 'they meet, no overlap');
      assert.ok(fed(train.ids, B, train.L).every(isTrainId), 'the training windows hold only training text');
      assert.ok(fed(val.ids, B, val.L).every(isValId), 'the validation windows hold only validation text');
      assert.equal(val.L, Math.floor((N - valFrom - 1) / B));
      assert.equal(val.windows, Math.floor(val.L / T));
    }
  });

  it('without a split point, is the last valFraction, as before', () => {
    const c = { batch: 2, seqLength: 5, valFraction: 0.25, windowing: 'streams' as const };
    assert.equal(valStart(N, 0.25), N - Math.floor(N * 0.25));
    assert.equal(layText(corpus.ids, c).val!.ids.length, Math.floor(N * 0.25));
    assert.equal(layText(corpus.ids, c, N).val, undefined, 'a split at the end: no validation');
  });

  it('refuses a split point outside the text', () => {
    for (const bad of [-1, N + 1, 2.5, Number.NaN])
      assert.throws(() => splitAt(corpus.ids, bad), CharrnnError);
  });
});

describe('the trainer with an explicit validation range', () => {
  it('evaluates exactly the windows of ids[valFrom:], and valFraction is ignored', () => {
    const B = 3;
    const T = 4;
    const t = trainer(B, T, { valFrom });
    const r = t.evaluate();
    const L = Math.floor((N - valFrom - 1) / B);
    assert.equal(r.characters, Math.floor(L / T) * B * T, 'the validation text: every window of its streams');
    // the same weights over streams the test cuts from the validation text alone
    const valIds = remapCorpus(corpusFromString(valText), corpus.vocab);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const gen = evaluateStreams(t.model, makeStreams(valIds, B, T, 'streams', 'v'), inputs, targets);
    let own = gen.next();
    while (!own.done) own = gen.next();
    assert.equal(own.value.characters, r.characters);
    assert.equal(own.value.valLoss, r.valLoss);
  });

  it('trains on exactly ids[:valFrom]: a pass has the training text’s windows, then wraps', () => {
    const B = 2;
    const T = 5;
    const t = trainer(B, T, { valFrom });
    const windows = makeStreams(corpus.ids.subarray(0, valFrom), B, T, 'streams', 'x').windows;
    assert.equal(windows, Math.floor(Math.floor((valFrom - 1) / B) / T));
    for (let i = 0; i <= windows; i++) assert.equal(t.step().wrapped, i % windows === 0, `step ${i}`);
  });

  it('setData takes the split again (as a resume does), and a split at the end means no validation', () => {
    const t = trainer(1, 5, {}, 0);
    assert.equal(t.hasValidation, false);
    t.setData(corpus, { valFrom });
    assert.equal(t.hasValidation, true);
    assert.equal(t.evaluate().characters, Math.floor((N - valFrom - 1) / 5) * 5);
    t.setData(corpus, { valFrom: N });
    assert.equal(t.hasValidation, false);
  });

  it('a validation text too short for the streams is one line that names it', () => {
    // given apart (as --val-file gives it), so the hint is not --val-fraction's
    assert.throws(
      () => trainer(4, 20, { valFrom }),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /^the validation text has 63 characters, but 4 streams .*; use a longer validation text, or a smaller --batch or --seq-length$/.test(
          e.line,
        ),
    );
  });
});
