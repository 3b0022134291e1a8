// The kernel conformance suite: every kernel of src/kernels/types.ts, for wasm f32, wasm f64 and ref f32,
// checked against a float64 oracle (the reference kernels run in f64 on copies of the very inputs the
// backend saw). Odd sizes (tails of every vector loop), the seed's sizes, extreme inputs, the aliasing the
// interface allows, acc on and off; guard cells around every array must come back untouched and inputs
// unchanged. One table of cases, one runner. The oracle itself, ref f64, is not run here (it would be
// compared with itself): test/kernels/ref-spec.test.ts checks it against an independent specification.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bytesFor } from '../../src/kernels/index.js';
import { RefKernels } from '../../src/kernels/ref.js';
import type { BackendName, Dtype, FloatArray, Kernels } from '../../src/kernels/types.js';
import { createWasmKernels, initWasm } from '../../src/kernels/wasm.js';
import { MT19937 } from '../../src/rng.js';

/**
 * Named tolerances, by dtype. `linear`: |got - want| over the same kernel run on |inputs| (so a dot product
 * is judged against sum |a||b|, the scale its rounding error lives on). `transcendental`: relative to |want|
 * (tanh, sigmoid, softmax, the loss). `exact`: copies and clamps.
 */
const TOL = {
  linear: { f64: 1e-13, f32: 2e-6 },
  transcendental: { f64: 1e-14, f32: 5e-7 },
  exact: { f64: 0, f32: 0 },
} as const;
type TolClass = keyof typeof TOL;
/** Scales below this count as this (so subnormal results are judged absolutely). */
const FLOOR = { f64: 1e-300, f32: 1e-30 } as const;
/** Guard cells before and after every array (4 keeps 16-byte alignment in both dtypes), and their value. */
const GUARD = 4;
const SENTINEL = 1234.5;
const INT_SENTINEL = 0x7eadbeef;

// ---- inputs: a seeded PRNG (mulberry32), one stream per case, seeded by the case's name ----

type Rng = () => number;
function rngFor(name: string): Rng {
  let s = 2166136261;
  for (let i = 0; i < name.length; i++) s = Math.imul(s ^ name.charCodeAt(i), 16777619);
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Gen = (i: number, rng: Rng) => number;
const uniform =
  (lo: number, hi: number): Gen =>
  (_i, rng) =>
    lo + (hi - lo) * rng();
const U = uniform(-1, 1);
const ints =
  (n: number): Gen =>
  (_i, rng) =>
    Math.floor(rng() * n);
const cycle =
  (values: readonly number[]): Gen =>
  (i) =>
    values[i % values.length]!;
/** Inputs that break naive tanh/sigmoid/exp: huge, tiny, signed zeros, the polynomial/exp switch, NaN, Inf. */
const EXTREMES = [
  0,
  -0,
  1e-8,
  -1e-8,
  1e-30,
  -3e-4,
  88,
  -88,
  1e4,
  -1e4,
  0.625,
  -0.625,
  0.6249,
  -0.6251,
  20,
  -20,
  9.5,
  -9.5,
  87.5,
  -103,
  104,
  1e38,
  Infinity,
  -Infinity,
  NaN,
];

// ---- the table ----

interface ArgSpec {
  n: number;
  int?: boolean;
  /** Written by the kernel (compared with the oracle); otherwise it must come back unchanged. */
  out?: boolean;
  /** Values, U(-1, 1) by default (out arrays too: acc=false must overwrite them). */
  gen?: Gen;
  /** This argument is the same array as another one (the aliasing the interface allows). */
  same?: string;
}
type Floats = Record<string, FloatArray>;
type Ints = Record<string, Int32Array>;
interface OracleRun {
  before: Record<string, Float64Array>;
  after: Record<string, Float64Array>;
  abs: Record<string, Float64Array>;
  ints: Ints;
}
/** The scale an element's error is divided by. */
type Scale = (arg: string, i: number, want: number, o: OracleRun) => number;
const REL: Scale = (_a, _i, want) => Math.abs(want);
const ABS: Scale = (a, i, _w, o) => Math.abs(o.abs[a]![i]!);
/** For in-place updates: |value before| + |change|. */
const CHANGE: Scale = (a, i, want, o) => Math.abs(o.before[a]![i]!) + Math.abs(want - o.before[a]![i]!);
/**
 * softmax of logits `src` (rows of rowLen) times invT: exp(z) for an f32 z carries a relative error of
 * |z| ulp from the rounding of z itself, so each probability is judged against p * max(1, |z|).
 */
const softmaxScale =
  (src: string, rowLen: number, invT: number): Scale =>
  (_a, i, want, o) => {
    const lg = o.before[src]!;
    const row = i - (i % rowLen);
    let max = -Infinity;
    for (let j = row; j < row + rowLen; j++) max = Math.max(max, lg[j]!);
    return Math.abs(want) * Math.max(1, Math.abs((lg[i]! - max) * invT));
  };
/** For the recurrent cells: sums of products of O(1) activations, judged against 1 + |want|. */
const UNIT: Scale = (_a, _i, want) => 1 + Math.abs(want);
const RETURN = '(return)';

interface Case {
  kernel: keyof Kernels;
  name: string;
  args: Record<string, ArgSpec>;
  /** Runs the kernel; a number it returns is compared too. */
  call: (k: Kernels, f: Floats, i: Ints) => unknown;
  tol: TolClass;
  scale: Scale;
}
const cases: Case[] = [];
function add(c: Omit<Case, 'scale' | 'tol'> & Partial<Pick<Case, 'scale' | 'tol'>>): void {
  cases.push({ tol: 'linear', scale: ABS, ...c });
}

const ODD = [1, 3, 5, 7, 17, 65, 100, 129];
const SIZES = [...ODD, 2, 4, 8, 16, 32, 64];
/** (M, K) shapes: tails in both dims, vector-width multiples, the seed's 100x100 and 65x100. */
const MK: [number, number][] = [
  [1, 1],
  [1, 7],
  [3, 5],
  [5, 3],
  [7, 17],
  [17, 7],
  [4, 100],
  [65, 100],
  [100, 65],
  [100, 100],
  [129, 129],
  [8, 8],
  [16, 33],
  [2, 64],
  [33, 2],
];
/** (M, N, K) shapes, including the seed's four batched products. */
const MNK: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [7, 3, 5],
  [5, 7, 3],
  [2, 4, 1],
  [4, 8, 16],
  [9, 33, 2],
  [17, 129, 9],
  [8, 16, 32],
  [25, 65, 100],
  [25, 100, 65],
  [65, 100, 25],
  [100, 100, 25],
  // one row: a single stream's step (the products dispatch to gemv / gemvT)
  [1, 100, 100],
  [1, 67, 33],
  [1, 256, 64],
];
const ACC = [false, true];

