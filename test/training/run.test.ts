// The run loop: the order of its events (steps, evaluations spread one window at a time, the best and
// periodic checkpoints, the last evaluation before the last checkpoint), its limits (iterations, training
// time), a stop in the middle of an evaluation, and checkpoints taken while an evaluation holds the model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { layText } from '../../src/data/streams.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { finishPhrase, type RunEvent, RunLoop } from '../../src/training/run.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const corpus = corpusFromString(golden.corpus.repeat(3));
const small = (over: Partial<TrainConfig>) =>
  presetConfig('char-gru', {
    layers: 1,
    hidden: 8,
    embedding: 4,
    batch: 2,
    seqLength: 8,
    sampleEvery: 0,
    seed: 1,
    backend: 'ref',
    ...over,
  });

/** The events of a whole run, steps shown as 's', evaluation windows as 'e'. */
function trace(loop: RunLoop, limit = 100_000): string[] {
  const out: string[] = [];
  for (let e = loop.next(); e && out.length < limit; e = loop.next()) out.push(show(e));
  return out;
}

function show(e: RunEvent): string {
  switch (e.type) {
    case 'step':
      return 's';
    case 'evaluating':
      return 'e';
    case 'evaluation':
      return `evaluation@${e.iter}${e.best ? '*' : ''}`;
    case 'checkpoint':
      return `checkpoint:${e.reason}@${e.iter}`;
    case 'finished':
      return `finished:${e.reason}@${e.iter}`;
  }
}

/** Runs of steps and evaluation windows collapsed: 's×4', 'e×13'. */
function collapse(events: string[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if ((e === 's' || e === 'e') && last?.startsWith(e)) {
      const n = Number(last.split('×')[1] ?? 1);
      out[out.length - 1] = `${e}×${n + 1}`;
    } else out.push(e);
  }
  return out;
}

