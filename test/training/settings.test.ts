// Every setting of TrainConfig takes effect, measured on what it changes (not on a run ending): the
// shapes and initial weights a model gets, the windows and splits the trainer feeds it, the validation
// loss against an independent evaluation of the same weights, the learning rate actually applied at every
// step of every schedule (read back from SGD's update), clipping, weight decay, dropout's rate, the loss
// unit and smoothing, samples, the seed, the backend, and threads (the gradient summed over two threads
// against one thread's, element by element).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fillWindow, layText, makeStreams, passShift, splitText } from '../../src/data/streams.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import type { RecurrentModel } from '../../src/models/recurrent.js';
import { referenceLossAndGrad } from '../../src/models/reference.js';
import { nodeHost } from '../../src/node/threads.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const text = golden.corpus.repeat(3);
const corpus = corpusFromString(text);
const V = corpus.vocab.size;
const open: Trainer[] = [];
before(async () => {
  await initKernels();
});
after(() => {
  for (const t of open) t.close();
});

/** Named tolerances: float64 on the ref backend differs from a formula only by rounding. */
const TOL = { f64: 1e-12, lr: 1e-9, f32Grad: 2e-5 } as const;

/** A small trainer on the ref backend in float64, over a preset (default: the recipes'). */
function small(over: Partial<TrainConfig>, preset = 'char-lstm'): Trainer {
  const t = Trainer.create(
    corpus,
    presetConfig(preset, {
      layers: 1,
      hidden: 8,
      embedding: 4,
      batch: 2,
      seqLength: 8,
      sampleEvery: 0,
      seed: 3,
      backend: 'ref',
      dtype: 'f64',
      threads: 1,
      ...over,
    }),
  );
  open.push(t);
  return t;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** SGD's update is -lr * g: the learning rate a step applied, read back from the parameter that moved most. */
function appliedLr(t: Trainer): { lr: number; event: number } {
  const before = Float64Array.from(t.model.theta);
  const e = t.step();
  const g = t.model.dtheta;
  let at = 0;
  for (let i = 0; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[at])) at = i;
  return { lr: (before[at] - t.model.theta[at]) / g[at], event: e.lr };
}

describe('the model settings shape the model', () => {
  for (const model of ['rnn', 'lstm', 'gru'] as const) {
    it(`${model}: --model, --layers, --hidden, --embedding and --dtype give the tensors they name`, () => {
      const G = { rnn: 1, lstm: 4, gru: 3 }[model];
      const t = small({ model, layers: 2, hidden: 5, embedding: 3, dtype: 'f32' });
      const shapes = Object.fromEntries(t.model.tensors.map((x) => [x.name, x.shape.join('x')]));
      assert.equal(shapes.embed, `${V}x3`);
      assert.equal(shapes['l0.Wih'], `${G * 5}x3`);
      assert.equal(shapes['l1.Wih'], `${G * 5}x5`);
      assert.equal(shapes['l1.Whh'], `${G * 5}x5`);
      assert.equal(shapes.Why, `${V}x5`);
      assert.equal(shapes.l2Whh, undefined);
      assert.ok(t.model.theta instanceof Float32Array);
      const oneHot = small({ model, layers: 1, hidden: 5, embedding: 0 });
      assert.deepEqual(
        oneHot.model.tensors.map((x) => x.name).slice(0, 1),
        ['l0.WihT'],
        'no embedding: the one-hot weights',
      );
      assert.ok(oneHot.model.theta instanceof Float64Array);
    });
  }

  it("--init: the seed's randn * 0.01 with zero biases, or PyTorch's uniform(+-1/sqrt(H)) with the LSTM's forget bias 1", () => {
    const stats = (t: Trainer, name: string) => {
      const x = t.model.tensors.find((v) => v.name === name)!;
      const a = Array.from(t.model.theta.subarray(x.offset, x.offset + x.size));
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
      return { sd, max: Math.max(...a.map(Math.abs)), a };
    };
    const seed = small({ model: 'lstm', hidden: 64, init: 'seed' });
    assert.ok(Math.abs(stats(seed, 'l0.Whh').sd - 0.01) < 0.001, `seed init sd ${stats(seed, 'l0.Whh').sd}`);
    assert.equal(stats(seed, 'l0.b').max, 0);
    const torch = small({ model: 'lstm', hidden: 64, init: 'torch' });
    const w = stats(torch, 'l0.Whh');
    assert.ok(w.max <= 1 / 8 && Math.abs(w.sd - 1 / 8 / Math.sqrt(3)) < 0.005, `torch init sd ${w.sd}`);
    const b = stats(torch, 'l0.b').a;
    assert.ok(
      b.slice(64, 128).every((v) => v === 1),
      'the forget gate bias is 1',
    );
  });

  it('--seed: the same seed draws the same weights, another seed others', () => {
    const [a, b, c] = [small({ seed: 5 }), small({ seed: 5 }), small({ seed: 6 })];
    assert.deepEqual(a.model.theta, b.model.theta);
    assert.notDeepEqual(a.model.theta, c.model.theta);
  });

  it('--backend: the kernels the model runs on', () => {
    assert.equal(small({ backend: 'ref' }).model.kernels.backend, 'ref');
    assert.equal(small({ backend: 'wasm' }).model.kernels.backend, 'wasm');
  });
});

