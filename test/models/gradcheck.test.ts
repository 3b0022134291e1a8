// Finite-difference gradient check of every parameter of every model kind: centered differences (the
// fourth-order stencil, so truncation stays far below the tolerance with embeddings of N(0,1)) of the
// forward-only loss against lossAndGrad's dtheta (float64, ref backend, dropout off, B=2, T=5, non-zero
// carried states). Prints the largest relative error and where.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModel } from '../../src/models/index.js';
import { MT19937 } from '../../src/rng.js';
import { gradCheck, label, type Small, show, smallModel, GRADCHECK_TOL as TOL } from './helpers.js';

const CASES: Small[] = [];
for (const kind of ['rnn', 'lstm', 'gru'] as const) {
  for (const layers of [1, 2]) for (const embedding of [0, 4]) CASES.push({ kind, layers, embedding });
  // B=2, T=5 folds the embedding into layer 0's input projection (V = 5 <= TB/2); B=1, T=4 does not
  CASES.push({ kind, layers: 2, embedding: 4, batch: 1, seqLength: 4 });
}

describe('gradient check: every parameter, centered differences', () => {
  for (const c of CASES) {
    it(`${label(c)} B=${c.batch ?? 2} T=${c.seqLength ?? 5}: max relative error < ${TOL.rel}`, () => {
      const model = smallModel(c, 3);
      const { worst, nonzero } = gradCheck(model, new MT19937(11));
      console.log(`  ${label(c)}: ${model.numParams} params, worst ${show(worst)}`);
      assert.ok(nonzero > model.numParams * 0.9, `too many zero gradients: ${nonzero}/${model.numParams}`);
      assert.ok(worst.err < TOL.rel, show(worst));
    });
  }
});

describe("gradient check: the seed's configuration (one layer, one stream, one-hot, the seed's init)", () => {
  it(`rnn H=7 V=5 T=6: max relative error < ${TOL.rel}`, () => {
    const model = createModel('rnn', {
      vocabSize: 5,
      hidden: 7,
      layers: 1,
      embedding: 0,
      batch: 1,
      seqLength: 6,
      dropout: 0,
      dtype: 'f64',
      backend: 'ref',
      init: 'seed',
    });
    model.init(new MT19937(3));
    model.kernels.scale(model.theta, 30, model.numParams); // 0.01 * randn is nearly linear: make it bend
    const { worst, nonzero } = gradCheck(model, new MT19937(12));
    console.log(`  rnn: ${model.numParams} params, worst ${show(worst)}`);
    assert.ok(nonzero > model.numParams * 0.5, `too many zero gradients: ${nonzero}/${model.numParams}`);
    assert.ok(worst.err < TOL.rel, show(worst));
  });
});