for (const [M, K] of MK) {
  for (const acc of ACC) {
    const tag = `M=${M} K=${K} acc=${acc}`;
    add({
      kernel: 'gemv',
      name: `gemv ${tag}`,
      args: { y: { n: M, out: true }, W: { n: M * K }, x: { n: K } },
      call: (k, f) => k.gemv(f.y!, f.W!, f.x!, M, K, acc),
    });
    add({
      kernel: 'gemvT',
      name: `gemvT ${tag}`,
      args: { y: { n: K, out: true }, W: { n: M * K }, x: { n: M } },
      call: (k, f) => k.gemvT(f.y!, f.W!, f.x!, M, K, acc),
    });
  }
  add({
    kernel: 'ger',
    name: `ger M=${M} K=${K}`,
    args: { A: { n: M * K, out: true, gen: U }, x: { n: M }, y: { n: K } },
    call: (k, f) => k.ger(f.A!, f.x!, f.y!, M, K),
  });
  for (const col of new Set([0, K >> 1, K - 1])) {
    add({
      kernel: 'addColumn',
      name: `addColumn M=${M} K=${K} col=${col}`,
      args: { y: { n: M, out: true, gen: U }, W: { n: M * K } },
      call: (k, f) => k.addColumn(f.y!, f.W!, col, M, K),
    });
    add({
      kernel: 'addToColumn',
      name: `addToColumn M=${M} K=${K} col=${col}`,
      args: { W: { n: M * K, out: true, gen: U }, x: { n: M } },
      call: (k, f) => k.addToColumn(f.W!, f.x!, col, M, K),
    });
  }
  const [R, C] = [M, K];
  const rows = Math.max(1, R >> 1); // fewer table rows than ids: repeats in the scatter
  add({
    kernel: 'gatherRows',
    name: `gatherRows R=${R} C=${C}`,
    args: { Y: { n: R * C, out: true }, E: { n: rows * C }, ids: { n: R, int: true, gen: ints(rows) } },
    call: (k, f, i) => k.gatherRows(f.Y!, f.E!, i.ids!, R, C),
    tol: 'exact',
  });
  add({
    kernel: 'scatterAddRows',
    name: `scatterAddRows R=${R} C=${C}`,
    args: {
      dE: { n: rows * C, out: true, gen: U },
      dY: { n: R * C },
      ids: { n: R, int: true, gen: ints(rows) },
    },
    call: (k, f, i) => k.scatterAddRows(f.dE!, f.dY!, i.ids!, R, C),
  });
  add({
    kernel: 'addRowVector',
    name: `addRowVector R=${R} C=${C}`,
    args: { Y: { n: R * C, out: true, gen: U }, b: { n: C } },
    call: (k, f) => k.addRowVector(f.Y!, f.b!, R, C),
  });
  add({
    kernel: 'sumRows',
    name: `sumRows R=${R} C=${C}`,
    args: { b: { n: C, out: true, gen: U }, X: { n: R * C } },
    call: (k, f) => k.sumRows(f.b!, f.X!, R, C),
  });
  const targets = { n: R, int: true, gen: ints(C) };
  /** softmax - onehot: the target's entry p - 1 is judged against 1 (its scale), the others relatively. */
  const xentScale =
    (src: string): Scale =>
    (a, i, want, o) =>
      a === RETURN
        ? Math.abs(want)
        : o.ints.t![Math.floor(i / C)] === i % C
          ? 1
          : softmaxScale(src, C, 1)(a, i, want, o);
  for (const [label, gen] of [
    ['random', uniform(-5, 5)],
    ['large', cycle([1e4, -1e4, 88, -88, 0, 30, -1e3, 5])],
  ] as const) {
    add({
      kernel: 'softmaxXent',
      name: `softmaxXent R=${R} C=${C} ${label}`,
      args: { dl: { n: R * C, out: true }, lg: { n: R * C, gen }, t: targets },
      call: (k, f, i) => k.softmaxXent(f.dl!, f.lg!, i.t!, R, C),
      tol: 'transcendental',
      scale: xentScale('lg'),
    });
  }
  add({
    kernel: 'softmaxXent',
    name: `softmaxXent R=${R} C=${C} in place`,
    args: { lg: { n: R * C, out: true, gen: uniform(-5, 5) }, dl: { n: 0, same: 'lg' }, t: targets },
    call: (k, f, i) => k.softmaxXent(f.dl!, f.lg!, i.t!, R, C),
    tol: 'transcendental',
    scale: xentScale('lg'),
  });
}

