// The trainer, the optimizer and the text's layout at their edges: what happens without a text or a
// validation split, on divergence, on resume (threads without a host, another validation fraction, another
// text), the best validation loss, the default prime, closing worker threads, the optimizer's state, the
// shortest text a run accepts, and the progress an evaluation reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { layText, makeStreams, splitAt } from '../../src/data/streams.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { RefKernels } from '../../src/kernels/ref.js';
import { nodeHost } from '../../src/node/threads.js';
import type { Host } from '../../src/training/build.js';
import type { TrainConfig } from '../../src/training/config.js';
import { evaluateStreams } from '../../src/training/evaluate.js';
import { Optimizer } from '../../src/training/optim.js';
import { presetConfig } from '../../src/training/presets.js';
import { forgottenPhrase, Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const corpus = corpusFromString(golden.corpus.repeat(3));
const small = (over: Partial<TrainConfig> = {}) =>
  presetConfig('char-gru', {
    layers: 1,
    hidden: 8,
    embedding: 4,
    batch: 2,
    seqLength: 8,
    sampleEvery: 0,
    seed: 5,
    backend: 'ref',
    threads: 1,
    ...over,
  });

describe('the trainer at its edges', () => {
  it('a new trainer changed nothing on resume, and trains batch * seq-length characters a step', () => {
    const t = Trainer.create(corpus, small({ batch: 3, seqLength: 7 }));
    assert.deepEqual(t.changedOnResume, []);
    assert.equal(t.charsPerStep, 21);
  });

  it('step() needs a text, and evaluation() a validation split', () => {
    const t = Trainer.fromCheckpoint(Trainer.create(corpus, small()).toCheckpoint());
    assert.throws(
      () => t.step(),
      (e: unknown) => e instanceof CharrnnError && /has no training text/.test(e.message),
    );
    const noVal = Trainer.create(corpus, small({ valFraction: 0 }));
    assert.equal(noVal.hasValidation, false);
    assert.throws(
      () => noVal.evaluate(),
      (e: unknown) => e instanceof CharrnnError && /no validation split/.test(e.line),
    );
  });

  it('a diverging step says so, with the kind the CLI exits on and what to do', () => {
    const t = Trainer.create(
      corpus,
      small({ optimizer: 'adagrad', lr: 1e6, clip: Infinity, clipNorm: Infinity }),
    );
    assert.throws(
      () => {
        for (let i = 0; i < 500; i++) t.step();
      },
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'diverged' &&
        /^training diverged at iteration \d+: the loss is/.test(e.message) &&
        /lower --lr/.test(e.hint),
    );
  });

  it('the best validation loss stays the lowest seen, through a worse evaluation', () => {
    const t = Trainer.create(corpus, small());
    const first = t.evaluate().valLoss;
    t.bestValLoss = first / 2;
    t.evaluate();
    assert.equal(t.bestValLoss, first / 2);
  });

  it('resuming without a host goes on in one thread; another --val-fraction or --eval-chars forgets the best loss', () => {
    const saved = { ...readCheckpoint(Trainer.create(corpus, small()).toCheckpoint()) };
    const ck = {
      ...saved,
      config: { ...saved.config, threads: 2 },
      progress: { ...saved.progress, bestValLoss: 1.5 },
    };
    const same = Trainer.restore(ck, corpus);
    assert.equal(same.config.threads, 1);
    assert.equal(same.bestValLoss, 1.5);
    const other = Trainer.restore(ck, corpus, { valFraction: 0.2 });
    assert.deepEqual(other.changedOnResume, ['valFraction']);
    assert.equal(other.bestValLoss, Infinity);
    // another part of the split scored: a loss not comparable with the saved best either
    const fewer = Trainer.restore(ck, corpus, { evalChars: 64 });
    assert.deepEqual(fewer.changedOnResume, ['evalChars']);
    assert.equal(fewer.bestValLoss, Infinity);
    assert.equal(Trainer.restore(ck, corpus, { evalChars: ck.config.evalChars }).bestValLoss, 1.5);
  });

  it('resuming with a host: an explicit --threads wins over the file, and without one the file keeps its count', () => {
    const two = Trainer.create(corpus, small({ batch: 4, threads: 2 }), nodeHost);
    two.step();
    const bytes = two.toCheckpoint();
    two.close();
    const one = Trainer.fromCheckpoint(bytes, corpus, { threads: 1 }, 'x', nodeHost);
    assert.equal(one.config.threads, 1, '--threads 1 on resume');
    one.close();
    const kept = Trainer.fromCheckpoint(bytes, corpus, {}, 'x', nodeHost);
    assert.equal(kept.config.threads, 2, 'the saved count');
    kept.close();
  });

  it('resuming onto another text keeps the position when it fits, and starts the pass over when it does not', () => {
    const t = Trainer.create(corpus, small({ valFraction: 0 }));
    for (let i = 0; i < 5; i++) t.step();
    const bytes = t.toCheckpoint();
    const longer = Trainer.fromCheckpoint(bytes, corpusFromString(golden.corpus.repeat(4)));
    assert.equal(longer.position, 5);
    assert.equal(longer.step().wrapped, false);
    const shorter = Trainer.fromCheckpoint(bytes, corpusFromString(golden.corpus.slice(0, 40)));
    assert.equal(shorter.step().wrapped, true);
  });

  it('without a prime, sampling starts from a newline (or the first symbol when there is none)', () => {
    const t = Trainer.create(corpus, small());
    const from = (prime: string) => {
      t.rng.seed(3);
      return [...t.sample(30, prime)].join('');
    };
    assert.equal(from(''), from('\n'));
    const noNewline = Trainer.create(corpusFromString('abcab'.repeat(40)), small({ valFraction: 0 }));
    noNewline.rng.seed(3);
    const a = [...noNewline.sample(20)].join('');
    noNewline.rng.seed(3);
    assert.equal([...noNewline.sample(20, 'a')].join(''), a);
  });

  it('close() ends the worker threads a host started', () => {
    let started = 0;
    let ended = 0;
    const host: Host = {
      parallelism: 2,
      spawnShard: () => {
        started++;
        return () => {
          ended++;
        };
      },
    };
    const t = Trainer.create(corpus, small({ threads: 2 }), host);
    assert.equal(started, 1);
    t.close();
    assert.equal(ended, 1);
  });
});

describe('the trainer at its limits, and what a host says of them', () => {
  it('refuses a step once the optimizer has counted the most a checkpoint can, whatever the iteration', () => {
    const ck = readCheckpoint(Trainer.create(corpus, small({ optimizer: 'adam' })).toCheckpoint());
    const t = Trainer.restore(
      { ...ck, progress: { ...ck.progress, iter: 1, optimizerSteps: Number.MAX_SAFE_INTEGER } },
      corpus,
    );
    assert.throws(
      () => t.step(),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.message ===
          `this run is at optimizer step ${Number.MAX_SAFE_INTEGER}, the most a checkpoint can count`,
    );
    // nothing moved: what it saves still loads
    assert.equal(readCheckpoint(t.toCheckpoint()).progress.optimizerSteps, Number.MAX_SAFE_INTEGER);
  });

  it('a sample of length 0 is empty, not refused', () => {
    const t = Trainer.create(corpus, small());
    assert.deepEqual([...t.sample(0)], []);
    assert.deepEqual([...t.sample(0, 'the')], []);
  });

  it('a dropout checkpoint of 2 threads resumed in 1 draws from one fresh dropout RNG, and saves one', () => {
    const two = Trainer.create(corpus, small({ batch: 4, threads: 2, dropout: 0.3 }), nodeHost);
    two.step();
    const bytes = two.toCheckpoint();
    two.close();
    assert.equal(readCheckpoint(bytes).dropoutRngs?.length, 2);
    const one = Trainer.fromCheckpoint(bytes, corpus);
    assert.equal(one.config.threads, 1);
    assert.ok(Number.isFinite(one.step().loss));
    assert.equal(readCheckpoint(one.toCheckpoint()).dropoutRngs?.length, 1);
  });

  it('names the forgotten best by its loss to 4 places, and its iteration when it is known', () => {
    assert.equal(
      forgottenPhrase({ loss: 1.234567, iter: 20 }),
      "the validation text is not the checkpoint's, so its best val loss (1.2346 at iteration 20) does not compare: the best starts over",
    );
    assert.equal(
      forgottenPhrase({ loss: 2, iter: 0 }),
      "the validation text is not the checkpoint's, so its best val loss (2.0000) does not compare: the best starts over",
    );
  });

  it('scores a text of 2 characters (one prediction), and refuses 1 with one line', () => {
    const t = Trainer.create(corpus, small());
    assert.equal(t.score(corpusFromString(golden.corpus.slice(0, 2))).characters, 1);
    assert.throws(
      () => t.score(corpusFromString(golden.corpus.slice(0, 1))),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.line === 'the text has 1 character, and scoring needs at least 2; give a longer text',
    );
  });
});

describe('the optimizer state and the text layout at their edges', () => {
  it('the optimizer refuses a state without its step count, or with a slot missing or of the wrong length', () => {
    const k = new RefKernels('f64');
    const model = {
      kernels: k,
      theta: k.alloc(4),
      dtheta: k.alloc(4),
      numParams: 4,
      tensors: [{ name: 'w', shape: [4], offset: 0, size: 4 }],
    };
    const adam = new Optimizer(model, { kind: 'adam' });
    const good = adam.getState();
    adam.setState(good);
    assert.throws(() => adam.setState({ ...good, t: undefined as unknown as number }), /missing t/);
    assert.throws(
      () => adam.setState({ t: 1, m: good.m as Float64Array }),
      /v missing or of the wrong length/,
    );
    assert.throws(
      () => adam.setState({ ...good, m: new Float64Array(3) }),
      /m missing or of the wrong length/,
    );
    assert.deepEqual(Object.keys(new Optimizer(model, { kind: 'sgd' }).getState()), ['t']);
  });

  it('an sgd checkpoint holds no optimizer state', () => {
    const t = Trainer.create(corpus, small({ optimizer: 'sgd' }));
    assert.deepEqual(readCheckpoint(t.toCheckpoint()).slots.size, 0);
  });

  it('the shortest text: B*T+1 characters make one window per stream; one fewer is refused', () => {
    const ids = corpusFromString(golden.corpus.slice(0, 2 * 8 + 1)).ids;
    assert.equal(makeStreams(ids, 2, 8, 'streams', 'x').windows, 1);
    assert.throws(
      () => makeStreams(ids.subarray(1), 2, 8, 'streams', 'x'),
      /has 16 characters, but 2 streams of seq-length 8 need at least 17/,
    );
    assert.throws(
      () => makeStreams(ids.subarray(9), 1, 8, 'streams', 'x'),
      /has 8 characters, but a window of seq-length 8 needs at least 9/,
    );
    assert.throws(
      () => makeStreams(ids.subarray(16), 1, 8, 'streams', 'x'),
      /^CharrnnError: x has 1 character, but a window/,
    );
    // the library's own entry: an empty text is the same kind of one-line error, not a RangeError
    assert.throws(
      () => Trainer.create(corpusFromString(''), small()),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /^the text is empty$/.test(e.message) &&
        /give it some text/.test(e.hint),
    );
  });

  it("the seed's windowing when the stream is an exact number of windows long", () => {
    // 25 characters per stream + 1: the seed's pointer stops one window short of the end
    const ids = corpusFromString(golden.corpus.slice(0, 3 * 5 + 1)).ids;
    assert.equal(makeStreams(ids, 1, 5, 'streams', 'x').windows, 3);
    assert.equal(makeStreams(ids, 1, 5, 'seed', 'x').windows, 2);
  });

  it('a split at 0 or at the end, and none outside the text', () => {
    const ids = corpus.ids;
    assert.equal(splitAt(ids, 0).train.length, 0);
    assert.equal(splitAt(ids, ids.length).val.length, 0);
    assert.throws(() => splitAt(ids, ids.length + 1), CharrnnError);
    assert.throws(() => splitAt(ids, -1), CharrnnError);
  });

  it('an evaluation reports its progress window by window', () => {
    const t = Trainer.create(corpus, small());
    const { val } = layText(corpus.ids, t.config);
    const n = t.charsPerStep;
    const run = evaluateStreams(t.model, val!, new Int32Array(n), new Int32Array(n));
    const fractions: number[] = [];
    for (let r = run.next(); !r.done; r = run.next()) fractions.push(r.value);
    const W = val!.windows;
    assert.deepEqual(
      fractions,
      Array.from({ length: W - 1 }, (_, i) => (i + 1) / W),
    );
  });
});