describe('the data settings lay out the text as documented', () => {
  const ids = corpus.ids;
  const N = ids.length;

  it('--val-fraction: the validation split is exactly the last floor(N * f) characters, disjoint from training', () => {
    for (const f of [0, 0.1, 0.25]) {
      const { train, val } = splitText(ids, f);
      const nVal = Math.floor(N * f);
      assert.equal(val.length, nVal);
      assert.equal(train.length, N - nVal);
      assert.equal(train.byteOffset + train.byteLength, val.byteOffset, 'the splits meet, without overlap');
      assert.deepEqual(Array.from(val), Array.from(ids.subarray(N - nVal)));
    }
  });

  it('--batch and --seq-length: stream b, window w starts at b*L + w*T, the targets one character ahead', () => {
    const B = 3;
    const T = 7;
    const s = layText(ids, { batch: B, seqLength: T, valFraction: 0, windowing: 'streams' }).train;
    const L = Math.floor((N - 1) / B);
    assert.equal(s.L, L);
    assert.equal(s.windows, Math.floor(L / T));
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    fillWindow(s, 2, inputs, targets);
    for (let b = 0; b < B; b++) {
      assert.deepEqual(
        Array.from(inputs.subarray(b * T, b * T + T)),
        Array.from(ids.subarray(b * L + 2 * T, b * L + 3 * T)),
      );
      assert.deepEqual(
        Array.from(targets.subarray(b * T, b * T + T)),
        Array.from(ids.subarray(b * L + 2 * T + 1, b * L + 3 * T + 1)),
      );
    }
  });

  it("windowing 'seed': the seed's pointer visits windows while p + T + 1 < N, then starts over", () => {
    const T = 25;
    const seedWindows = layText(ids, { batch: 1, seqLength: T, valFraction: 0, windowing: 'seed' }).train
      .windows;
    let p = 0;
    let visited = 0;
    while (p + T + 1 < N) {
      visited++;
      p += T;
    }
    assert.equal(seedWindows, visited);
    assert.equal(
      layText(ids, { batch: 1, seqLength: T, valFraction: 0, windowing: 'streams' }).train.windows,
      Math.floor((N - 1) / T),
    );
  });

  /** A run small enough to step through whole passes, whose updates do not move its loss. */
  const FED = { batch: 2, seqLength: 8, valFraction: 0.1, optimizer: 'sgd', lr: 1e-9 } as const;

  /**
   * Steps a trainer laying its windows by `windowing` through `steps(windows per pass)` windows, each loss
   * checked against a probe model fed the window `fillWindow` lays with the pass's shift, its state reset at
   * each pass: the losses, the shifts the passes took, and the windows per pass.
   */
  function checkWindowsFed(windowing: TrainConfig['windowing'], steps: (windows: number) => number) {
    const t = small({ ...FED, windowing });
    const { train } = layText(ids, t.config);
    const probe = small({ ...FED, windowing });
    const inputs = new Int32Array(16);
    const targets = new Int32Array(16);
    const losses: number[] = [];
    const shifts = new Set<number>();
    for (let i = 0; i < steps(train.windows); i++) {
      const w = i % train.windows;
      const shift = passShift(train, 3, i - w); // small()'s seed
      shifts.add(shift);
      if (w === 0) probe.model.resetState();
      fillWindow(train, w, inputs, targets, shift);
      probe.model.theta.set(t.model.theta);
      const want = probe.model.lossAndGrad(inputs, targets) / 16;
      const e = t.step();
      losses.push(e.loss);
      assert.equal(e.wrapped, w === 0, `iteration ${i}`);
      assert.ok(
        rel(e.loss, want) < TOL.f64,
        `iteration ${i}: loss ${e.loss}, window ${w} shifted ${shift} gives ${want}`,
      );
    }
    return { losses, shifts, windows: train.windows };
  }

  it('the trainer feeds those windows in order, wrapping (and resetting the state) after the last', () => {
    assert.deepEqual([...checkWindowsFed('streams', (windows) => windows + 2).shifts], [0]);
  });
  it("windowing 'shifted': each pass moved on by its own offset below T, every window inside its stream", () => {
    const T = 8;
    for (const [B, n] of [
      [3, 3 * 10 * T + 1], // L = 10T: one window fewer than 'streams', shifts 0..T-1
      [2, 2 * (5 * T + 3) + 1], // L = 5T + 3: shifts 0..T-1 after 4 windows
      [1, T + 4], // L = T + 3: one window, shifts 0..3
      [1, T + 1], // L = T: one window, no shift
    ] as const) {
      const s = makeStreams(ids.subarray(0, n), B, T, 'shifted', 'x');
      const want = Math.max(1, Math.floor((s.L - T + 1) / T));
      assert.equal(s.windows, want, `B ${B}, L ${s.L}`);
      assert.equal(s.shifts, Math.min(T, s.L - want * T + 1), `B ${B}, L ${s.L}`);
      // the last window of the largest shift still ends (its targets included) where its stream does
      for (let b = 0; b < B; b++)
        assert.ok(b * s.L + (s.windows - 1) * T + (s.shifts - 1) + T <= (b + 1) * s.L);
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      fillWindow(s, s.windows - 1, inputs, targets, s.shifts - 1);
      const start = (B - 1) * s.L + (s.windows - 1) * T + s.shifts - 1;
      assert.deepEqual(
        Array.from(targets.subarray((B - 1) * T)),
        Array.from(ids.subarray(start + 1, start + T + 1)),
      );
    }
    const s = makeStreams(ids, 2, T, 'shifted', 'x');
    assert.equal(makeStreams(ids, 2, T, 'streams', 'x').shifts, 1);
    // a pass's offset is a function of the seed and the iteration it began at: every offset turns up
    const seen = new Set<number>();
    const starts = Array.from({ length: 64 }, (_, k) => k * s.windows);
    for (const at of starts) {
      const shift = passShift(s, 5, at);
      assert.ok(Number.isInteger(shift) && shift >= 0 && shift < T, `shift ${shift}`);
      assert.equal(passShift(s, 5, at), shift);
      seen.add(shift);
    }
    assert.equal(seen.size, T, `offsets seen: ${[...seen]}`);
    const other = starts.filter((at) => passShift(s, 6, at) !== passShift(s, 5, at)).length;
    assert.ok(other > 32, `another seed gives other offsets at only ${other} of 64 passes`);
    assert.notEqual(
      passShift(s, 5, 2 ** 40),
      passShift(s, 5, 2 ** 40 + 2 ** 32),
      'the high bits of the start count',
    );
    assert.equal(passShift(makeStreams(ids, 2, T, 'streams', 'x'), 5, 1000), 0);
  });

  it('the trainer feeds shifted windows, pass by pass, and a run resumed in mid-pass the same ones', () => {
    const { losses, shifts, windows } = checkWindowsFed('shifted', (w) => 3 * w);
    assert.ok(shifts.size > 1, `every pass took offset ${[...shifts]}`);
    // stopped in the middle of the second pass and resumed: the same windows as the run that went on
    const again = small({ ...FED, windowing: 'shifted' });
    for (let i = 0; i < windows + 3; i++) again.step();
    const resumed = Trainer.fromCheckpoint(again.toCheckpoint(), corpus);
    open.push(resumed);
    for (let i = windows + 3; i < 3 * windows; i++) {
      const e = resumed.step();
      assert.ok(
        rel(e.loss, losses[i]!) < TOL.f64,
        `iteration ${i}: resumed ${e.loss}, straight ${losses[i]}`,
      );
    }
  });
});

