// The explicit validation split (`--val-file`): layText cut at a given point instead of the last
// valFraction, and the trainer holding out exactly ids[valFrom:], whatever valFraction says. The two texts
// are told apart by their symbols (the training text has only 'a'..'e', the validation text only 'V'..'Z'),
// so any window that crossed the split would show it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digestOf, layText, makeStreams, splitAt, TextTooShort, valStart } from '../../src/data/streams.js';
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

describe('a text too short for its windows', () => {
  // each text named as it is, with the whole advice of a new run (hint) and what a resume, whose --batch
  // and --seq-length stay, can still change about the split (splitRemedy): what the CLI prints on resume
  const ids = (n: number) => corpusFromString('abcde'.repeat(40).slice(0, n)).ids;
  const layout = (B: number, T: number, valFraction: number) => ({
    batch: B,
    seqLength: T,
    valFraction,
    windowing: 'streams' as const,
  });
  const refusal =
    (message: string, hint: string, splitRemedy: string) =>
    (e: unknown): boolean => {
      assert.ok(e instanceof TextTooShort, `a TextTooShort, got ${e}`);
      assert.deepEqual([e.message, e.hint, e.splitRemedy, e.kind], [message, hint, splitRemedy, 'input']);
      return true;
    };

  it('the whole text, without validation: a longer text, or smaller windows; nothing about a split', () => {
    assert.throws(
      () => layText(ids(10), layout(2, 5, 0)),
      refusal(
        'the text has 10 characters, but 2 streams of seq-length 5 need at least 11',
        'use a longer text, or a smaller --batch or --seq-length',
        '',
      ),
    );
  });

  it('the training split of a fraction: or a smaller --val-fraction', () => {
    // 21 characters, half held out: 11 train, too few for a window of 15
    assert.throws(
      () => layText(ids(21), layout(1, 15, 0.5)),
      refusal(
        'the training split has 11 characters, but a window of seq-length 15 needs at least 16',
        'use a longer text, or a smaller --batch, --seq-length or --val-fraction',
        ', or a smaller --val-fraction',
      ),
    );
  });

  it('the validation split of a fraction, too short or empty: or a larger --val-fraction', () => {
    const hint =
      'use a longer text, or a smaller --batch or --seq-length, or a larger --val-fraction (or a longer --val-file)';
    const remedy = ', or a larger --val-fraction (or a longer --val-file)';
    assert.throws(
      () => layText(ids(100), layout(1, 8, 0.05)),
      refusal(
        'the validation split has 5 characters, but a window of seq-length 8 needs at least 9',
        hint,
        remedy,
      ),
    );
    // a fraction that holds out no character of this text is refused, not a run without validation
    assert.throws(
      () => layText(ids(100), layout(1, 8, 0.005)),
      refusal(
        'the validation split (--val-fraction 0.005) has 0 characters, but a window of seq-length 8 needs at least 9',
        hint,
        remedy,
      ),
    );
  });

  it('two texts given apart (--val-file): the training text and the validation text, no fraction to change', () => {
    assert.throws(
      () => layText(ids(100), layout(1, 8, 0.5), 5),
      refusal(
        'the training text has 5 characters, but a window of seq-length 8 needs at least 9',
        'use a longer text, or a smaller --batch or --seq-length',
        '',
      ),
    );
    assert.throws(
      () => layText(ids(100), layout(1, 8, 0.5), 95),
      refusal(
        'the validation text has 5 characters, but a window of seq-length 8 needs at least 9',
        'use a longer validation text, or a smaller --batch or --seq-length',
        ' (or a longer validation text)',
      ),
    );
  });

  it('a split point outside the text is a usage error that says what to give', () => {
    assert.throws(
      () => splitAt(ids(10), 11),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'usage' &&
        e.line ===
          "the validation split must start within the text's 10 characters, got 11; give valFrom, the index of its first character, from 1 to the length of the text",
    );
  });
});

describe("the validation split's fingerprint", () => {
  /** FNV-1a, 32 bits, over the length and then every id, computed apart in BigInt arithmetic. */
  const fnv1a = (a: readonly number[]) => {
    let h = 0x811c9dc5n ^ BigInt(a.length);
    for (const x of a) h = ((h ^ BigInt(x)) * 0x01000193n) & 0xffffffffn;
    return h.toString(16).padStart(8, '0');
  };
  const digest = (a: number[]) => digestOf(makeStreams(Uint16Array.from(a), 1, 1, 'streams', 'x'));

  it('is FNV-1a over the ids and their length, 8 hex digits, leading zeros kept', () => {
    for (const a of [
      [0, 1, 2],
      [2, 2, 1, 2], // a fingerprint that starts with 0
      Array.from(corpus.ids.subarray(valFrom)),
    ]) {
      const want = fnv1a(a);
      assert.equal(digest(a), want, `ids ${a.slice(0, 8)}`);
      assert.match(want, /^[0-9a-f]{8}$/);
    }
    assert.equal(fnv1a([2, 2, 1, 2]), '05086646');
  });

  it('tells apart texts that differ in their last character, or in length only', () => {
    assert.notEqual(digest([3, 1, 4, 1]), digest([3, 1, 4, 2]));
    assert.notEqual(digest([0, 0]), digest([0, 0, 0]));
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