describe('run loop', () => {
  it('evaluates every evalEvery, saves every saveEvery and the best, and evaluates last before the last save', () => {
    const t = Trainer.create(corpus, small({ iters: 10, evalEvery: 4, saveEvery: 5 }));
    const events = collapse(trace(new RunLoop(t, { checkpoints: true })));
    const windows = t.evaluate().characters / (2 * 8); // windows of the validation split
    const e = windows > 1 ? [`e×${windows - 1}`] : [];
    assert.deepEqual(events, [
      's×4',
      ...e,
      'evaluation@4*',
      'checkpoint:best@4',
      's',
      'checkpoint:every@5',
      's×3',
      ...e,
      'evaluation@8*',
      'checkpoint:best@8',
      's×2',
      'checkpoint:every@10',
      ...e,
      'evaluation@10*',
      'checkpoint:best@10',
      'checkpoint:final@10',
      'finished:iters@10',
    ]);
  });

  it('without checkpoints asked for, makes none; evalAtStart evaluates before the first step', () => {
    const t = Trainer.create(corpus, small({ iters: 3, evalEvery: 100 }));
    const events = collapse(trace(new RunLoop(t, { evalAtStart: true }))).filter((x) => !x.startsWith('e×'));
    assert.deepEqual(events, ['evaluation@0*', 's×3', 'evaluation@3*', 'finished:iters@3']);
  });

  it('reports finished only after the last event, and then returns nothing more', () => {
    const loop = new RunLoop(Trainer.create(corpus, small({ iters: 2, valFraction: 0 })));
    const seen: string[] = [];
    for (let e = loop.next(); e; e = loop.next()) {
      assert.equal(loop.finished, false, `finished before '${show(e)}' was handled`);
      seen.push(show(e));
    }
    assert.deepEqual(seen, ['s', 's', 'finished:iters@2']);
    assert.equal(loop.finished, true, 'a host looping while !finished would never stop');
    assert.equal(loop.next(), undefined);
  });

  it('stops at the time limit of training time, and decays a cosine over it', () => {
    const t = Trainer.create(
      corpus,
      small({ timeLimit: 0.3, schedule: 'cosine', lrFloor: 0.1, valFraction: 0 }),
    );
    const { lr, lrFloor } = t.config;
    // each step's lr is the cosine at the share of the time limit used before that step (not a bound on
    // the last one, which depends on how long a step takes on a loaded machine)
    const shares: number[] = [];
    const loop = new RunLoop(t);
    for (let before = t.trainSeconds, e = loop.next(); e; before = t.trainSeconds, e = loop.next()) {
      if (e.type !== 'step') continue;
      const share = Math.min(1, before / 0.3);
      const want = lr * lrFloor + 0.5 * (lr - lr * lrFloor) * (1 + Math.cos(Math.PI * share));
      assert.ok(
        Math.abs(e.lr - want) <= 1e-12 * lr,
        `step ${e.iter}: lr ${e.lr}, the cosine at ${share} is ${want}`,
      );
      shares.push(share);
    }
    assert.ok(t.trainSeconds >= 0.3 && t.trainSeconds < 0.6, `${t.trainSeconds} s`);
    assert.equal(shares[0], 0);
    assert.ok(shares.at(-1)! > 0.5, `the last step started at ${shares.at(-1)} of the time limit`);
  });

  // a run of 0.2 s of training time that spends more time on each step's report (an evaluation, or a
  // sample of 2,000 characters) than on its training: the wall time is several times the training time
  for (const [what, settings] of [
    ['evaluations', { valFraction: 0.5, evalEvery: 1, batch: 4, seqLength: 32 }],
    ['the periodic samples', { valFraction: 0, sampleEvery: 1, sampleLength: 2000 }],
  ] as const) {
    it(`--time-limit counts training time only: ${what} excluded`, () => {
      const t = Trainer.create(corpus, small({ timeLimit: 0.2, hidden: 48, ...settings }));
      const started = performance.now();
      const events = trace(new RunLoop(t));
      const wall = (performance.now() - started) / 1000;
      assert.match(events.at(-1)!, /^finished:time@/);
      assert.ok(t.trainSeconds >= 0.2 && t.trainSeconds < 0.3, `trained ${t.trainSeconds} s`);
      assert.ok(wall > 3 * t.trainSeconds, `wall ${wall} s against ${t.trainSeconds} s of training`);
    });
  }

  it('a stop during an evaluation abandons it, puts the training states back and saves them', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 5 }));
    const loop = new RunLoop(t, { checkpoints: true });
    let e = loop.next();
    while (e && e.type !== 'evaluating') e = loop.next();
    assert.ok(e, 'an evaluation started');
    const training = t.snapshot().state;
    // a checkpoint taken now holds the training states, not the evaluation's
    assert.deepEqual(readCheckpoint(t.toCheckpoint()).state, training);
    loop.stop();
    const rest = trace(loop);
    assert.deepEqual(rest, [`checkpoint:final@5`, 'finished:stopped@5']);
    assert.deepEqual(t.model.getState(), training);
    assert.equal(loop.next(), undefined);
  });

  it("a checkpoint's parts are views of the live state that make, in order, the whole file", async () => {
    await initKernels();
    const t = Trainer.create(corpus, small({ iters: 6, saveEvery: 3, optimizer: 'adam', backend: 'wasm' }));
    const loop = new RunLoop(t, { checkpoints: true });
    let e = loop.next();
    while (e && e.type !== 'checkpoint') e = loop.next();
    assert.ok(e?.type === 'checkpoint', 'a checkpoint came');
    const whole = t.toCheckpoint();
    const joined = Buffer.concat(e.parts.map((p) => Buffer.from(p)));
    assert.ok(joined.equals(Buffer.from(whole)), 'the parts, in order, are the file toCheckpoint() writes');
    assert.ok(Buffer.from(e.bytes).equals(joined), 'bytes is the same file');
    // no copy of the parameters or of Adam's moments: some parts share the model's memory
    const theta = t.model.theta;
    assert.ok(
      e.parts.some((p) => p.buffer === theta.buffer),
      'the parameters are written from the model itself',
    );
    const saved = readCheckpoint(joined);
    assert.equal(saved.progress.iter, 3);
    assert.equal(saved.slots.size, 2);
    // the next checkpoint's bytes, read only after the loop moved on, are refused, not a mix of two states
    let next = loop.next();
    while (next && next.type !== 'checkpoint') next = loop.next();
    assert.ok(next?.type === 'checkpoint');
    loop.next();
    assert.throws(() => next.bytes, /first read after the next event was asked for/);
  });

  it('an evaluation that only ties the best is not the best (a resumed page evaluates at start)', () => {
    const t = Trainer.create(corpus, small({ iters: 1, evalEvery: 100 }));
    t.bestValLoss = t.evaluate().valLoss; // what a checkpoint of these weights would hold
    const events = collapse(trace(new RunLoop(t, { evalAtStart: true, checkpoints: true })));
    assert.equal(
      events.find((e) => e.startsWith('evaluation@0')),
      'evaluation@0',
      'a tie is marked best',
    );
    assert.ok(!events.includes('checkpoint:best@0'), `a tie writes a best checkpoint: ${events.join(' ')}`);
  });

  it('names the time limit as the reason when it ends a run that also has an iteration limit', () => {
    const t = Trainer.create(corpus, small({ iters: 1_000_000, timeLimit: 0.05, valFraction: 0 }));
    assert.equal(trace(new RunLoop(t)).at(-1), `finished:time@${t.iter}`);
  });

  it('a stop between steps starts no evaluation, even with a validation split of one window', () => {
    const config = small({ iters: 100, evalEvery: 1000, valFraction: 0.008 });
    const { val } = layText(corpus.ids, config);
    assert.equal(val?.windows, 1, 'the test needs a one-window validation split');
    const t = Trainer.create(corpus, config);
    const loop = new RunLoop(t, { checkpoints: true });
    for (let i = 0; i < 3; i++) loop.next();
    loop.stop();
    assert.deepEqual(trace(loop), ['checkpoint:final@3', 'finished:stopped@3']);
  });

  it('with saveEvery 0, saves only the best and the last', () => {
    const t = Trainer.create(corpus, small({ iters: 7, evalEvery: 100, saveEvery: 0 }));
    const events = collapse(trace(new RunLoop(t, { checkpoints: true }))).filter((x) => !x.startsWith('e×'));
    assert.deepEqual(events, [
      's×7',
      'evaluation@7*',
      'checkpoint:best@7',
      'checkpoint:final@7',
      'finished:iters@7',
    ]);
  });

  it('evaluates after every step with --eval-every 1, the first step included', () => {
    const t = Trainer.create(corpus, small({ iters: 3, evalEvery: 1 }));
    const evals = trace(new RunLoop(t)).filter((e) => e.startsWith('evaluation'));
    assert.deepEqual(evals, ['evaluation@1*', 'evaluation@2*', 'evaluation@3*']);
  });

  it('an evaluation that does not improve on the best is not marked best and writes no best checkpoint', () => {
    const t = Trainer.create(corpus, small({ iters: 4, evalEvery: 2 }));
    t.bestValLoss = 0; // nothing beats a loss of 0
    const events = collapse(trace(new RunLoop(t, { checkpoints: true }))).filter(
      (e) => !/^[es]×|^s$/.test(e),
    );
    assert.deepEqual(events, ['evaluation@2', 'evaluation@4', 'checkpoint:final@4', 'finished:iters@4']);
    assert.equal(t.bestValLoss, 0);
  });

  it('a step that diverges ends the run: next() throws once, then reports the end', () => {
    const t = Trainer.create(
      corpus,
      small({
        optimizer: 'adagrad',
        lr: 1e6,
        clip: Infinity,
        clipNorm: Infinity,
        valFraction: 0,
        iters: 500,
      }),
    );
    const loop = new RunLoop(t);
    assert.throws(() => {
      for (let e = loop.next(); e; e = loop.next());
    }, /training diverged at iteration \d+/);
    assert.equal(loop.finished, true);
    assert.equal(loop.next(), undefined);
  });

  it('checkLimits names the limit a finished run has reached, and is quiet before', () => {
    const t = Trainer.create(corpus, small({ iters: 2 }));
    new RunLoop(t).checkLimits();
    trace(new RunLoop(t));
    assert.throws(
      () => new RunLoop(t).checkLimits(),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'usage' &&
        /^the run is already at iteration 2, as far as --iters 2 goes; give a larger --iters/.test(e.line),
    );
    const timed = Trainer.create(corpus, small({ timeLimit: 5 }));
    new RunLoop(timed).checkLimits();
    timed.trainSeconds = 5;
    assert.throws(() => new RunLoop(timed).checkLimits(), /as far as --time-limit 5 goes/);
  });

  it('says when the limit is reached before it starts', () => {
    const t = Trainer.create(corpus, small({ iters: 2 }));
    trace(new RunLoop(t));
    assert.equal(new RunLoop(t).limitReached, true);
  });
});

