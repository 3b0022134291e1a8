// Optimizers against steps computed by hand (first steps have closed forms) and against a plain float64
// transcription of each rule over several steps; clipping, state export/import, and the schedules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefKernels } from '../../src/kernels/ref.js';
import {
  clipGradNorm,
  OPTIMIZER_DEFAULTS,
  Optimizer,
  type OptimizerKind,
  type Trainable,
} from '../../src/training/optim.js';
import { LR_DEFAULTS, learningRate } from '../../src/training/schedule.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  for (let i = 0; i < b.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${a[i]} vs ${b[i]}`);
  }
};

/** theta (3) as a (1,2) matrix and a (1) bias, float64 on the ref kernels */
function toy(theta: number[]): Trainable {
  const k = new RefKernels('f64');
  return {
    kernels: k,
    theta: Float64Array.from(theta),
    dtheta: new Float64Array(3),
    numParams: 3,
    tensors: [
      { name: 'W', shape: [1, 2], offset: 0, size: 2 },
      { name: 'b', shape: [1], offset: 2, size: 1 },
    ],
  };
}

describe('optimizers: first step by hand', () => {
  const g = [0.5, -2, 8];
  const cases: [OptimizerKind, number[]][] = [
    // theta - lr * g
    ['sgd', [1 - 0.05, -1 + 0.2, 2 - 0.8]],
    // mem = g^2 (g clipped to 5 first): theta - lr * sign(g) (to eps 1e-8 relative)
    ['adagrad', [1 - 0.1, -1 + 0.1, 2 - 0.1]],
    // ms = 0.05 g^2: theta - lr * g / (sqrt(0.05)|g|) = theta - lr * sign(g) / sqrt(0.05) (g clipped to 5)
    ['rmsprop', [1 - 0.1 / Math.sqrt(0.05), -1 + 0.1 / Math.sqrt(0.05), 2 - 0.1 / Math.sqrt(0.05)]],
    // m/bc1 = g, v/bc2 = g^2: theta - lr * sign(g) (the norm 8.26 is clipped to 5 first: signs unchanged)
    ['adam', [1 - 0.1, -1 + 0.1, 2 - 0.1]],
    // adamw: the matrix also decays: theta * (1 - lr*wd) - lr * sign(g); the bias does not
    ['adamw', [1 * (1 - 0.1 * 0.01) - 0.1, -1 * (1 - 0.1 * 0.01) + 0.1, 2 - 0.1]],
  ];
  for (const [kind, want] of cases) {
    it(kind, () => {
      const m = toy([1, -1, 2]);
      m.dtheta.set(g);
      new Optimizer(m, { kind }).step(0.1);
      close(m.theta, want, 1e-7);
    });
  }
});

/** The rules transcribed plainly in float64 (one tensor at a time, no fusion) for several steps. */
function plain(kind: OptimizerKind, theta: number[], grads: number[][], lr: number): number[] {
  const c = OPTIMIZER_DEFAULTS[kind];
  const p = [...theta];
  const s1 = [0, 0, 0];
  const s2 = [0, 0, 0];
  grads.forEach((g0, step) => {
    let g = [...g0];
    const norm = Math.hypot(...g);
    if (Number.isFinite(c.maxNorm) && norm > c.maxNorm) g = g.map((x) => (x * c.maxNorm) / (norm + 1e-6));
    g = g.map((x) => Math.min(c.clip, Math.max(-c.clip, x)));
    const t = step + 1;
    for (let i = 0; i < 3; i++) {
      if (kind === 'sgd') p[i] -= lr * g[i];
      if (kind === 'adagrad') {
        s1[i] += g[i] ** 2;
        p[i] -= (lr * g[i]) / Math.sqrt(s1[i] + c.eps);
      }
      if (kind === 'rmsprop') {
        s1[i] = c.decay * s1[i] + (1 - c.decay) * g[i] ** 2;
        p[i] -= (lr * g[i]) / (Math.sqrt(s1[i]) + c.eps);
      }
      if (kind === 'adam' || kind === 'adamw') {
        if (kind === 'adamw' && i < 2) p[i] *= 1 - lr * c.weightDecay;
        s1[i] = c.beta1 * s1[i] + (1 - c.beta1) * g[i];
        s2[i] = c.beta2 * s2[i] + (1 - c.beta2) * g[i] ** 2;
        const mhat = s1[i] / (1 - c.beta1 ** t);
        const vhat = s2[i] / (1 - c.beta2 ** t);
        p[i] -= (lr * mhat) / (Math.sqrt(vhat) + c.eps);
      }
    }
  });
  return p;
}