for (const [M, N, K] of MNK) {
  for (const acc of ACC) {
    const tag = `M=${M} N=${N} K=${K} acc=${acc}`;
    add({
      kernel: 'gemmNT',
      name: `gemmNT ${tag}`,
      args: { C: { n: M * N, out: true }, A: { n: M * K }, B: { n: N * K } },
      call: (k, f) => k.gemmNT(f.C!, f.A!, f.B!, M, N, K, acc),
    });
    add({
      kernel: 'gemmNN',
      name: `gemmNN ${tag}`,
      args: { C: { n: M * N, out: true }, A: { n: M * K }, B: { n: K * N } },
      call: (k, f) => k.gemmNN(f.C!, f.A!, f.B!, M, N, K, acc),
    });
    add({
      kernel: 'gemmTN',
      name: `gemmTN ${tag}`,
      args: { C: { n: M * N, out: true }, A: { n: K * M }, B: { n: K * N } },
      call: (k, f) => k.gemmTN(f.C!, f.A!, f.B!, M, N, K, acc),
    });
  }
}

/**
 * Large products (the LSTM's window and per-step shapes, and odd neighbours): the wasm kernels pack and
 * block these (K panels, column blocks, row tiles of 6 and 4, partial tiles), so the tails of every
 * blocking level are exercised here. Few, as the f64 oracle runs in plain JS. [kernel, M, N, K, acc]
 */
const BIG_GEMMS: ['gemmNT' | 'gemmNN' | 'gemmTN', number, number, number, boolean][] = [
  ['gemmTN', 1024, 64, 1024, false],
  ['gemmTN', 1021, 67, 2047, true],
  ['gemmTN', 67, 259, 515, false],
  ['gemmTN', 130, 130, 1000, true],
  ['gemmNN', 37, 259, 1027, true],
  ['gemmNN', 130, 67, 1030, false],
  ['gemmNN', 515, 19, 130, true],
  ['gemmNN', 32, 256, 1024, true],
  ['gemmNT', 259, 67, 257, false],
  ['gemmNT', 33, 1027, 65, true],
  ['gemmNT', 32, 1024, 256, true],
  ['gemmNT', 70, 300, 100, false],
];
for (const [kernel, M, N, K, acc] of BIG_GEMMS) {
  const [aN, bN] =
    kernel === 'gemmNT' ? [M * K, N * K] : kernel === 'gemmNN' ? [M * K, K * N] : [K * M, K * N];
  add({
    kernel,
    name: `${kernel} M=${M} N=${N} K=${K} acc=${acc} (large)`,
    args: { C: { n: M * N, out: true }, A: { n: aN }, B: { n: bN } },
    call: (k, f) => k[kernel](f.C!, f.A!, f.B!, M, N, K, acc),
  });
}

const transcendentalInputs: [string, Gen, number[]][] = [
  ['random', uniform(-4, 4), SIZES],
  ['wide', uniform(-30, 30), [7, 65, 129]],
  ['extremes', cycle(EXTREMES), [EXTREMES.length, 3 * EXTREMES.length]],
  ['zeros', () => 0, [5]],
];
for (const [label, gen, sizes] of transcendentalInputs) {
  for (const n of sizes) {
    for (const kernel of ['tanh', 'sigmoid'] as const) {
      add({
        kernel,
        name: `${kernel} n=${n} ${label}`,
        args: { y: { n, out: true }, x: { n, gen } },
        call: (k, f) => k[kernel](f.y!, f.x!, n),
        tol: 'transcendental',
        scale: REL,
      });
      add({
        kernel,
        name: `${kernel} n=${n} ${label} in place`,
        args: { x: { n, out: true, gen }, y: { n: 0, same: 'x' } },
        call: (k, f) => k[kernel](f.y!, f.x!, n),
        tol: 'transcendental',
        scale: REL,
      });
    }
    for (const invT of [1, 0.5, 2.5]) {
      add({
        kernel: 'softmax',
        name: `softmax n=${n} ${label} invT=${invT}`,
        args: { p: { n, out: true }, lg: { n, gen } },
        call: (k, f) => k.softmax(f.p!, f.lg!, n, invT),
        tol: 'transcendental',
        scale: softmaxScale('lg', n, invT),
      });
    }
  }
}

