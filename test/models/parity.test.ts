// The fast path (kernels, batched, time-major) against the float64 reference (one stream, one step at a
// time): loss, every gradient and the carried states over two consecutive windows, with and without
// dropout (the reference applies the fast path's masks); and generation against the training forward.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceLossAndGrad } from '../../src/models/index.js';
import { MT19937 } from '../../src/rng.js';
import {
  label,
  randomIds,
  randomState,
  type Small,
  show,
  smallConfig,
  smallModel,
  where,
  worstRel,
} from './helpers.js';

/** Named tolerances (relative, floor 1e-12): both paths are float64, only the summation order differs. */
const TOL = { loss: 1e-12, grad: 1e-9, state: 1e-12, floor: 1e-12 } as const;

const CASES: Small[] = [];
for (const kind of ['rnn', 'lstm', 'gru'] as const) {
  for (const layers of [1, 2]) {
    for (const embedding of [0, 4]) CASES.push({ kind, layers, embedding, batch: 3, seqLength: 4 });
  }
  // an embedding is folded into layer 0's input projection when V <= TB/2 (the cases above, V = 5,
  // TB = 12); one window of 4 rows takes the unfolded path
  CASES.push({ kind, layers: 2, embedding: 4, batch: 1, seqLength: 4 });
  CASES.push({ kind, layers: 2, embedding: 3, batch: 2, seqLength: 6, dropout: 0.3 });
  CASES.push({ kind, layers: 1, embedding: 0, batch: 1, seqLength: 3, dropout: 0.5 });
}

describe('fast path vs float64 reference', () => {
  for (const c of CASES) {
    it(`${label(c)} B=${c.batch} T=${c.seqLength}: two windows, loss, gradients, states`, () => {
      const cfg = smallConfig(c);
      const model = smallModel(c, 5);
      const rng = new MT19937(21);
      let state = randomState(model, rng);
      model.setState(state);
      const n = cfg.batch * cfg.seqLength;
      for (let w = 0; w < 2; w++) {
        const inputs = randomIds(n, cfg.vocabSize, rng);
        const targets = randomIds(n, cfg.vocabSize, rng);
        const loss = model.lossAndGrad(inputs, targets);
        const masks = c.dropout ? model.dropoutMasks : undefined;
        const ref = referenceLossAndGrad(c.kind, cfg, model.theta, inputs, targets, state, masks);
        const dl = Math.abs(loss - ref.loss) / Math.abs(ref.loss);
        const g = worstRel(model.dtheta, ref.dtheta, TOL.floor, (i) => where(model.tensors, i));
        const s = worstRel(model.getState(), ref.state, TOL.floor, (i) => `state[${i}]`);
        console.log(
          `  ${label(c)} window ${w}: loss ${dl.toExponential(2)}, grad ${show(g)}, state ${show(s)}`,
        );
        assert.ok(dl < TOL.loss, `loss ${loss} vs ${ref.loss}`);
        assert.ok(g.err < TOL.grad, `grad ${show(g)}`);
        assert.ok(s.err < TOL.state, `state ${show(s)}`);
        state = ref.state;
      }
    });
  }
});

describe('generation matches the training forward', () => {
  for (const kind of ['rnn', 'lstm', 'gru'] as const) {
    it(`${kind}: forwardOne over stream 1 = loss() states of stream 1; logits give the same loss`, () => {
      const c: Small = { kind, layers: 2, embedding: 4, batch: 2, seqLength: 5 };
      const cfg = smallConfig(c);
      const model = smallModel(c, 9);
      const rng = new MT19937(4);
      const n = cfg.batch * cfg.seqLength;
      const inputs = randomIds(n, cfg.vocabSize, rng);
      const targets = randomIds(n, cfg.vocabSize, rng);
      const state = randomState(model, rng);
      model.setState(state);
      // the generation state of stream 1: per layer h (then c), each (H)
      const H = cfg.hidden;
      const S = state.length / (cfg.batch * H);
      const gen = new Float64Array(S * H);
      for (let i = 0; i < S; i++)
        gen.set(state.subarray((i * cfg.batch + 1) * H, (i * cfg.batch + 2) * H), i * H);
      model.genFromStream(1);
      assert.deepEqual(model.genState, gen, 'genFromStream(1) takes stream 1 of every state buffer');
      let loss = 0;
      for (let t = 0; t < cfg.seqLength; t++) {
        const logits = model.forwardOne(inputs[cfg.seqLength + t]);
        let max = -Infinity;
        for (const x of logits) max = Math.max(max, x);
        let sum = 0;
        for (const x of logits) sum += Math.exp(x - max);
        loss -= logits[targets[cfg.seqLength + t]] - max - Math.log(sum);
      }
      // the same stream in the batch: per-stream losses from the reference
      const ref = referenceLossAndGrad(
        kind,
        { ...cfg, batch: 1 },
        model.theta,
        inputs.subarray(5),
        targets.subarray(5),
        gen,
      );
      assert.ok(Math.abs(loss - ref.loss) < 1e-12 * ref.loss, `${loss} vs ${ref.loss}`);
      const g = worstRel(model.genState, ref.state, 1e-12, (i) => `genState[${i}]`);
      assert.ok(g.err < 1e-12, show(g));
      model.loss(inputs, targets);
      const after = model.getState();
      for (let i = 0; i < S; i++) {
        const want = after.subarray((i * cfg.batch + 1) * H, (i * cfg.batch + 2) * H);
        const w = worstRel(
          model.genState.subarray(i * H, (i + 1) * H),
          want,
          1e-12,
          (j) => `slot ${i} [${j}]`,
        );
        assert.ok(w.err < 1e-12, show(w));
      }
    });
  }
});