describe('the validation loss is an independent evaluation of the same weights', () => {
  /** The float64 reference's loss per character over the first `windows` windows of the split's streams. */
  function reference(t: Trainer, model: 'rnn' | 'lstm' | 'gru', windows?: number) {
    const { val } = layText(corpus.ids, t.config);
    const c = t.config;
    const cfg = {
      vocabSize: V,
      hidden: c.hidden,
      layers: c.layers,
      embedding: c.embedding,
      batch: c.batch,
      seqLength: c.seqLength,
      dropout: 0,
      dtype: 'f64' as const,
    };
    let state: Float64Array = new Float64Array(t.model.stateBuffers * c.batch * c.hidden);
    let total = 0;
    const inputs = new Int32Array(c.batch * c.seqLength);
    const targets = new Int32Array(c.batch * c.seqLength);
    const n = windows ?? val!.windows;
    for (let w = 0; w < n; w++) {
      fillWindow(val!, w, inputs, targets);
      const r = referenceLossAndGrad(model, cfg, t.model.theta, inputs, targets, state);
      total += r.loss;
      state = r.state;
    }
    const characters = n * c.batch * c.seqLength;
    return { loss: total / characters, characters, windows: val!.windows };
  }

  for (const model of ['rnn', 'lstm', 'gru'] as const) {
    it(`${model}: the float64 reference over the validation split's streams from zero states`, () => {
      const t = small({ model, valFraction: 0.2, optimizer: 'adam', lr: 1e-2 });
      for (let i = 0; i < 5; i++) t.step();
      const got = t.evaluate();
      const want = reference(t, model);
      assert.equal(got.characters, want.characters);
      assert.ok(rel(got.valLoss, want.loss) < TOL.f64, `${got.valLoss} vs ${want.loss}`);
      assert.ok(rel(got.valBits, got.valLoss / Math.LN2) < TOL.f64);
    });
  }

  it('--eval-chars: the first whole windows of every stream, as many as fit (at least one)', () => {
    const perWindow = 2 * 8; // batch 2 x seq 8
    for (const [evalChars, windows] of [
      [3 * perWindow + 5, 3],
      [perWindow - 1, 1],
      [1, 1],
    ] as const) {
      const t = small({ model: 'gru', valFraction: 0.2, evalChars });
      for (let i = 0; i < 3; i++) t.step();
      const want = reference(t, 'gru', windows);
      assert.ok(want.windows > 3, `the split has only ${want.windows} windows`);
      const got = t.evaluate();
      assert.equal(got.characters, windows * perWindow, `--eval-chars ${evalChars}`);
      assert.ok(
        rel(got.valLoss, want.loss) < TOL.f64,
        `--eval-chars ${evalChars}: ${got.valLoss} vs ${want.loss}`,
      );
      assert.deepEqual(t.validationChars, { scored: windows * perWindow, total: want.windows * perWindow });
    }
    // at or above the split's size, and 0: the whole split
    for (const evalChars of [0, 1e9]) {
      const t = small({ model: 'gru', valFraction: 0.2, evalChars });
      const want = reference(t, 'gru');
      assert.equal(t.evaluate().characters, want.characters, `--eval-chars ${evalChars}`);
    }
  });
});

