// Parity with the seed's numpy program: golden numbers recorded by ../shared/reference/golden.py
// (seed 1, sorted vocabulary) on test/fixtures/min-char-rnn-corpus.txt.
import assert from 'node:assert/strict';
import { before, describe as group, it } from 'node:test';
import { corpusFromString } from '../src/data/text.js';
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { initRnnParams, lossFun, RNN_PARAM_NAMES, type RnnParams } from '../src/models/rnn.js';
import { MT19937 } from '../src/rng.js';
import { Trainer } from '../src/training/trainer.js';
import { compareSummary, describe, golden, type Worst, worstOf } from './helpers/golden.js';
import { seedModel } from './helpers/seed-model.js';

/** Named tolerances, relative (issue: init 1e-12, first step 1e-10, losses of iterations 0-9 1e-6). */
const TOL = { init: 1e-12, firstStep: 1e-10, earlyLosses: 1e-6 } as const;

const corpus = corpusFromString(golden.corpus);
const H = 100;
const V = corpus.vocab.size;
const T = 25;
const fs = golden.first_step;

before(async () => {
  await initKernels();
});

function worstGrad(grads: RnnParams, h: ArrayLike<number>): Worst {
  const ws = RNN_PARAM_NAMES.map((n) => compareSummary(grads[n], fs[`d${n}`], `d${n}`));
  ws.push(compareSummary(h, fs.hprev, 'hprev'));
  return ws.reduce((a, b) => (b.rel > a.rel ? b : a));
}

function seededParams(): RnnParams<Float64Array> {
  const p: RnnParams<Float64Array> = {
    Wxh: new Float64Array(H * V),
    Whh: new Float64Array(H * H),
    Why: new Float64Array(V * H),
    bh: new Float64Array(H),
    by: new Float64Array(V),
  };
  initRnnParams(p, new MT19937(golden.seed));
  return p;
}

group('numpy parity (seed 1)', () => {
  it('vocabulary and first window match the reference', () => {
    assert.equal(corpus.vocab.toString(), golden.vocab);
    assert.deepEqual(Array.from(corpus.ids.subarray(0, T)), fs.inputs);
    assert.deepEqual(Array.from(corpus.ids.subarray(1, T + 1)), fs.targets);
  });

  it(`initial weights: randn(H,V)*0.01, randn(H,H)*0.01, randn(V,H)*0.01 within ${TOL.init}`, () => {
    const p = seededParams();
    const w = ['Wxh', 'Whh', 'Why'].map((n) => compareSummary(p[n as 'Wxh'], golden.init[n as 'Wxh'], n));
    const worst = w.reduce((a, b) => (b.rel > a.rel ? b : a));
    console.log(`  init: ${describe(worst)}`);
    assert.ok(worst.rel <= TOL.init, describe(worst));
  });

  it(`reference lossFun: first step loss, gradients and hidden state within ${TOL.firstStep}`, () => {
    const p = seededParams();
    const r = lossFun(p, fs.inputs, fs.targets, new Float64Array(H), 5);
    const worst = worstOf([['loss', r.loss, fs.loss]]);
    const g = worstGrad(r.grads, r.h);
    const w = g.rel > worst.rel ? g : worst;
    console.log(`  reference first step: ${describe(w)}`);
    assert.ok(w.rel <= TOL.firstStep, describe(w));
  });

  for (const backend of ['ref', 'wasm'] as const) {
    it(`${backend} f64 fast path: first step within ${TOL.firstStep}`, (t) => {
      if (backend === 'wasm' && !wasmAvailable()) return t.skip('wasm backend not built');
      const m = seedModel(H, V, T, 'f64', backend);
      m.setParams(seededParams());
      const loss = m.lossAndGrad(fs.inputs, fs.targets);
      m.model.kernels.clip(m.model.dtheta, 5, m.model.numParams);
      const w0 = worstOf([['loss', loss, fs.loss]]);
      const g = worstGrad(m.grads(), m.hprev());
      const w = g.rel > w0.rel ? g : w0;
      console.log(`  ${backend} f64 first step: ${describe(w)}`);
      assert.ok(w.rel <= TOL.firstStep, describe(w));
    });

    it(`${backend} f64 trainer: losses of iterations 0-9 within ${TOL.earlyLosses}, the first sample identical`, (t) => {
      if (backend === 'wasm' && !wasmAvailable()) return t.skip('wasm backend not built');
      const trainer = Trainer.create(corpus, { seed: golden.seed, dtype: 'f64', backend });
      const rows = golden.trajectory.rows;
      const pairs: [string, number, number][] = [];
      let firstSample = '';
      for (let i = 0; i < 10; i++) {
        const e = trainer.step();
        if (e.sample !== undefined) firstSample = e.sample;
        pairs.push([`loss[${i}]`, e.loss, rows[i][1]], [`smoothLoss[${i}]`, e.smoothLoss, rows[i][2]]);
      }
      const w = worstOf(pairs);
      console.log(`  ${backend} f64 iterations 0-9: ${describe(w)}`);
      assert.ok(w.rel <= TOL.earlyLosses, describe(w));
      const wantSample = golden.stdout.split('\n----\n')[0].slice('----\n '.length, -1);
      assert.equal(firstSample, wantSample.slice(0, 200), 'first sample differs from numpy');
    });
  }
});
