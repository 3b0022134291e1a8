// Every optimizer against numbers computed outside the project: test/fixtures/optim/optim-reference.json
// (written by make_optim_fixtures.py) holds the parameters after each of six steps of torch.optim.SGD,
// RMSprop, Adam and AdamW (with and without clip_grad_norm_ / clip_grad_value_), and of the seed's Adagrad
// in numpy, from one parameter vector (a matrix W (2,3) and a bias b (3)) and six fixed gradients.
// Each case drives `Optimizer` with the case's learning rate and clipping only: every other
// hyperparameter (eps, betas, decay, weight decay) comes from OPTIMIZER_DEFAULTS, which is under test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { bytesFor, createKernels, initKernels } from '../../src/kernels/index.js';
import type { BackendName, Dtype } from '../../src/kernels/types.js';
import type { TensorInfo } from '../../src/models/types.js';
import {
  OPTIMIZER_DEFAULTS,
  Optimizer,
  type OptimizerConfig,
  type OptimizerKind,
  type Trainable,
} from '../../src/training/optim.js';
import { show, type Worst, where, worstRel } from '../models/helpers.js';

interface OptimCase {
  name: string;
  optimizer: OptimizerKind;
  source: string;
  lr: number;
  /** element-wise clip bound, null: off */
  clip: number | null;
  /** global-norm clip, null: off */
  maxNorm: number | null;
  eps?: number;
  decay?: number;
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  /** theta after each step */
  thetas: number[][];
}

interface OptimFixture {
  torch: string;
  numpy: string;
  tensors: { name: string; shape: number[] }[];
  theta0: number[];
  grads: number[][];
  cases: OptimCase[];
}

const fixture: OptimFixture = JSON.parse(
  readFileSync(new URL('../fixtures/optim/optim-reference.json', import.meta.url), 'utf8'),
);

/**
 * Named tolerances: the largest |got - want| after a step, relative to that step's largest |want|
 * (measured: float64 below 1e-15, float32 below 3e-7).
 */
const TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-5 };

const RUNS: { backend: BackendName; dtype: Dtype }[] = [
  { backend: 'ref', dtype: 'f64' },
  { backend: 'wasm', dtype: 'f64' },
  { backend: 'ref', dtype: 'f32' },
  { backend: 'wasm', dtype: 'f32' },
];

/** The fixture's tensors, laid out one after the other, as a model's are. */
const tensors: TensorInfo[] = [];
for (const t of fixture.tensors) {
  const prev = tensors[tensors.length - 1];
  const size = t.shape.reduce((a, b) => a * b, 1);
  tensors.push({ name: t.name, shape: t.shape, offset: prev ? prev.offset + prev.size : 0, size });
}
const n = fixture.theta0.length;

function trainable(backend: BackendName, dtype: Dtype): Trainable {
  // theta, dtheta and up to two state arrays (Adam's m and v), allocated by the optimizer
  const kernels = createKernels({ backend, dtype, capacityBytes: bytesFor(dtype, [n, n, n, n]) });
  const theta = kernels.alloc(n);
  theta.set(fixture.theta0);
  return { kernels, theta, dtheta: kernels.alloc(n), numParams: n, tensors };
}

/** The hyperparameters the reference used that OPTIMIZER_DEFAULTS does not have (for failure messages). */
function defaultsDiffer(c: OptimCase): string {
  const d = OPTIMIZER_DEFAULTS[c.optimizer];
  const keys = ['eps', 'decay', 'beta1', 'beta2', 'weightDecay'] as const;
  return keys
    .filter((k) => c[k] !== undefined && c[k] !== d[k])
    .map((k) => `OPTIMIZER_DEFAULTS.${c.optimizer}.${k} = ${d[k]}, the reference used ${c[k]}`)
    .join('; ');
}

let wasmReady = false;
before(async () => {
  wasmReady = await initKernels();
});

describe(`optimizers against torch ${fixture.torch} and numpy ${fixture.numpy} (test/fixtures/optim)`, () => {
  it('the fixture is what the tests assume', () => {
    assert.equal(n, 9);
    assert.equal(fixture.grads.length, 6);
    for (const c of fixture.cases) assert.equal(c.thetas.length, fixture.grads.length, c.name);
  });

  for (const c of fixture.cases) {
    for (const { backend, dtype } of RUNS) {
      it(`${c.name} (${c.source}) on ${backend} ${dtype}: theta after every step`, (t) => {
        if (backend === 'wasm' && !wasmReady) return t.skip('wasm unavailable');
        const m = trainable(backend, dtype);
        const config: Partial<OptimizerConfig> & { kind: OptimizerKind } = {
          kind: c.optimizer,
          clip: c.clip ?? Infinity,
          maxNorm: c.maxNorm ?? Infinity,
        };
        const opt = new Optimizer(m, config);
        let worst: Worst & { step: number } = { err: 0, at: 'none', got: 0, want: 0, step: 0 };
        fixture.grads.forEach((g, s) => {
          m.dtheta.set(g);
          opt.step(c.lr);
          const want = c.thetas[s];
          const scale = Math.max(...want.map(Math.abs));
          const w = worstRel(m.theta, want, scale, (i) => `step ${s + 1} ${where(tensors, i)}`);
          if (w.err > worst.err || Number.isNaN(w.err)) worst = { ...w, step: s + 1 };
        });
        console.log(`  ${c.name} ${backend} ${dtype}: ${show(worst)}`);
        const differ = defaultsDiffer(c);
        assert.ok(worst.err < TOL[dtype], `${show(worst)}${differ ? ` (${differ})` : ''}`);
      });
    }
  }
});