describe('the learning rate applied at every step is the schedule', () => {
  const base = { optimizer: 'sgd' as const, lr: 0.05, clip: Infinity, clipNorm: Infinity };
  const cases: [string, Partial<TrainConfig>, (i: number) => number][] = [
    ['constant', {}, () => 0.05],
    ['--warmup 4 then constant', { warmup: 4 }, (i) => (i < 4 ? (0.05 * (i + 1)) / 4 : 0.05)],
    [
      'cosine over --decay-iters 12 with --warmup 2 and --lr-floor 0.2',
      { schedule: 'cosine', decayIters: 12, warmup: 2, lrFloor: 0.2 },
      (i) =>
        i < 2
          ? (0.05 * (i + 1)) / 2
          : 0.01 + 0.5 * (0.05 - 0.01) * (1 + Math.cos((Math.PI * Math.min(1, (i - 2) / 10)) as number)),
    ],
    [
      'cosine over --decay-iters 12 even with --time-limit (iterations win over time)',
      { schedule: 'cosine', decayIters: 12, timeLimit: 3600, lrFloor: 0.2 },
      (i) => 0.01 + 0.5 * (0.05 - 0.01) * (1 + Math.cos(Math.PI * Math.min(1, i / 12))),
    ],
    [
      'cosine over --iters 10 (no --decay-iters)',
      { schedule: 'cosine', iters: 10, lrFloor: 0.1 },
      (i) => 0.005 + 0.5 * (0.05 - 0.005) * (1 + Math.cos(Math.PI * Math.min(1, i / 10))),
    ],
    [
      'linear over --decay-iters 12 with --warmup 2 and --lr-floor 0.2',
      { schedule: 'linear', decayIters: 12, warmup: 2, lrFloor: 0.2 },
      (i) => (i < 2 ? (0.05 * (i + 1)) / 2 : 0.01 + (0.05 - 0.01) * (1 - Math.min(1, (i - 2) / 10))),
    ],
    [
      'linear over --iters 10 (no --decay-iters) down to 0',
      { schedule: 'linear', iters: 10, lrFloor: 0 },
      (i) => 0.05 * (1 - Math.min(1, i / 10)),
    ],
    [
      'step: --gamma 0.5 every --step-every 3 down to --lr-floor 0.2',
      { schedule: 'step', gamma: 0.5, stepEvery: 3, lrFloor: 0.2 },
      (i) => Math.max(0.01, 0.05 * 0.5 ** Math.floor(i / 3)),
    ],
  ];
  for (const [what, over, want] of cases) {
    it(what, () => {
      const t = small({ ...base, ...over });
      for (let i = 0; i < 14; i++) {
        const { lr, event } = appliedLr(t);
        assert.ok(
          rel(event, want(i)) < TOL.f64,
          `iteration ${i}: the step reports lr ${event}, the schedule is ${want(i)}`,
        );
        assert.ok(
          rel(lr, want(i)) < TOL.lr,
          `iteration ${i}: SGD applied lr ${lr}, the schedule is ${want(i)}`,
        );
      }
    });
  }

  const shapes = [
    ['cosine', (p: number) => 0.5 * (1 + Math.cos(Math.PI * p))],
    ['linear', (p: number) => 1 - p],
  ] as const;
  for (const [schedule, shape] of shapes) {
    it(`${schedule} over --time-limit: the learning rate follows the share of training time used`, () => {
      const t = small({ ...base, schedule, timeLimit: 100, lrFloor: 0.1 });
      for (const used of [0, 25, 50, 75, 100, 150]) {
        t.trainSeconds = used;
        const want = 0.005 + (0.05 - 0.005) * shape(Math.min(1, used / 100));
        const { lr, event } = appliedLr(t);
        assert.ok(
          rel(event, want) < TOL.f64 && rel(lr, want) < TOL.lr,
          `${used} s of 100: lr ${lr}, want ${want}`,
        );
      }
    });
  }
});