for (const n of SIZES) {
  add({
    kernel: 'softmax',
    name: `softmax n=${n} in place`,
    args: { lg: { n, out: true, gen: uniform(-8, 8) }, p: { n: 0, same: 'lg' } },
    call: (k, f) => k.softmax(f.p!, f.lg!, n, 1),
    tol: 'transcendental',
    scale: softmaxScale('lg', n, 1),
  });
  add({
    kernel: 'add',
    name: `add n=${n}`,
    args: { y: { n, out: true }, x: { n }, b: { n } },
    call: (k, f) => k.add(f.y!, f.x!, f.b!, n),
  });
  add({
    kernel: 'add',
    name: `add n=${n} y=x`,
    args: { x: { n, out: true, gen: U }, y: { n: 0, same: 'x' }, b: { n } },
    call: (k, f) => k.add(f.y!, f.x!, f.b!, n),
  });
  add({
    kernel: 'add',
    name: `add n=${n} b=y`,
    args: { y: { n, out: true, gen: U }, x: { n }, b: { n: 0, same: 'y' } },
    call: (k, f) => k.add(f.y!, f.x!, f.b!, n),
  });
  /** (1 - y^2) dy: its rounding lives on (1 + y^2)|dy|. */
  const tbScale: Scale = (_a, i, _w, o) => (1 + o.before.y![i]! ** 2) * Math.abs(o.before.dy![i]!);
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n}`,
    args: { dx: { n, out: true }, y: { n, gen: uniform(-0.999, 0.999) }, dy: { n } },
    call: (k, f) => k.tanhBackward(f.dx!, f.y!, f.dy!, n),
    scale: tbScale,
  });
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n} dx=dy`,
    args: { dy: { n, out: true, gen: U }, dx: { n: 0, same: 'dy' }, y: { n, gen: uniform(-0.999, 0.999) } },
    call: (k, f) => k.tanhBackward(f.dx!, f.y!, f.dy!, n),
    scale: tbScale,
  });
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n} dx=y`,
    args: { y: { n, out: true, gen: uniform(-0.999, 0.999) }, dx: { n: 0, same: 'y' }, dy: { n } },
    call: (k, f) => k.tanhBackward(f.dx!, f.y!, f.dy!, n),
    scale: tbScale,
  });
  /** y + a x: its rounding lives on |y| + |a x| (the abs oracle cannot see the sign of a). */
  const axpyScale =
    (a: number): Scale =>
    (_n, i, _w, o) =>
      Math.abs(o.before.y![i]!) + Math.abs(a * o.before.x![i]!);
  for (const a of [0.37, -2.5]) {
    add({
      kernel: 'axpy',
      name: `axpy n=${n} a=${a}`,
      args: { y: { n, out: true, gen: U }, x: { n } },
      call: (k, f) => k.axpy(f.y!, a, f.x!, n),
      scale: axpyScale(a),
    });
  }
  add({
    kernel: 'axpy',
    name: `axpy n=${n} x=y`,
    args: { y: { n, out: true, gen: U }, x: { n: 0, same: 'y' } },
    call: (k, f) => k.axpy(f.y!, -0.75, f.x!, n),
    scale: axpyScale(-0.75),
  });
  add({
    kernel: 'scale',
    name: `scale n=${n}`,
    args: { x: { n, out: true, gen: U } },
    call: (k, f) => k.scale(f.x!, -1.7, n),
  });
  add({
    kernel: 'sumSquares',
    name: `sumSquares n=${n}`,
    args: { x: { n, gen: uniform(-3, 3) } },
    call: (k, f) => k.sumSquares(f.x!, n),
  });
  add({
    kernel: 'clip',
    name: `clip n=${n}`,
    args: { x: { n, out: true, gen: uniform(-1, 1) } },
    call: (k, f) => k.clip(f.x!, 0.5, n),
    tol: 'exact',
  });
  add({
    kernel: 'clip',
    name: `clip n=${n} extremes`,
    args: { x: { n, out: true, gen: cycle([NaN, Infinity, -Infinity, 5, -5, 4.5, -0, 1e30, -1e-30]) } },
    call: (k, f) => k.clip(f.x!, 5, n),
    tol: 'exact',
  });
  // sparse: runs of +0 and -0 gradients (the one-hot input's untouched rows), which the wasm kernel skips a
  // vector at a time, and vectors where a run meets ordinary gradients (a skip must look at every lane)
  const sparse: Gen = (i, rng) => (i % 12 < 7 ? (i % 24 < 12 ? 0 : -0) : 20 * rng() - 10);
  for (const [label, clip, gen] of [
    ['clip=5', 5, uniform(-10, 10)],
    ['no clip', Infinity, uniform(-3, 3)],
    ['sparse', 5, sparse],
  ] as const) {
    add({
      kernel: 'adagrad',
      name: `adagrad n=${n} ${label}`,
      args: {
        param: { n, out: true, gen: U },
        grad: { n, out: true, gen },
        mem: { n, out: true, gen: uniform(0, 2) },
      },
      call: (k, f) => k.adagrad(f.param!, f.grad!, f.mem!, n, 0.1, 1e-8, clip),
      scale: CHANGE,
    });
  }
}
for (const n of SIZES) {
  add({
    kernel: 'mul',
    name: `mul n=${n}`,
    args: { y: { n, out: true }, x: { n }, m: { n } },
    call: (k, f) => k.mul(f.y!, f.x!, f.m!, n),
  });
  add({
    kernel: 'mul',
    name: `mul n=${n} y=x`,
    args: { x: { n, out: true, gen: U }, y: { n: 0, same: 'x' }, m: { n, gen: cycle([0, 2, 0.5, 2]) } },
    call: (k, f) => k.mul(f.y!, f.x!, f.m!, n),
  });
  add({
    kernel: 'rmsprop',
    name: `rmsprop n=${n}`,
    args: {
      param: { n, out: true },
      grad: { n, gen: uniform(-3, 3) },
      ms: { n, out: true, gen: uniform(0, 2) },
    },
    call: (k, f) => k.rmsprop(f.param!, f.grad!, f.ms!, n, 2e-3, 0.95, 1e-8),
    scale: CHANGE,
  });
  for (const [label, wd, t] of [
    ['adam t=1', 0, 1],
    ['adamw t=7', 0.01, 7],
  ] as const) {
    const [b1, b2] = [0.9, 0.999];
    add({
      kernel: 'adam',
      name: `adam n=${n} ${label}`,
      args: {
        param: { n, out: true },
        grad: { n, gen: uniform(-3, 3) },
        m: { n, out: true, gen: uniform(-0.5, 0.5) },
        v: { n, out: true, gen: uniform(0, 1) },
      },
      call: (k, f) =>
        k.adam(f.param!, f.grad!, f.m!, f.v!, n, 1e-3, b1, b2, 1e-8, 1 - b1 ** t, 1 - b2 ** t, wd),
      scale: CHANGE,
    });
  }
}
/** (B, H) shapes for the recurrent cells: one row, a batch, tails of every width. */
const CELLS: [number, number][] = [
  [1, 1],
  [1, 3],
  [2, 5],
  [3, 7],
  [1, 100],
  [4, 17],
  [2, 64],
  [3, 129],
];
for (const [B, H] of CELLS) {
  const gates = uniform(-4, 4);
  add({
    kernel: 'lstmCellForward',
    name: `lstmCellForward B=${B} H=${H}`,
    args: {
      G: { n: B * 4 * H, out: true, gen: gates },
      c: { n: B * H, out: true },
      tanhC: { n: B * H, out: true },
      h: { n: B * H, out: true },
      cPrev: { n: B * H, gen: uniform(-3, 3) },
    },
    call: (k, f) => k.lstmCellForward(f.G!, f.c!, f.tanhC!, f.h!, f.cPrev!, B, H),
    tol: 'transcendental',
    scale: UNIT,
  });
  add({
    kernel: 'lstmCellForward',
    name: `lstmCellForward B=${B} H=${H} c=cPrev extremes`,
    args: {
      G: { n: B * 4 * H, out: true, gen: cycle(EXTREMES.filter((v) => !Number.isNaN(v))) },
      cPrev: { n: B * H, out: true, gen: uniform(-3, 3) },
      c: { n: 0, same: 'cPrev' },
      tanhC: { n: B * H, out: true },
      h: { n: B * H, out: true },
    },
    call: (k, f) => k.lstmCellForward(f.G!, f.c!, f.tanhC!, f.h!, f.cPrev!, B, H),
    tol: 'transcendental',
    scale: UNIT,
  });
  const lstmBwdArgs = {
    dG: { n: B * 4 * H, out: true },
    G: { n: B * 4 * H, gen: uniform(0, 1) },
    cPrev: { n: B * H },
    tanhC: { n: B * H },
    dh: { n: B * H },
  };
  add({
    kernel: 'lstmCellBackward',
    name: `lstmCellBackward B=${B} H=${H}`,
    args: { ...lstmBwdArgs, dcPrev: { n: B * H, out: true }, dc: { n: B * H } },
    call: (k, f) => k.lstmCellBackward(f.dG!, f.dcPrev!, f.G!, f.cPrev!, f.tanhC!, f.dh!, f.dc!, B, H),
    scale: UNIT,
  });
  add({
    kernel: 'lstmCellBackward',
    name: `lstmCellBackward B=${B} H=${H} dcPrev=dc`,
    args: { ...lstmBwdArgs, dc: { n: B * H, out: true, gen: U }, dcPrev: { n: 0, same: 'dc' } },
    call: (k, f) => k.lstmCellBackward(f.dG!, f.dcPrev!, f.G!, f.cPrev!, f.tanhC!, f.dh!, f.dc!, B, H),
    scale: UNIT,
  });
  const gruFwdArgs = {
    Gx: { n: B * 3 * H, out: true, gen: gates },
    Gh: { n: B * 3 * H, out: true, gen: gates },
    h: { n: B * H, out: true },
    bhn: { n: H },
  };
  add({
    kernel: 'gruCellForward',
    name: `gruCellForward B=${B} H=${H}`,
    args: { ...gruFwdArgs, hPrev: { n: B * H } },
    call: (k, f) => k.gruCellForward(f.Gx!, f.Gh!, f.h!, f.hPrev!, f.bhn!, B, H),
    tol: 'transcendental',
    scale: UNIT,
  });
  add({
    kernel: 'gruCellForward',
    name: `gruCellForward B=${B} H=${H} h=hPrev`,
    args: { ...gruFwdArgs, h: { n: B * H, out: true, gen: U }, hPrev: { n: 0, same: 'h' } },
    call: (k, f) => k.gruCellForward(f.Gx!, f.Gh!, f.h!, f.hPrev!, f.bhn!, B, H),
    tol: 'transcendental',
    scale: UNIT,
  });
  add({
    kernel: 'gruCellBackward',
    name: `gruCellBackward B=${B} H=${H}`,
    args: {
      dGx: { n: B * 3 * H, out: true },
      dGh: { n: B * 3 * H, out: true },
      dhPrev: { n: B * H, out: true, gen: U },
      Gx: { n: B * 3 * H, gen: uniform(0, 1) },
      Gh: { n: B * 3 * H },
      hPrev: { n: B * H },
      dh: { n: B * H },
    },
    call: (k, f) => k.gruCellBackward(f.dGx!, f.dGh!, f.dhPrev!, f.Gx!, f.Gh!, f.hPrev!, f.dh!, B, H),
    scale: UNIT,
  });
}

// the vanilla RNN's recurrence over a window: the seed's (1 row, H 100, 25 steps) and odd sizes. Whh of
// spectral norm about 0.6, so each step's rounding shrinks through the later ones instead of growing.
for (const [B, H, T] of [
  [1, 100, 25],
  [1, 7, 3],
  [3, 5, 4],
  [2, 17, 1],
  [4, 33, 5],
] as const) {
  const n = B * H;
  const Whh = { n: H * H, gen: uniform(-1 / Math.sqrt(H), 1 / Math.sqrt(H)) };
  add({
    kernel: 'rnnForward',
    name: `rnnForward B=${B} H=${H} T=${T}`,
    args: { G: { n: T * n, out: true, gen: uniform(-2, 2) }, hs: { n: (T + 1) * n, out: true }, Whh },
    call: (k, f) => k.rnnForward(f.G!, f.hs!, f.Whh!, B, H, T),
    scale: UNIT,
  });
  add({
    kernel: 'rnnBackward',
    name: `rnnBackward B=${B} H=${H} T=${T}`,
    args: { dG: { n: T * n, out: true }, dh: { n: T * n, out: true }, hs: { n: (T + 1) * n }, Whh },
    call: (k, f) => k.rnnBackward(f.dG!, f.dh!, f.hs!, f.Whh!, B, H, T),
    scale: UNIT,
  });
}

// sumSquares and softmax over a whole parameter-sized vector (the fused optimizer's length)
add({
  kernel: 'sumSquares',
  name: 'sumSquares n=23465',
  args: { x: { n: 23465, gen: U } },
  call: (k, f) => k.sumSquares(f.x!, 23465),
});
add({
  kernel: 'softmax',
  name: 'softmax n=1 NaN',
  args: { p: { n: 1, out: true }, lg: { n: 1, gen: () => NaN } },
  call: (k, f) => k.softmax(f.p!, f.lg!, 1, 1),
  tol: 'transcendental',
  scale: REL,
});
add({
  kernel: 'softmax',
  name: 'softmax n=9 one NaN',
  args: { p: { n: 9, out: true }, lg: { n: 9, gen: (i) => (i === 6 ? NaN : i) } },
  call: (k, f) => k.softmax(f.p!, f.lg!, 9, 1),
  tol: 'transcendental',
  scale: REL,
});
add({
  kernel: 'softmaxXent',
  name: 'softmaxXent R=3 C=7 NaN row',
  args: {
    dl: { n: 21, out: true },
    lg: { n: 21, gen: (i) => (i === 9 ? NaN : i % 7) },
    t: { n: 3, int: true, gen: (i) => 2 * i },
  },
  call: (k, f, i) => k.softmaxXent(f.dl!, f.lg!, i.t!, 3, 7),
  tol: 'transcendental',
  scale: REL,
});

// ---- the runner ----

interface Worst {
  ratio: number;
  err: number;
  tol: number;
  where: string;
}
/** The largest error seen per backend/dtype/kernel, reported at the end of each block. */
const worst = new Map<string, Worst>();

function widthOf(dtype: Dtype): number {
  return dtype === 'f64' ? 8 : 4;
}

/** The kernels under test for one case, with just enough arena for its arrays (guards included). */
function makeKernels(backend: BackendName, dtype: Dtype, c: Case): Kernels {
  if (backend === 'ref') return new RefKernels(dtype);
  const specs = Object.values(c.args).filter((s) => s.same === undefined);
  const floats = specs.filter((s) => !s.int).map((s) => s.n + 2 * GUARD);
  const int32s = specs.filter((s) => s.int).map((s) => s.n + 2 * GUARD);
  return createWasmKernels(dtype, bytesFor(dtype, floats, int32s));
}

const sameValue = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

function runCase(backend: BackendName, dtype: Dtype, c: Case): void {
  const k = makeKernels(backend, dtype, c);
  const rng = rngFor(c.name);
  const full: Record<string, FloatArray | Int32Array> = {};
  const f: Floats = {};
  const ints: Ints = {};
  // allocate and fill: guards with sentinels, contents with the case's values
  for (const [name, s] of Object.entries(c.args)) {
    if (s.same !== undefined) continue;
    const whole = s.int ? k.allocInt32(s.n + 2 * GUARD) : k.alloc(s.n + 2 * GUARD);
    whole.fill(s.int ? INT_SENTINEL : SENTINEL);
    const view = whole.subarray(GUARD, GUARD + s.n);
    const gen = s.gen ?? U;
    for (let i = 0; i < s.n; i++) view[i] = gen(i, rng);
    full[name] = whole;
    if (s.int) ints[name] = view as Int32Array;
    else f[name] = view as FloatArray;
  }
  for (const [name, s] of Object.entries(c.args)) {
    if (s.same === undefined) continue;
    full[name] = full[s.same]!;
    if (c.args[s.same]!.int) ints[name] = ints[s.same]!;
    else f[name] = f[s.same]!;
  }
  const snapshot = Object.fromEntries(Object.entries(full).map(([n, a]) => [n, Float64Array.from(a)]));

  // the oracle: f64 reference kernels on f64 copies of exactly these inputs (aliases kept), and again on |inputs|
  const oracle = (map: (v: number) => number) => {
    const copies = new Map<FloatArray, Float64Array>();
    const o: Record<string, Float64Array> = {};
    for (const [name, a] of Object.entries(f)) {
      if (!copies.has(a)) copies.set(a, Float64Array.from(a, map));
      o[name] = copies.get(a)!;
    }
    const before = Object.fromEntries(Object.entries(o).map(([n, a]) => [n, Float64Array.from(a)]));
    const ret = c.call(new RefKernels('f64'), o, ints);
    if (typeof ret === 'number') o[RETURN] = Float64Array.of(ret);
    return { before, after: o };
  };
  const plain = oracle((v) => v);
  const abs = oracle(Math.abs);
  const run: OracleRun = { before: plain.before, after: plain.after, abs: abs.after, ints };

  const ret = c.call(k, f, ints);
  if (typeof ret === 'number') f[RETURN] = Float64Array.of(ret);

  // guards and inputs untouched
  const written = new Set(
    Object.entries(c.args)
      .filter(([, s]) => s.out)
      .map(([n]) => full[n]),
  );
  for (const [name, whole] of Object.entries(full)) {
    const snap = snapshot[name]!;
    const n = whole.length - 2 * GUARD;
    for (let i = 0; i < whole.length; i++) {
      const inside = i >= GUARD && i < GUARD + n;
      if (inside && written.has(whole)) continue;
      if (!sameValue(whole[i]!, snap[i]!)) {
        assert.fail(
          `${c.name} [${backend} ${dtype}]: ${inside ? 'input' : 'guard cell'} ${name}[${i - GUARD}] changed ` +
            `from ${snap[i]} to ${whole[i]}`,
        );
      }
    }
  }

  // outputs against the oracle
  const tol = TOL[c.tol][dtype];
  const outs = [
    ...Object.entries(c.args)
      .filter(([, s]) => s.out && s.same === undefined)
      .map(([n]) => n),
  ];
  if (typeof ret === 'number') outs.push(RETURN);
  let top: Worst = { ratio: 0, err: 0, tol, where: '' };
  for (const name of outs) {
    const got = f[name]!;
    const want = run.after[name]!;
    for (let i = 0; i < want.length; i++) {
      const g = got[i]!;
      const w = want[i]!;
      let err: number;
      if (Number.isNaN(w) || Number.isNaN(g) || !Number.isFinite(w)) err = sameValue(g, w) ? 0 : Infinity;
      else err = Math.abs(g - w) / Math.max(c.scale(name, i, w, run), FLOOR[dtype]);
      const ratio = tol === 0 ? (err === 0 ? 0 : Infinity) : err / tol;
      if (ratio > top.ratio || (top.where === '' && err >= top.err)) {
        top = { ratio, err, tol, where: `${c.name}: ${name}[${i}] got ${g} want ${w}` };
      }
    }
  }
  const key = `${backend} ${dtype} ${c.kernel}`;
  const prev = worst.get(key);
  if (!prev || top.err > prev.err) worst.set(key, top);
  assert.ok(
    top.ratio <= 1,
    `${c.name} [${backend} ${dtype}]: largest error ${top.err.toExponential(3)} > tol ${tol} at ${top.where}`,
  );
}

// KERNELS_WASM=build/kernels-relaxed.wasm runs the suite against another build of assembly/kernels.ts
const wasmFile = process.env['KERNELS_WASM'];
const wasmReady = await initWasm(wasmFile ? new Uint8Array(readFileSync(wasmFile)) : undefined);

describe('wasm backend', () => {
  it('compiles (WebAssembly SIMD is available in this engine)', () => {
    assert.equal(wasmReady, true);
  });
});

/**
 * The combinations judged by the oracle. Not ref f64: the oracle is RefKernels('f64') on f64 copies of the
 * inputs, so for ref f64 it would run the code under test against itself and could never fail. ref f64
 * (and ref f32 again) is checked by test/kernels/ref-spec.test.ts, against a specification written from
 * the interface's doc comments.
 */
const UNDER_TEST: readonly [BackendName, Dtype][] = [
  ['ref', 'f32'],
  ['wasm', 'f32'],
  ['wasm', 'f64'],
];
for (const [backend, dtype] of UNDER_TEST) {
  describe(`kernels: ${backend} ${dtype}`, () => {
    const byKernel = new Map<string, Case[]>();
    for (const c of cases) byKernel.set(c.kernel, [...(byKernel.get(c.kernel) ?? []), c]);
    for (const [kernel, list] of byKernel) {
      it(`${kernel} (${list.length} cases)`, () => {
        for (const c of list) runCase(backend, dtype, c);
      });
    }
    it('reports its largest errors', (t) => {
      for (const kernel of byKernel.keys()) {
        const w = worst.get(`${backend} ${dtype} ${kernel}`);
        if (w) t.diagnostic(`${kernel}: ${w.err.toExponential(2)} (tol ${w.tol}) at ${w.where}`);
      }
    });
  });
}

// ---- dropoutMask: judged bit for bit against the loop it replaces ----

/**
 * dropoutMask on every backend and dtype, ref f64 included: the oracle is not RefKernels but the plain
 * per-element loop `mask[i] = rng.random() < p ? 0 : keep` on a copy of the generator. The mask and the
 * generator's whole state afterwards must be identical, from positions at, inside and across the 624-word
 * blocks (from an odd position one element's two words straddle a refill), for p that is not a multiple of
 * 2^-53, p = 0, the largest p below 1, and p equal to one of the draws (the comparison is strict).
 */
const DROPOUT_N = [0, 1, 3, 623, 624, 625, 1249, 100003];
/** Where the generator starts: words drawn (or a state set) after seeding; a randn() leaves a cached value. */
const DROPOUT_STARTS: [string, (rng: MT19937) => void][] = [
  ['fresh (pos 624)', () => {}],
  [
    'pos 624 after a refill, a cached gaussian',
    (rng) => {
      rng.randn();
      while (rng.getState().pos < 624) rng.nextUint32();
    },
  ],
  [
    'pos 0 (set)',
    (rng) => {
      rng.nextUint32();
      rng.setState({ ...rng.getState(), pos: 0 });
    },
  ],
  ['pos 1', (rng) => rng.nextUint32()],
  [
    'pos 300, a cached gaussian',
    (rng) => {
      rng.randn();
      while (rng.getState().pos !== 300) rng.nextUint32();
    },
  ],
  [
    'pos 623 (odd)',
    (rng) => {
      for (let i = 0; i < 623; i++) rng.nextUint32();
    },
  ],
];
/** The p values; `ties` are the start's first four draws (one per vector lane), each of which must be kept. */
const DROPOUT_P = (ties: number[]): [string, number][] => [
  ['0.1', 0.1],
  ['0.5', 0.5],
  ['0', 0],
  ['1/3', 1 / 3],
  ['1 - 2^-53', 1 - 2 ** -53],
  ...ties.map((u, i): [string, number] => [`draw ${i}'s own value ${u}`, u]),
];

