// Every model on every backend that has all the kernels it needs, in float32, against the float64
// reference: loss, gradients and states over two windows (norm-relative errors, float32 tolerances).
// A backend that lacks a kernel is skipped, naming the missing kernels.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initKernels, RefKernels } from '../../src/kernels/index.js';
import { createModel, referenceLossAndGrad } from '../../src/models/index.js';
import { MT19937 } from '../../src/rng.js';
import { randomIds, randomState, smallConfig } from './helpers.js';

/** Named tolerances: ||got - want|| / ||want|| in float32. */
const TOL = { loss: 1e-5, grad: 1e-4, state: 1e-5 } as const;

const normRel = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  let d = 0;
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    d += (got[i] - want[i]) ** 2;
    w += want[i] ** 2;
  }
  return Math.sqrt(d / w);
};

let wasmReady = false;
before(async () => {
  wasmReady = await initKernels();
});

/** The Kernels methods a backend instance lacks (compared with the ref backend's). */
function missing(k: object): string[] {
  return Object.getOwnPropertyNames(RefKernels.prototype).filter((n) => n !== 'constructor' && !(n in k));
}

describe('float32 on each backend vs the float64 reference', () => {
  for (const backend of ['ref', 'wasm'] as const) {
    for (const kind of ['rnn', 'lstm', 'gru'] as const) {
      it(`${backend} ${kind}: layers 2, embedding 8, B=3, T=7, H=16, dropout 0.2`, (t) => {
        if (backend === 'wasm' && !wasmReady) return t.skip('wasm unavailable');
        const cfg = { ...smallConfig({ kind, layers: 2, embedding: 8, batch: 3, seqLength: 7, hidden: 16 }) };
        const model = createModel(kind, { ...cfg, dtype: 'f32', backend, dropout: 0.2 });
        const lacks = missing(model.kernels);
        if (lacks.length > 0) return t.skip(`${backend} lacks ${lacks.join(', ')}`);
        model.init(new MT19937(1));
        const rng = new MT19937(2);
        let state = randomState(model, rng);
        model.setState(state);
        const n = cfg.batch * cfg.seqLength;
        for (let w = 0; w < 2; w++) {
          const x = randomIds(n, cfg.vocabSize, rng);
          const y = randomIds(n, cfg.vocabSize, rng);
          const loss = model.lossAndGrad(x, y);
          const ref = referenceLossAndGrad(kind, cfg, model.theta, x, y, state, model.dropoutMasks);
          const e = {
            loss: Math.abs(loss - ref.loss) / ref.loss,
            grad: normRel(model.dtheta, ref.dtheta),
            state: normRel(model.getState(), ref.state),
          };
          console.log(`  ${backend} ${kind} window ${w}: ${JSON.stringify(e)}`);
          assert.ok(e.loss < TOL.loss && e.grad < TOL.grad && e.state < TOL.state, JSON.stringify(e));
          state = ref.state;
        }
      });
    }
  }
});
