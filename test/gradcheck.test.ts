// Finite-difference gradient check of the seed's RNN: every parameter, the reference lossFun and the
// fast kernel path (the one RnnModel in the seed's configuration), on a small model (H=8, V=5, T=6), no
// clipping, float64.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initKernels, wasmAvailable } from '../src/kernels/index.js';
import { lossFun, RNN_PARAM_NAMES, type RnnParams } from '../src/models/rnn.js';
import { MT19937 } from '../src/rng.js';
import { seedModel } from './helpers/seed-model.js';

const TOL = { gradRel: 1e-6 } as const;
const STEP = 1e-5;
/** below this size both gradients are "zero": compare absolutely */
const FLOOR = 1e-7;
const H = 8;
const V = 5;
const T = 6;

before(async () => {
  await initKernels();
});

function setup() {
  const rng = new MT19937(11);
  const p: RnnParams<Float64Array> = {
    Wxh: new Float64Array(H * V),
    Whh: new Float64Array(H * H),
    Why: new Float64Array(V * H),
    bh: new Float64Array(H),
    by: new Float64Array(V),
  };
  // larger than the seed's 0.01 so that every path carries signal
  for (const n of RNN_PARAM_NAMES) for (let i = 0; i < p[n].length; i++) p[n][i] = rng.randn() * 0.5;
  const inputs = Array.from({ length: T }, () => Math.floor(rng.random() * V));
  const targets = Array.from({ length: T }, () => Math.floor(rng.random() * V));
  const hprev = Float64Array.from({ length: H }, () => rng.randn() * 0.3);
  return { p, inputs, targets, hprev };
}

/** Largest relative error of `grad` against centered differences of `loss` over every parameter. */
function check(p: RnnParams<Float64Array>, grads: RnnParams, loss: () => number) {
  let worst = { rel: 0, where: '', analytic: 0, numeric: 0 };
  for (const name of RNN_PARAM_NAMES) {
    for (let i = 0; i < p[name].length; i++) {
      const old = p[name][i];
      p[name][i] = old + STEP;
      const up = loss();
      p[name][i] = old - STEP;
      const down = loss();
      p[name][i] = old;
      const numeric = (up - down) / (2 * STEP);
      const analytic = grads[name][i];
      const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), FLOOR);
      if (rel > worst.rel) worst = { rel, where: `${name}[${i}]`, analytic, numeric };
    }
  }
  return worst;
}

const report = (w: { rel: number; where: string; analytic: number; numeric: number }) =>
  `largest relative error ${w.rel.toExponential(3)} at ${w.where}: analytic ${w.analytic}, numeric ${w.numeric}`;

describe('gradient check (centered differences)', () => {
  it(`reference lossFun: every parameter within ${TOL.gradRel}`, () => {
    const { p, inputs, targets, hprev } = setup();
    const { grads } = lossFun(p, inputs, targets, hprev, Infinity);
    const w = check(p, grads, () => lossFun(p, inputs, targets, hprev, Infinity).loss);
    console.log(`  reference: ${report(w)}`);
    assert.ok(w.rel < TOL.gradRel, report(w));
  });

  for (const backend of ['ref', 'wasm'] as const) {
    it(`${backend} f64 fast path: every parameter within ${TOL.gradRel}`, (t) => {
      if (backend === 'wasm' && !wasmAvailable()) return t.skip('wasm backend not built');
      const { p, inputs, targets, hprev } = setup();
      const m = seedModel(H, V, T, 'f64', backend);
      const load = () => {
        m.setParams(p);
        m.setHprev(hprev);
      };
      load();
      m.lossAndGrad(inputs, targets);
      const grads: RnnParams = m.grads();
      const w = check(p, grads, () => {
        load();
        return m.lossAndGrad(inputs, targets);
      });
      console.log(`  ${backend} f64: ${report(w)}`);
      assert.ok(w.rel < TOL.gradRel, report(w));
    });
  }
});