describe('optimizers: five steps against a plain transcription, state round trip', () => {
  const grads = [
    [0.5, -2, 8],
    [1, 0.25, -3],
    [-0.5, 7, 0.1],
    [2, -1, 1],
    [0.01, 0.02, -0.03],
  ];
  for (const kind of ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const) {
    it(kind, () => {
      const m = toy([1, -1, 2]);
      const opt = new Optimizer(m, { kind });
      let saved: ReturnType<Optimizer['getState']> | undefined;
      let savedTheta: Float64Array | undefined;
      grads.forEach((g, i) => {
        if (i === 2) {
          saved = opt.getState();
          savedTheta = Float64Array.from(m.theta);
        }
        m.dtheta.set(g);
        opt.step(0.05);
      });
      close(m.theta, plain(kind, [1, -1, 2], grads, 0.05), 1e-12);
      // resume from the state after two steps: the same end point, bit for bit
      const r = toy([0, 0, 0]);
      r.theta.set(savedTheta!);
      const opt2 = new Optimizer(r, { kind });
      opt2.setState(saved!);
      for (const g of grads.slice(2)) {
        r.dtheta.set(g);
        opt2.step(0.05);
      }
      assert.deepEqual(Array.from(r.theta), Array.from(m.theta));
    });
  }
});

describe('clipping and schedules', () => {
  it('clipGradNorm: scales to maxNorm, returns the norm before', () => {
    const k = new RefKernels('f64');
    const g = Float64Array.from([3, 4]);
    assert.equal(clipGradNorm(k, g, 2, 1), 5);
    close(g, [0.6 / (1 + 2e-7), 0.8 / (1 + 2e-7)], 1e-15);
    const h = Float64Array.from([0.3, 0.4]);
    assert.equal(clipGradNorm(k, h, 2, 1), 0.5);
    assert.deepEqual(Array.from(h), [0.3, 0.4]);
  });

  it('warmup then cosine to the floor', () => {
    const s = { ...LR_DEFAULTS, kind: 'cosine' as const, lr: 1, warmup: 4, floor: 0.1, total: 14 };
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => learningRate(s, i)),
      [0.25, 0.5, 0.75, 1],
    );
    assert.equal(learningRate(s, 4), 1);
    close([learningRate(s, 9)], [0.1 + 0.45]); // halfway: floor + (lr - floor)/2
    assert.equal(learningRate(s, 14), 0.1);
    assert.equal(learningRate(s, 1000), 0.1);
  });

  it('warmup then a straight line to the floor', () => {
    const s = { ...LR_DEFAULTS, kind: 'linear' as const, lr: 1, warmup: 4, floor: 0.1, total: 14 };
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => learningRate(s, i)),
      [0.25, 0.5, 0.75, 1],
    );
    assert.equal(learningRate(s, 4), 1);
    // a quarter of the way the line is at 1 - 0.9/4 (a cosine would be at 0.1 + 0.9 * 0.854)
    close([learningRate(s, 6.5), learningRate(s, 9), learningRate(s, 11.5)], [0.775, 0.55, 0.325]);
    assert.equal(learningRate(s, 14), 0.1);
    assert.equal(learningRate(s, 1000), 0.1);
    close([learningRate(s, 9, 0.75)], [0.325]); // over a time budget: the share used, not the iteration
  });

  it('step decay to the floor, constant', () => {
    const s = { ...LR_DEFAULTS, kind: 'step' as const, lr: 1, floor: 0.3, stepEvery: 10, gamma: 0.5 };
    assert.deepEqual(
      [0, 9, 10, 19, 20, 30, 100].map((i) => learningRate(s, i)),
      [1, 1, 0.5, 0.5, 0.3, 0.3, 0.3],
    );
    assert.equal(learningRate({ ...LR_DEFAULTS, lr: 0.01 }, 123), 0.01);
  });
});