/** The first difference between two generator states, or '' when they are the same. */
function stateDiff(got: MT19937, want: MT19937): string {
  const [g, w] = [got.getState(), want.getState()];
  const i = w.mt.findIndex((v, j) => g.mt[j] !== v);
  if (i >= 0) return `mt[${i}] got ${g.mt[i]} want ${w.mt[i]}`;
  for (const key of ['pos', 'hasGauss', 'gauss'] as const) {
    if (!Object.is(g[key], w[key])) return `${key} got ${g[key]} want ${w[key]}`;
  }
  return '';
}

for (const backend of ['ref', 'wasm'] as const) {
  for (const dtype of ['f32', 'f64'] as const) {
    describe(`dropoutMask: ${backend} ${dtype}`, () => {
      it('masks and the generator state after are those of the per-element loop', () => {
        const most = Math.max(...DROPOUT_N);
        const k =
          backend === 'ref'
            ? new RefKernels(dtype)
            : createWasmKernels(dtype, bytesFor(dtype, [most + 2 * GUARD]));
        const whole = k.alloc(most + 2 * GUARD);
        const want = dtype === 'f64' ? new Float64Array(most) : new Float32Array(most);
        let count = 0;
        for (const [s, [start, prepare]] of DROPOUT_STARTS.entries()) {
          const seeded = new MT19937(1000 + s);
          prepare(seeded);
          const peek = new MT19937();
          peek.setState(seeded.getState());
          const ties = [0, 1, 2, 3].map(() => peek.random());
          for (const [pName, p] of DROPOUT_P(ties)) {
            const keep = 1 / (1 - p);
            for (const n of DROPOUT_N) {
              const where = `dropoutMask [${backend} ${dtype}] n=${n} p=${pName} from ${start}`;
              const [rng, oracle] = [new MT19937(), new MT19937()];
              rng.setState(seeded.getState());
              oracle.setState(seeded.getState());
              for (let i = 0; i < n; i++) want[i] = oracle.random() < p ? 0 : keep;
              whole.fill(SENTINEL);
              k.dropoutMask(whole.subarray(GUARD, GUARD + n), rng, n, p, keep);
              for (let i = 0; i < whole.length; i++) {
                const inside = i >= GUARD && i < GUARD + n;
                const w = inside ? want[i - GUARD]! : SENTINEL;
                if (!Object.is(whole[i], w)) {
                  const at = inside ? `mask[${i - GUARD}]` : `guard cell ${i - GUARD}`;
                  assert.fail(`${where}: ${at} got ${whole[i]} want ${w}`);
                }
              }
              const diff = stateDiff(rng, oracle);
              assert.equal(diff, '', `${where}: generator state after differs: ${diff}`);
              count++;
            }
          }
        }
        assert.equal(count, DROPOUT_STARTS.length * 9 * DROPOUT_N.length);
      });
    });
  }
}

