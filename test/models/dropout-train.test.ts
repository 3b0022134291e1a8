// Dropout: deterministic for a fixed seed, masks of the right values and rate, off in evaluation.
// Learning: the loss falls on a tiny repetitive corpus with a plain SGD loop over the interface.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModel } from '../../src/models/index.js';
import type { SequenceModel } from '../../src/models/types.js';
import { MT19937 } from '../../src/rng.js';
import { randomIds, smallConfig, smallModel } from './helpers.js';

describe('dropout', () => {
  for (const kind of ['rnn', 'lstm', 'gru'] as const) {
    it(`${kind}: same seed, same losses and gradients; masks are 0 or 1/(1-p) at rate ~p`, () => {
      const c = { kind, layers: 2, embedding: 4, dropout: 0.25, batch: 4, seqLength: 8, hidden: 16 };
      const [a, b] = [smallModel(c, 2), smallModel(c, 2)];
      const rng = new MT19937(3);
      const n = 4 * 8;
      for (let w = 0; w < 3; w++) {
        const x = randomIds(n, 5, rng);
        const y = randomIds(n, 5, rng);
        assert.equal(a.lossAndGrad(x, y), b.lossAndGrad(x, y));
        assert.deepEqual(Array.from(a.dtheta), Array.from(b.dtheta));
        assert.deepEqual(a.getState(), b.getState());
      }
      let zeros = 0;
      let total = 0;
      for (const m of a.dropoutMasks) {
        for (const v of m) {
          assert.ok(v === 0 || Math.abs(v - 1 / 0.75) < 1e-15, `mask value ${v}`);
          if (v === 0) zeros++;
          total++;
        }
      }
      const rate = zeros / total;
      assert.ok(Math.abs(rate - 0.25) < 0.05, `drop rate ${rate}`);
      // another seed draws other masks
      const other = createModel(kind, { ...smallConfig(c), dropoutSeed: 8 });
      other.init(new MT19937(2));
      const x = randomIds(n, 5, rng);
      const y = randomIds(n, 5, rng);
      a.resetState();
      other.resetState();
      assert.notEqual(a.lossAndGrad(x, y), other.lossAndGrad(x, y));
      // evaluation has no dropout: loss() equals a dropout-free model's loss
      const plain = createModel(kind, { ...smallConfig(c), dropout: 0 });
      plain.theta.set(a.theta);
      a.resetState();
      assert.equal(a.loss(x, y), plain.loss(x, y));
    });
  }
});

/** Plain SGD over the interface; returns the mean loss per character of the first and last 10 windows. */
function sgd(model: SequenceModel, text: string, iters: number, lr: number): [number, number] {
  const ids = Array.from(text, (ch) => ch.charCodeAt(0) - 97);
  const B = model.batch;
  const T = model.seqLength;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  // B streams, each starting at its own offset of the text, sliding T each window
  const start = Array.from({ length: B }, (_, b) => Math.floor((b * ids.length) / B));
  const losses: number[] = [];
  for (let it = 0; it < iters; it++) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const p = (start[b] + it * T + t) % (ids.length - 1);
        x[b * T + t] = ids[p];
        y[b * T + t] = ids[p + 1];
      }
    }
    losses.push(model.lossAndGrad(x, y) / (B * T));
    const { theta, dtheta } = model;
    for (let i = 0; i < model.numParams; i++) theta[i] -= lr * Math.max(-5, Math.min(5, dtheta[i]));
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
}

describe('learning', () => {
  const text = 'abcdeabcdeaabbccddeeabcde'.repeat(20);
  for (const [kind, embedding, dropout] of [
    ['lstm', 0, 0],
    ['lstm', 8, 0.1],
    ['gru', 0, 0],
    ['gru', 8, 0.1],
  ] as const) {
    it(`${kind} ${embedding ? `embedding ${embedding}` : 'one-hot'} dropout ${dropout}: SGD lowers the loss`, () => {
      const model = createModel(kind, {
        ...smallConfig({ kind, layers: 2, embedding, dropout, batch: 4, seqLength: 10, hidden: 24 }),
        dtype: 'f32',
      });
      model.init(new MT19937(1));
      const [first, last] = sgd(model, text, 300, 0.02);
      console.log(
        `  ${kind} e=${embedding} p=${dropout}: loss/char ${first.toFixed(3)} -> ${last.toFixed(3)}`,
      );
      assert.ok(last < 0.3 * first, `${first} -> ${last}`);
    });
  }
});