describe('clipping, weight decay and the optimizer take effect', () => {
  it('--clip: every gradient element is clamped to [-clip, clip] before the update', () => {
    const raw = small({ optimizer: 'sgd', lr: 0.1, clip: Infinity, clipNorm: Infinity });
    raw.step();
    const g = Float64Array.from(raw.model.dtheta);
    const c = 0.02;
    const clipped = small({ optimizer: 'sgd', lr: 0.1, clip: c, clipNorm: Infinity });
    const before = Float64Array.from(clipped.model.theta);
    clipped.step();
    let bound = 0;
    for (let i = 0; i < g.length; i++) {
      const want = Math.max(-c, Math.min(c, g[i]));
      if (Math.abs(g[i]) > c) bound++;
      assert.ok(Math.abs(before[i] - 0.1 * want - clipped.model.theta[i]) < 1e-15, `element ${i}`);
    }
    assert.ok(bound > 0, 'the clip bound some elements');
  });

  it('--clip-norm: the gradient is scaled to the given L2 norm, and the step reports the norm before', () => {
    const raw = small({ optimizer: 'sgd', lr: 0.1, clip: Infinity, clipNorm: Infinity });
    raw.step();
    const g = Float64Array.from(raw.model.dtheta);
    const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    const max = norm / 4;
    const t = small({ optimizer: 'sgd', lr: 0.1, clip: Infinity, clipNorm: max });
    const e = t.step();
    assert.ok(rel(e.gradNorm, norm) < TOL.f64, `reported ${e.gradNorm}, norm ${norm}`);
    const scale = max / (norm + 1e-6);
    for (let i = 0; i < g.length; i++) assert.ok(Math.abs(t.model.dtheta[i] - g[i] * scale) < 1e-15);
  });

  it('--weight-decay: AdamW shrinks the weight matrices by lr * decay before the update, not the biases; Adam ignores it', () => {
    const a = small({ optimizer: 'adamw', weightDecay: 0, lr: 0.01 });
    const b = small({ optimizer: 'adamw', weightDecay: 0.3, lr: 0.01 });
    const adam = small({ optimizer: 'adam', weightDecay: 0.3, lr: 0.01 });
    const plain = small({ optimizer: 'adam', weightDecay: 0, lr: 0.01 });
    const init = Float64Array.from(a.model.theta);
    for (const t of [a, b, adam, plain]) t.step();
    for (const x of a.model.tensors) {
      for (let i = x.offset; i < x.offset + x.size; i++) {
        const want = x.shape.length >= 2 ? -0.01 * 0.3 * init[i] : 0;
        assert.ok(Math.abs(b.model.theta[i] - a.model.theta[i] - want) < 1e-15, `${x.name}[${i - x.offset}]`);
      }
    }
    assert.deepEqual(adam.model.theta, plain.model.theta);
  });

  it('--optimizer: the trainer updates with the rule it names', () => {
    for (const kind of ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const) {
      assert.equal(small({ optimizer: kind }).optimizer.config.kind, kind);
    }
    const states = ['sgd', 'adagrad', 'rmsprop', 'adam'].map((optimizer) => {
      const t = small({
        optimizer: optimizer as TrainConfig['optimizer'],
        lr: 0.01,
        clip: Infinity,
        clipNorm: Infinity,
      });
      t.step();
      return Array.from(t.model.theta.subarray(0, 20));
    });
    assert.equal(new Set(states.map((s) => s.join())).size, 4, 'each rule moves the weights differently');
  });
});