describe('--patience: early stopping', () => {
  /** The events of a run without its steps and evaluation windows. */
  const milestones = (loop: RunLoop) => trace(loop).filter((e) => e !== 's' && e !== 'e');

  it('ends the run after that many evaluations in a row without a better validation loss', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 2, patience: 3 }));
    t.bestValLoss = 0; // nothing beats a loss of 0
    assert.deepEqual(milestones(new RunLoop(t, { checkpoints: true })), [
      'evaluation@2',
      'evaluation@4',
      'evaluation@6',
      'checkpoint:final@6',
      'finished:patience@6',
    ]);
    assert.deepEqual([t.iter, t.evalsSinceBest], [6, 3]);
    // 0: never
    const never = Trainer.create(corpus, small({ iters: 10, evalEvery: 2, patience: 0 }));
    never.bestValLoss = 0;
    assert.equal(milestones(new RunLoop(never)).at(-1), 'finished:iters@10');
  });

  it('counts again from 0 after an evaluation that beats the best, and records where the best was', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 1, patience: 2 }));
    const loop = new RunLoop(t);
    // evaluations 1..5 made to improve, not, improve, not, not (by what they are compared with)
    const improves = [true, false, true, false, false];
    let evaluations = 0;
    t.bestValLoss = Infinity;
    const seen: string[] = [];
    for (let e = loop.next(); e; e = loop.next()) {
      if (e.type === 'evaluation') {
        seen.push(show(e));
        evaluations++;
        if (evaluations < improves.length) t.bestValLoss = improves[evaluations] ? Infinity : 0;
      }
      if (e.type === 'finished') seen.push(show(e));
    }
    assert.deepEqual(seen, [
      'evaluation@1*',
      'evaluation@2',
      'evaluation@3*',
      'evaluation@4',
      'evaluation@5',
      'finished:patience@5',
    ]);
    assert.equal(t.bestValIter, 3);
  });

  it('a checkpoint keeps the count and where the best was: a resumed run goes on counting', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 2, patience: 3 }));
    for (let i = 0; i < 2; i++) t.step();
    t.evaluate(); // the best, at iteration 2
    t.bestValLoss = 0;
    for (let i = 0; i < 4; i++) t.step();
    t.evaluate();
    t.evaluate(); // two that do not beat it
    const bytes = t.toCheckpoint();
    const p = readCheckpoint(bytes).progress;
    assert.deepEqual([p.bestValIter, p.evalsSinceBest, p.bestValLoss], [2, 2, 0]);
    const resumed = Trainer.fromCheckpoint(bytes, corpus);
    assert.deepEqual([resumed.bestValIter, resumed.evalsSinceBest], [2, 2]);
    assert.deepEqual(milestones(new RunLoop(resumed)), ['evaluation@8', 'finished:patience@8']);
    // another validation split on resume: the best and its count start again
    const other = Trainer.fromCheckpoint(bytes, corpus, { valFraction: 0.2 });
    assert.deepEqual([other.bestValLoss, other.bestValIter, other.evalsSinceBest], [Infinity, 0, 0]);
  });

  it('a resume on another validation text forgets the best (which no longer compares); on the same, keeps it', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 2, patience: 3 }));
    for (let i = 0; i < 2; i++) t.step();
    t.evaluate(); // the best, at iteration 2
    t.evaluate(); // one that does not beat it
    const best = t.bestValLoss;
    const bytes = t.toCheckpoint();
    const digest = readCheckpoint(bytes).progress.valDigest;
    assert.match(String(digest), /^[0-9a-f]{8}$/, 'the checkpoint keeps the split it was given');
    // the same text: everything kept
    const same = Trainer.fromCheckpoint(bytes, corpus);
    assert.deepEqual([same.bestValLoss, same.bestValIter, same.evalsSinceBest], [best, 2, 1]);
    assert.equal(same.bestForgotten, undefined);
    // another text with the same training part and a validation part one character different, split at the
    // same point: the best starts over, and the host hears what was forgotten
    const n = corpus.ids.length;
    const valFrom = n - Math.floor(n / 10);
    const ids = corpus.ids.slice();
    ids[n - 3] = ids[n - 3] === ids[0] ? ids[1]! : ids[0]!;
    const changed = { ids, vocab: corpus.vocab };
    const kept = Trainer.fromCheckpoint(bytes, corpus);
    kept.setData(corpus, { valFrom });
    assert.equal(kept.bestForgotten, undefined, 'the same split given by its start');
    const other = Trainer.fromCheckpoint(bytes);
    other.setData(changed, { valFrom });
    assert.deepEqual([other.bestValLoss, other.bestValIter, other.evalsSinceBest], [Infinity, 0, 0]);
    assert.deepEqual(other.bestForgotten, { loss: best, iter: 2 });
    assert.notEqual(readCheckpoint(other.toCheckpoint()).progress.valDigest, digest);
    // a file from before the fingerprint was kept: nothing to compare with, so the best stays
    const { valDigest: _d, ...older } = readCheckpoint(bytes).progress;
    const legacy = Trainer.restore({ ...readCheckpoint(bytes), progress: older });
    legacy.setData(changed, { valFrom });
    assert.deepEqual([legacy.bestValLoss, legacy.bestForgotten], [best, undefined]);
  });

  it('names where the best was, and counts evaluations in the plural', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 2, patience: 3 }));
    const loop = new RunLoop(t);
    for (let e = loop.next(); e && !(e.type === 'evaluation' && e.iter === 4); e = loop.next());
    assert.equal(t.bestValIter, 4);
    t.bestValLoss = 0; // not beaten again: 6, 8 and 10 are the three evaluations in a row
    trace(loop);
    assert.throws(
      () => new RunLoop(t).checkLimits(),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.line.startsWith(
          'the run stopped early at iteration 10: 3 evaluations in a row have not beaten its best ' +
            'validation loss (0.0000 at iteration 4), and --patience is 3; ',
        ),
    );
  });

  it('checkLimits: a run stopped early says so and how to go on; --patience needs a validation split', () => {
    const t = Trainer.create(corpus, small({ iters: 100, evalEvery: 2, patience: 1 }));
    t.bestValLoss = 0;
    trace(new RunLoop(t));
    assert.throws(
      () => new RunLoop(t).checkLimits(),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'usage' &&
        /^the run stopped early at iteration 2: 1 evaluation has not beaten its best validation loss \(0\.0000\), and --patience is 1; give a larger --patience, or 0/.test(
          e.line,
        ),
    );
    const more = Trainer.fromCheckpoint(t.toCheckpoint(), corpus, { patience: 2 });
    new RunLoop(more).checkLimits();
    const noVal = Trainer.create(corpus, small({ iters: 100, valFraction: 0, patience: 2 }));
    assert.throws(
      () => new RunLoop(noVal).checkLimits(),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'usage' &&
        e.line ===
          '--patience 2 watches the validation loss, but there is no validation split; set --val-fraction above 0, or give --val-file',
    );
  });
});

describe('finishPhrase', () => {
  it('says each reason a run finished, as a host writes it after "It"', () => {
    assert.deepEqual((['iters', 'time', 'patience', 'stopped'] as const).map(finishPhrase), [
      'reached --iters',
      'reached --time-limit',
      'stopped early (--patience: the validation loss stopped improving)',
      'was stopped',
    ]);
  });
});
