// Every model against PyTorch: the fixtures in test/fixtures/torch (written by make_model_fixtures.py
// with torch.nn.RNN / LSTM / GRU, nn.Embedding and nn.Linear in float64, gradients by autograd) hold
// theta, a non-zero initial state and a window in charrnn's layouts, and what PyTorch computed from them:
// the summed loss, its gradient w.r.t. theta, the final carried state and stream 0's logits per step.
// Each case runs on each backend and dtype: loss, every element of dtheta, getState(), and generation
// (genFromStream(0), then forwardOne over stream 0's inputs) against those numbers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { initKernels } from '../../src/kernels/index.js';
import type { BackendName, Dtype } from '../../src/kernels/types.js';
import { createModel, type ModelKind } from '../../src/models/index.js';
import { show, type Worst, where, worstRel } from './helpers.js';

interface TorchFixture {
  torch: string;
  config: {
    kind: ModelKind;
    vocabSize: number;
    hidden: number;
    layers: number;
    embedding: number;
    batch: number;
    seqLength: number;
  };
  tensors: { name: string; shape: number[] }[];
  theta: number[];
  state: number[];
  inputs: number[];
  targets: number[];
  loss: number;
  dtheta: number[];
  finalState: number[];
  /** (T, V): stream 0's logits at each step */
  logits0: number[][];
}

const FILES = ['1layer-onehot', '2layer-embed'].flatMap((tag) =>
  (['rnn', 'lstm', 'gru'] as const).map((kind) => `${kind}-${tag}.json`),
);

const load = (file: string): TorchFixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/torch/${file}`, import.meta.url), 'utf8'));

/**
 * Named tolerances: the largest |got - want| over a tensor, relative to that tensor's scale (its largest
 * |want|). float64 differs from PyTorch only in summation order (measured: below 1e-15); float32 rounds
 * theta and every product (measured: below 1e-6).
 */
const TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-5 };

const RUNS: { backend: BackendName; dtype: Dtype }[] = [
  { backend: 'ref', dtype: 'f64' },
  { backend: 'wasm', dtype: 'f64' },
  { backend: 'ref', dtype: 'f32' },
  { backend: 'wasm', dtype: 'f32' },
];

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** The worst difference over named slices, each relative to its own scale (worstRel with that floor). */
function worstScaled(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  slices: readonly { offset: number; size: number }[],
  name: (i: number) => string,
): Worst {
  const a = Float64Array.from(got);
  const b = Float64Array.from(want);
  let w: Worst = { err: 0, at: 'none', got: 0, want: 0 };
  for (const s of slices) {
    const x = b.subarray(s.offset, s.offset + s.size);
    const floor = Math.max(maxAbs(x), Number.MIN_VALUE);
    const e = worstRel(a.subarray(s.offset, s.offset + s.size), x, floor, (i) => name(s.offset + i));
    if (e.err > w.err || Number.isNaN(e.err)) w = e;
  }
  return w;
}

/** (B,H) blocks of a carried state, named h.l{l} / c.l{l} */
function stateSlices(f: TorchFixture) {
  const { layers: N, batch: B, hidden: H } = f.config;
  const n = B * H;
  return Array.from({ length: f.state.length / n }, (_, i) => ({
    name: `${i < N ? 'h' : 'c'}.l${i % N}`,
    offset: i * n,
    size: n,
  }));
}

const stateWhere = (f: TorchFixture) => {
  const slices = stateSlices(f);
  const H = f.config.hidden;
  return (i: number) => {
    const s = slices.find((x) => i >= x.offset && i < x.offset + x.size)!;
    const j = i - s.offset;
    return `${s.name}[stream ${Math.floor(j / H)}, ${j % H}]`;
  };
};

let wasmReady = false;
before(async () => {
  wasmReady = await initKernels();
});

describe('models against PyTorch (test/fixtures/torch)', () => {
  for (const file of FILES) {
    const f = load(file);
    const { kind, batch: B, seqLength: T, vocabSize: V } = f.config;
    for (const { backend, dtype } of RUNS) {
      it(`${file} on ${backend} ${dtype}: loss, dtheta, final state, stream 0's logits`, (t) => {
        if (backend === 'wasm' && !wasmReady) return t.skip('wasm unavailable');
        const tol = TOL[dtype];
        const model = createModel(kind, { ...f.config, dropout: 0, dtype, backend });
        // the layout the fixture was written in is the model's
        assert.deepEqual(
          model.tensors.map((x) => ({ name: x.name, shape: [...x.shape] })),
          f.tensors,
          'tensor names and shapes',
        );
        assert.equal(model.numParams, f.theta.length);
        model.theta.set(f.theta);
        model.setState(f.state);
        const inputs = Int32Array.from(f.inputs);
        const targets = Int32Array.from(f.targets);

        const loss = model.lossAndGrad(inputs, targets);
        const dl = Math.abs(loss - f.loss) / Math.abs(f.loss);
        const { tensors } = model;
        const g = worstScaled(model.dtheta, f.dtheta, tensors, (i) => where(tensors, i));
        const s = worstScaled(model.getState(), f.finalState, stateSlices(f), stateWhere(f));

        // generation from stream 0's initial state, fed stream 0's inputs
        model.setState(f.state);
        model.genFromStream(0);
        const logits: number[] = [];
        for (let step = 0; step < T; step++) logits.push(...model.forwardOne(inputs[step]));
        const steps = Array.from({ length: T }, (_, step) => ({ offset: step * V, size: V }));
        const lg = worstScaled(
          logits,
          f.logits0.flat(),
          steps,
          (i) => `logits0[t=${Math.floor(i / V)}][${i % V}]`,
        );

        console.log(
          `  ${file} ${backend} ${dtype}: loss ${dl.toExponential(2)}, dtheta ${show(g)}, ` +
            `state ${show(s)}, logits ${show(lg)}`,
        );
        assert.ok(dl < tol, `loss ${loss} vs torch ${f.loss} (B=${B}, T=${T})`);
        assert.ok(g.err < tol, `dtheta: ${show(g)}`);
        assert.ok(s.err < tol, `final state: ${show(s)}`);
        assert.ok(lg.err < tol, `generation: ${show(lg)}`);
      });
    }
  }
});