describe('dropout, loss units, smoothing and samples', () => {
  it('--dropout: that share of each layer output is dropped in training, the rest scaled by 1/(1-p)', () => {
    for (const p of [0.1, 0.4]) {
      const t = small({ layers: 2, hidden: 32, batch: 4, seqLength: 16, dropout: p });
      t.step();
      const masks = (t.model as RecurrentModel).dropoutMasks;
      assert.equal(masks.length, 2);
      let zeros = 0;
      let total = 0;
      for (const m of masks) {
        for (const v of m) {
          assert.ok(v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-12);
          if (v === 0) zeros++;
          total++;
        }
      }
      // 4096 Bernoulli draws: the rate is within 4 standard deviations of p
      const sd = Math.sqrt((p * (1 - p)) / total);
      assert.ok(Math.abs(zeros / total - p) < 4 * sd, `dropped ${zeros / total}, asked ${p}`);
    }
    assert.equal((small({ dropout: 0 }).model as RecurrentModel).dropoutMasks.length, 0);
  });

  it('--seed draws the dropout masks too: the same seed the same masks, another seed others', () => {
    const masks = (seed: number) => {
      const t = small({ hidden: 32, batch: 4, seqLength: 16, dropout: 0.4, seed });
      t.step();
      return (t.model as RecurrentModel).dropoutMasks.map((m) => Array.from(m).join()).join('|');
    };
    assert.equal(masks(3), masks(3));
    assert.notEqual(masks(3), masks(4), 'the dropout masks follow the seed');
    assert.notEqual(masks(0), masks(4));
  });

  it("lossUnit and smoothing: the seed's summed window loss and 0.001, the recipes' per-character loss and 0.01", () => {
    for (const [preset, unit, w] of [
      ['min-char-rnn', 'window', 0.001],
      ['char-lstm', 'char', 0.01],
    ] as const) {
      const t = small({}, preset);
      assert.equal(t.config.lossUnit, unit);
      const start = Math.log(V) * (unit === 'window' ? t.config.seqLength : 1);
      assert.ok(rel(t.smoothLoss, start) < TOL.f64);
      const probe = small({}, preset);
      const { train } = layText(corpus.ids, probe.config);
      const n = probe.config.batch * probe.config.seqLength;
      const [inputs, targets] = [new Int32Array(n), new Int32Array(n)];
      fillWindow(train, 0, inputs, targets);
      const total = probe.model.lossAndGrad(inputs, targets);
      const e = t.step();
      const want = total / (unit === 'window' ? probe.config.batch : n);
      assert.ok(rel(e.loss, want) < TOL.f64, `${preset}: loss ${e.loss}, want ${want}`);
      assert.ok(rel(e.smoothLoss, (1 - w) * start + w * want) < TOL.f64);
    }
  });

  it('--sample-every and --sample-length: a sample of that length before every N-th step, none between', () => {
    const t = small({ sampleEvery: 3, sampleLength: 17 });
    for (let i = 0; i < 10; i++) {
      const e = t.step();
      if (i % 3 === 0) assert.equal([...(e.sample ?? '')].length, 17, `iteration ${i}`);
      else assert.equal(e.sample, undefined, `iteration ${i}`);
    }
  });

  it("sampleStart: the seed's samples start from the carried state, the recipes' from zero", () => {
    const carried = small({ sampleEvery: 5, sampleLength: 40, sampleStart: 'carried' });
    const zero = small({ sampleEvery: 5, sampleLength: 40, sampleStart: 'zero' });
    const samples = (t: Trainer) => Array.from({ length: 11 }, () => t.step().sample).filter(Boolean);
    const [a, b] = [samples(carried), samples(zero)];
    assert.equal(a[0], b[0], 'at iteration 0 the carried state is zero');
    assert.notEqual(a[1], b[1], 'later it is not');
  });
});