describe('wasm arena', () => {
  for (const dtype of ['f32', 'f64'] as const) {
    const width = widthOf(dtype);
    it(`${dtype}: alloc is 16-byte aligned, zero-filled, disjoint, in one memory`, () => {
      const k = createWasmKernels(dtype, 4096);
      const arrays: (FloatArray | Int32Array)[] = [];
      for (const n of [1, 3, 5, 7, 2, 17, 0, 9]) {
        const a = n % 2 ? k.alloc(n) : k.allocInt32(n);
        assert.equal(a.byteOffset % 16, 0, `alloc(${n}) at byteOffset ${a.byteOffset}`);
        assert.equal(a.length, n);
        assert.ok(
          a.every((v) => v === 0),
          `alloc(${n}) is not zero-filled`,
        );
        a.fill(7);
        arrays.push(a);
      }
      assert.ok(arrays.every((a) => a.buffer === arrays[0]!.buffer));
      for (let i = 1; i < arrays.length; i++) {
        const prev = arrays[i - 1]!;
        assert.ok(arrays[i]!.byteOffset >= prev.byteOffset + prev.byteLength, 'allocations overlap');
      }
      assert.equal(k.alloc(3) instanceof (dtype === 'f64' ? Float64Array : Float32Array), true);
      assert.equal(width * 3, k.alloc(3).byteLength);
    });
    it(`${dtype}: a full arena throws a clear error, and exactly bytesFor fits`, () => {
      const sizes = [5, 100, 65];
      const k = createWasmKernels(dtype, bytesFor(dtype, sizes, [25]));
      for (const n of sizes) k.alloc(n);
      k.allocInt32(25);
      assert.throws(() => k.alloc(1), /arena full/);
      assert.throws(() => k.allocInt32(1), /arena full/);
      const small = createWasmKernels(dtype, 64);
      small.alloc(64 / width);
      assert.throws(() => small.alloc(1), /arena full: alloc\(1\)/);
    });
  }
  it('instances do not share memory', () => {
    const a = createWasmKernels('f32', 64).alloc(4);
    const b = createWasmKernels('f32', 64).alloc(4);
    a.fill(1);
    assert.notEqual(a.buffer, b.buffer);
    assert.deepEqual(Array.from(b), [0, 0, 0, 0]);
  });
});