describe('--threads: the gradient summed over two threads is the gradient of one', () => {
  for (const [dtype, backend, tol] of [
    ['f64', 'ref', TOL.f64],
    ['f32', 'wasm', TOL.f32Grad],
  ] as const) {
    it(`${dtype} ${backend}: element by element, and the loss`, () => {
      const settings = { layers: 2, hidden: 12, batch: 4, seqLength: 8, dtype, backend, dropout: 0 };
      const one = small({ ...settings, threads: 1 });
      const two = Trainer.create(corpus, { ...one.config, threads: 2 }, nodeHost);
      open.push(two);
      assert.equal(two.config.threads, 2);
      assert.deepEqual(two.model.theta, one.model.theta);
      const { train } = layText(corpus.ids, one.config);
      const inputs = new Int32Array(32);
      const targets = new Int32Array(32);
      for (const w of [0, 1]) {
        fillWindow(train, w, inputs, targets);
        const [l1, l2] = [one.model.lossAndGrad(inputs, targets), two.model.lossAndGrad(inputs, targets)];
        assert.ok(rel(l2, l1) < tol, `window ${w}: loss ${l2} on two threads, ${l1} on one`);
        const g1 = one.model.dtheta;
        const g2 = two.model.dtheta;
        const scale = Math.max(...Array.from(g1, Math.abs));
        let worst = { d: 0, at: 0 };
        for (let i = 0; i < g1.length; i++) {
          const d = Math.abs(g2[i] - g1[i]) / scale;
          if (d > worst.d) worst = { d, at: i };
        }
        assert.ok(
          worst.d < tol,
          `window ${w}: gradient differs by ${worst.d} of its scale at [${worst.at}]: ${g2[worst.at]} vs ${g1[worst.at]}`,
        );
      }
    });
  }
});
