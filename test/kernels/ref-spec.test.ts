// The specification of every kernel, checked against the reference backend (src/kernels/ref.ts) in f64 and
// f32. The conformance suite (kernels.test.ts) judges the other backends by RefKernels('f64'), so it cannot
// judge RefKernels('f64') itself; this file does, from outside. Each kernel's result is written here from the
// interface's doc comments (src/kernels/types.ts) as the plainest math (rows, columns, dot products, a map
// over elements), not from ref.ts. Inputs are small. Where the result is exact in both dtypes (integers and
// short binary fractions through products, gathers, scatters, sums, clips and the cells' backward
// polynomials) it is compared exactly; the transcendental kernels against known values and Math.exp /
// Math.tanh formulas; the optimizers against one and two steps of their formulas, against hand-computed
// numbers and against closed forms for a constant gradient. Every array is one cell longer than the kernel
// is told: that cell, and every array a kernel must not write, must come back unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RefKernels } from '../../src/kernels/ref.js';
import type { Dtype, FloatArray, KernelName, Kernels } from '../../src/kernels/types.js';
import { MT19937 } from '../../src/rng.js';

/**
 * Named tolerances, by dtype. `exact`: integers and short binary fractions, exact in both dtypes whatever
 * the order of operations. `rel`: relative to |want|, for results through exp, tanh, sqrt or a division
 * (f64: a few ulp between two formulas of the same value; f32: the f64 value rounded to f32 once or
 * twice). `unit`: relative to 1 + |want|, for the cells' outputs, sums of O(1) terms that may cancel.
 */
const TOL = {
  exact: { f64: 0, f32: 0 },
  rel: { f64: 1e-14, f32: 3e-7 },
  unit: { f64: 1e-14, f32: 3e-7 },
} as const;
type Tol = keyof typeof TOL;
/** The cell past the end of every array, which no kernel may touch. */
const SENTINEL = 1234.5;
const INT_SENTINEL = 0x7eadbeef;
/** The key of a kernel's return value among the expected results. */
const RETURN = 'returns';

// ---- the specification: the interface's doc comments as plain math over number[] ----

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** The R rows of a row-major (R,C) matrix. */
const rowsOf = (a: number[], R: number, C: number): number[][] =>
  range(R).map((r) => a.slice(r * C, r * C + C));
/** The C columns of a row-major (R,C) matrix. */
const colsOf = (a: number[], R: number, C: number): number[][] =>
  range(C).map((c) => range(R).map((r) => a[r * C + c]));
const dot = (u: number[], v: number[]): number => u.reduce((s, ui, i) => s + ui * v[i], 0);
const sum = (u: number[]): number => u.reduce((s, v) => s + v, 0);
/** `product`, or `out + product` when acc: what every product kernel writes. */
const accumulate = (out: number[], product: number[], acc: boolean): number[] =>
  product.map((p, i) => (acc ? out[i] + p : p));
const clamp = (v: number, c: number): number => Math.max(-c, Math.min(c, v));
/** 1 / (1 + exp(-x)), written as exp(x) / (1 + exp(x)) (inputs here are at most 20 in size). */
const sigmoidOf = (v: number): number => Math.exp(v) / (1 + Math.exp(v));
/** tanh(x) = (e^2x - 1) / (e^2x + 1), through expm1 to keep small x accurate (|x| <= 20 here). */
const tanhOf = (v: number): number => Math.expm1(2 * v) / (Math.expm1(2 * v) + 2);
/** softmax(z * invT) straight from its definition (no shift: the logits here are small). */
function softmaxOf(z: number[], invT: number): number[] {
  const e = z.map((v) => Math.exp(v * invT));
  const total = sum(e);
  return e.map((v) => v / total);
}

const spec = {
  gemv: (y: number[], W: number[], x: number[], M: number, K: number, acc: boolean) =>
    accumulate(
      y,
      rowsOf(W, M, K).map((w) => dot(w, x)),
      acc,
    ),
  gemvT: (y: number[], W: number[], x: number[], M: number, K: number, acc: boolean) =>
    accumulate(
      y,
      colsOf(W, M, K).map((w) => dot(w, x)),
      acc,
    ),
  ger: (A: number[], x: number[], y: number[], M: number, K: number) =>
    rowsOf(A, M, K).flatMap((a, i) => a.map((v, k) => v + x[i] * y[k])),
  gemmNT: (C: number[], A: number[], B: number[], M: number, N: number, K: number, acc: boolean) =>
    accumulate(
      C,
      rowsOf(A, M, K).flatMap((a) => rowsOf(B, N, K).map((b) => dot(a, b))),
      acc,
    ),
  gemmNN: (C: number[], A: number[], B: number[], M: number, N: number, K: number, acc: boolean) =>
    accumulate(
      C,
      rowsOf(A, M, K).flatMap((a) => colsOf(B, K, N).map((b) => dot(a, b))),
      acc,
    ),
  gemmTN: (C: number[], A: number[], B: number[], M: number, N: number, K: number, acc: boolean) =>
    accumulate(
      C,
      colsOf(A, K, M).flatMap((a) => colsOf(B, K, N).map((b) => dot(a, b))),
      acc,
    ),
  addColumn: (y: number[], W: number[], col: number, M: number, K: number) =>
    y.map((v, i) => v + colsOf(W, M, K)[col][i]),
  addToColumn: (W: number[], x: number[], col: number, M: number, K: number) =>
    rowsOf(W, M, K).flatMap((w, i) => w.map((v, k) => (k === col ? v + x[i] : v))),
  gatherRows: (E: number[], ids: number[], R: number, C: number) =>
    ids.slice(0, R).flatMap((id) => rowsOf(E, E.length / C, C)[id]),
  scatterAddRows: (dE: number[], dY: number[], ids: number[], R: number, C: number) =>
    rowsOf(dE, dE.length / C, C).flatMap((e, row) =>
      e.map((v, c) => v + sum(range(R).map((r) => (ids[r] === row ? dY[r * C + c] : 0)))),
    ),
  add: (x: number[], b: number[]) => x.map((v, i) => v + b[i]),
  addRowVector: (Y: number[], b: number[], R: number, C: number) =>
    rowsOf(Y, R, C).flatMap((row) => row.map((v, c) => v + b[c])),
  sumRows: (b: number[], X: number[], R: number, C: number) => b.map((v, c) => v + sum(colsOf(X, R, C)[c])),
  tanh: (x: number[]) => x.map(tanhOf),
  tanhBackward: (y: number[], dy: number[]) => y.map((v, i) => (1 - v * v) * dy[i]),
  sigmoid: (x: number[]) => x.map(sigmoidOf),
  axpy: (y: number[], a: number, x: number[]) => y.map((v, i) => a * x[i] + v),
  scale: (x: number[], s: number) => x.map((v) => v * s),
  sumSquares: (x: number[]) => sum(x.map((v) => v * v)),
  clip: (x: number[], c: number) => x.map((v) => clamp(v, c)),
  mul: (x: number[], m: number[]) => x.map((v, i) => v * m[i]),
  /** [dlogits, summed loss] */
  softmaxXent: (logits: number[], targets: number[], R: number, C: number): [number[], number] => {
    const p = rowsOf(logits, R, C).map((row) => softmaxOf(row, 1));
    const loss = sum(p.map((row, r) => -Math.log(row[targets[r]])));
    return [p.flatMap((row, r) => row.map((v, c) => v - (c === targets[r] ? 1 : 0))), loss];
  },
  adagrad(param: number[], grad: number[], mem: number[], lr: number, eps: number, clip: number) {
    const g = grad.map((v) => clamp(v, clip));
    const m = mem.map((v, i) => v + g[i] * g[i]);
    return { param: param.map((p, i) => p - (lr * g[i]) / Math.sqrt(m[i] + eps)), grad: g, mem: m };
  },
  rmsprop(param: number[], grad: number[], ms: number[], lr: number, decay: number, eps: number) {
    const s = ms.map((v, i) => decay * v + (1 - decay) * grad[i] * grad[i]);
    return { param: param.map((p, i) => p - (lr * grad[i]) / (Math.sqrt(s[i]) + eps)), ms: s };
  },
  adam(param: number[], grad: number[], m: number[], v: number[], o: AdamOptions, t: number) {
    const [bc1, bc2] = [1 - o.beta1 ** t, 1 - o.beta2 ** t];
    const m1 = m.map((mi, i) => o.beta1 * mi + (1 - o.beta1) * grad[i]);
    const v1 = v.map((vi, i) => o.beta2 * vi + (1 - o.beta2) * grad[i] * grad[i]);
    const p1 = param.map(
      (p, i) =>
        p * (1 - o.lr * o.weightDecay) - ((o.lr / bc1) * m1[i]) / (Math.sqrt(v1[i]) / Math.sqrt(bc2) + o.eps),
    );
    return { param: p1, m: m1, v: v1 };
  },
  /** gates of each row in the order i, f, g, o */
  lstmCellForward(G: number[], cPrev: number[], B: number, H: number) {
    const rows = range(B).map((b) => {
      const [pi, pf, pg, po] = rowsOf(rowsOf(G, B, 4 * H)[b], 4, H);
      const [i, f, g, o] = [pi.map(sigmoidOf), pf.map(sigmoidOf), pg.map(tanhOf), po.map(sigmoidOf)];
      const cp = rowsOf(cPrev, B, H)[b];
      const c = range(H).map((j) => f[j] * cp[j] + i[j] * g[j]);
      const tanhC = c.map(tanhOf);
      return { G: [...i, ...f, ...g, ...o], c, tanhC, h: range(H).map((j) => o[j] * tanhC[j]) };
    });
    return {
      G: rows.flatMap((r) => r.G),
      c: rows.flatMap((r) => r.c),
      tanhC: rows.flatMap((r) => r.tanhC),
      h: rows.flatMap((r) => r.h),
    };
  },
  lstmCellBackward(
    G: number[],
    cPrev: number[],
    tanhC: number[],
    dh: number[],
    dc: number[],
    B: number,
    H: number,
  ) {
    const rows = range(B).map((b) => {
      const [i, f, g, o] = rowsOf(rowsOf(G, B, 4 * H)[b], 4, H);
      const [cp, tc, dhb, dcb] = [cPrev, tanhC, dh, dc].map((a) => rowsOf(a, B, H)[b]);
      const dct = range(H).map((j) => dcb[j] + dhb[j] * o[j] * (1 - tc[j] * tc[j]));
      const dG = [
        ...range(H).map((j) => dct[j] * g[j] * i[j] * (1 - i[j])),
        ...range(H).map((j) => dct[j] * cp[j] * f[j] * (1 - f[j])),
        ...range(H).map((j) => dct[j] * i[j] * (1 - g[j] * g[j])),
        ...range(H).map((j) => dhb[j] * tc[j] * o[j] * (1 - o[j])),
      ];
      return { dG, dcPrev: range(H).map((j) => dct[j] * f[j]) };
    });
    return { dG: rows.flatMap((r) => r.dG), dcPrev: rows.flatMap((r) => r.dcPrev) };
  },
  /** gates of each row in the order r, z, n */
  gruCellForward(Gx: number[], Gh: number[], hPrev: number[], bhn: number[], B: number, H: number) {
    const rows = range(B).map((b) => {
      const [xr, xz, xn] = rowsOf(rowsOf(Gx, B, 3 * H)[b], 3, H);
      const [hr, hz, hn] = rowsOf(rowsOf(Gh, B, 3 * H)[b], 3, H);
      const hp = rowsOf(hPrev, B, H)[b];
      const r = range(H).map((j) => sigmoidOf(xr[j] + hr[j]));
      const z = range(H).map((j) => sigmoidOf(xz[j] + hz[j]));
      const hnb = range(H).map((j) => hn[j] + bhn[j]);
      const n = range(H).map((j) => tanhOf(xn[j] + r[j] * hnb[j]));
      return {
        Gx: [...r, ...z, ...n],
        Gh: [...hr, ...hz, ...hnb],
        h: range(H).map((j) => (1 - z[j]) * n[j] + z[j] * hp[j]),
      };
    });
    return { Gx: rows.flatMap((r) => r.Gx), Gh: rows.flatMap((r) => r.Gh), h: rows.flatMap((r) => r.h) };
  },
  gruCellBackward(
    Gx: number[],
    Gh: number[],
    hPrev: number[],
    dh: number[],
    dhPrev: number[],
    B: number,
    H: number,
  ) {
    const rows = range(B).map((b) => {
      const [r, z, n] = rowsOf(rowsOf(Gx, B, 3 * H)[b], 3, H);
      const hn = rowsOf(rowsOf(Gh, B, 3 * H)[b], 3, H)[2];
      const [hp, dhb, dhp] = [hPrev, dh, dhPrev].map((a) => rowsOf(a, B, H)[b]);
      const dn = range(H).map((j) => dhb[j] * (1 - z[j]) * (1 - n[j] * n[j]));
      const dr = range(H).map((j) => dn[j] * hn[j] * r[j] * (1 - r[j]));
      const dz = range(H).map((j) => dhb[j] * (hp[j] - n[j]) * z[j] * (1 - z[j]));
      return {
        dGx: [...dr, ...dz, ...dn],
        dGh: [...dr, ...dz, ...dn.map((v, j) => v * r[j])],
        dhPrev: range(H).map((j) => dhp[j] + dhb[j] * z[j]),
      };
    });
    return {
      dGx: rows.flatMap((r) => r.dGx),
      dGh: rows.flatMap((r) => r.dGh),
      dhPrev: rows.flatMap((r) => r.dhPrev),
    };
  },
  /** T steps: step t's rows are G[t] and hs[t] (B rows of H); each row's pre-activation, then its tanh */
  rnnForward(G: number[], hs: number[], Whh: number[], B: number, H: number, T: number) {
    const Gs = rowsOf(G, T, B * H).map((step) => rowsOf(step, B, H));
    const states = [rowsOf(hs.slice(0, B * H), B, H)];
    const W = rowsOf(Whh, H, H);
    for (let t = 0; t < T; t++) {
      Gs[t] = Gs[t].map((g, b) => g.map((v, j) => v + dot(states[t][b], W[j])));
      states.push(Gs[t].map((g) => g.map(tanhOf)));
    }
    return { G: Gs.flat(2), hs: states.flat(2) };
  },
  /** from the last step back: dG_t = (1 - h_{t+1}^2) dh_t row by row, then dh_{t-1} += dG_t @ Whh */
  rnnBackward(dh: number[], hs: number[], Whh: number[], B: number, H: number, T: number) {
    const dhs = rowsOf(dh, T, B * H).map((step) => rowsOf(step, B, H));
    const h = rowsOf(hs, T + 1, B * H).map((step) => rowsOf(step, B, H));
    const Wcols = colsOf(Whh, H, H);
    const dG: number[][][] = [];
    for (let t = T - 1; t >= 0; t--) {
      dG[t] = dhs[t].map((d, b) => d.map((v, j) => (1 - h[t + 1][b][j] ** 2) * v));
      if (t > 0) dhs[t - 1] = dhs[t - 1].map((d, b) => d.map((v, k) => v + dot(dG[t][b], Wcols[k])));
    }
    return { dG: dG.flat(2), dh: dhs.flat(2) };
  },
};
interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

// ---- inputs ----

/** A fixed pseudo-random sequence of n picks from `values` (an LCG, one per seed). */
function pick(values: readonly number[], n: number, seed: number): number[] {
  let s = seed >>> 0;
  return range(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return values[(s >>> 16) % values.length];
  });
}
/** Small integers: their products and sums stay exact in f32 and f64. */
const INTS = [-4, -3, -2, -1, 0, 1, 2, 3, 4];
const ints = (n: number, seed: number): number[] => pick(INTS, n, seed);
/** Short binary fractions (at most 3 significant bits) in (0, 1): sigmoid gates, exact through products. */
const UNIT_FRACTIONS = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875];
/** Short signed binary fractions in (-1, 1): tanh values. */
const SIGNED_FRACTIONS = [-0.875, -0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 0.875];
/** Short signed binary fractions of either size: gradients, states. */
const FRACTIONS = [-3, -1.5, -0.75, -0.5, -0.25, 0.25, 0.5, 1, 1.5, 2];
/** Ordinary inputs of the transcendental kernels. */
const MODERATE = [-6, -2.5, -1, -0.3, -0.01, 0, 0.01, 0.2, 0.7, 1.5, 3, 7.25];

// ---- the table ----

interface Case {
  kernel: KernelName;
  name: string;
  floats: Record<string, readonly number[]>;
  ints: Record<string, readonly number[]>;
  call: (k: Kernels, f: Record<string, FloatArray>, i: Record<string, Int32Array>) => unknown;
  /** What the written arrays hold afterwards (and RETURN, the return value), from the inputs as stored. */
  want: (x: Record<string, number[]>) => Record<string, number[]>;
  tol: Tol;
}
const cases: Case[] = [];

/** One case; `want` names only the arrays the kernel writes, every other one must come back unchanged. */
function add<F extends string, I extends string = never>(c: {
  kernel: KernelName;
  name: string;
  floats: Record<F, readonly number[]>;
  ints?: Record<I, readonly number[]>;
  call: (k: Kernels, f: Record<F, FloatArray>, i: Record<I, Int32Array>) => unknown;
  want: (
    x: Record<NoInfer<F> | NoInfer<I>, number[]>,
  ) => Partial<Record<NoInfer<F> | typeof RETURN, number[]>>;
  tol?: Tol;
}): void {
  cases.push({ ...c, ints: c.ints ?? {}, tol: c.tol ?? 'exact' } as unknown as Case);
}

// products: hand-computed values, then the spec over shapes with tails in every dimension, acc off and on
{
  const A = [1, 2, 3, 4];
  const B = [5, 6, 7, 8];
  const known: [KernelName, number[]][] = [
    ['gemmNN', [19, 22, 43, 50]],
    ['gemmNT', [17, 23, 39, 53]],
    ['gemmTN', [26, 30, 38, 44]],
  ];
  for (const [kernel, product] of known) {
    for (const acc of [false, true]) {
      add({
        kernel,
        name: `${kernel} [[1,2],[3,4]], [[5,6],[7,8]] acc=${acc} (by hand)`,
        floats: { C: [100, 200, 300, 400], A, B },
        call: (k, f) => (k[kernel] as Kernels['gemmNN'])(f.C, f.A, f.B, 2, 2, 2, acc),
        want: () => ({ C: acc ? product.map((v, i) => v + 100 * (i + 1)) : product }),
      });
    }
  }
  add({
    kernel: 'gemv',
    name: 'gemv [[1,2,3],[4,5,6]] @ [1,0,-1] (by hand)',
    floats: { y: [10, 20], W: [1, 2, 3, 4, 5, 6], x: [1, 0, -1] },
    call: (k, f) => k.gemv(f.y, f.W, f.x, 2, 3, false),
    want: () => ({ y: [-2, -2] }),
  });
  add({
    kernel: 'gemvT',
    name: 'gemvT [[1,2,3],[4,5,6]]^T @ [1,-1] acc (by hand)',
    floats: { y: [10, 20, 30], W: [1, 2, 3, 4, 5, 6], x: [1, -1] },
    call: (k, f) => k.gemvT(f.y, f.W, f.x, 2, 3, true),
    want: () => ({ y: [7, 17, 27] }),
  });
}
const MK: [number, number][] = [
  [1, 1],
  [1, 4],
  [2, 3],
  [3, 2],
  [4, 5],
];
const MNK: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 3],
  [2, 3, 4],
  [3, 4, 2],
  [4, 2, 3],
  [3, 1, 5],
];
for (const [M, K] of MK) {
  const s = M * 10 + K;
  for (const acc of [false, true]) {
    add({
      kernel: 'gemv',
      name: `gemv M=${M} K=${K} acc=${acc}`,
      floats: { y: ints(M, s), W: ints(M * K, s + 1), x: ints(K, s + 2) },
      call: (k, f) => k.gemv(f.y, f.W, f.x, M, K, acc),
      want: (x) => ({ y: spec.gemv(x.y, x.W, x.x, M, K, acc) }),
    });
    add({
      kernel: 'gemvT',
      name: `gemvT M=${M} K=${K} acc=${acc}`,
      floats: { y: ints(K, s), W: ints(M * K, s + 1), x: ints(M, s + 2) },
      call: (k, f) => k.gemvT(f.y, f.W, f.x, M, K, acc),
      want: (x) => ({ y: spec.gemvT(x.y, x.W, x.x, M, K, acc) }),
    });
  }
  add({
    kernel: 'ger',
    name: `ger M=${M} K=${K}`,
    floats: { A: ints(M * K, s), x: ints(M, s + 1), y: ints(K, s + 2) },
    call: (k, f) => k.ger(f.A, f.x, f.y, M, K),
    want: (x) => ({ A: spec.ger(x.A, x.x, x.y, M, K) }),
  });
  for (const col of new Set([0, K >> 1, K - 1])) {
    add({
      kernel: 'addColumn',
      name: `addColumn M=${M} K=${K} col=${col}`,
      floats: { y: ints(M, s), W: ints(M * K, s + 1) },
      call: (k, f) => k.addColumn(f.y, f.W, col, M, K),
      want: (x) => ({ y: spec.addColumn(x.y, x.W, col, M, K) }),
    });
    add({
      kernel: 'addToColumn',
      name: `addToColumn M=${M} K=${K} col=${col}`,
      floats: { W: ints(M * K, s), x: ints(M, s + 1) },
      call: (k, f) => k.addToColumn(f.W, f.x, col, M, K),
      want: (x) => ({ W: spec.addToColumn(x.W, x.x, col, M, K) }),
    });
  }
  // R = M rows of C = K columns; the table has fewer rows than there are ids, so ids repeat
  const [R, C, tableRows] = [M, K, Math.max(1, M - 1)];
  const ids = range(R).map((r) => (r * 2) % tableRows);
  add({
    kernel: 'gatherRows',
    name: `gatherRows R=${R} C=${C} ids=${ids}`,
    floats: { Y: ints(R * C, s), E: ints(tableRows * C, s + 1) },
    ints: { ids },
    call: (k, f, i) => k.gatherRows(f.Y, f.E, i.ids, R, C),
    want: (x) => ({ Y: spec.gatherRows(x.E, x.ids, R, C) }),
  });
  add({
    kernel: 'scatterAddRows',
    name: `scatterAddRows R=${R} C=${C} ids=${ids}`,
    floats: { dE: ints(tableRows * C, s), dY: ints(R * C, s + 1) },
    ints: { ids },
    call: (k, f, i) => k.scatterAddRows(f.dE, f.dY, i.ids, R, C),
    want: (x) => ({ dE: spec.scatterAddRows(x.dE, x.dY, x.ids, R, C) }),
  });
  add({
    kernel: 'addRowVector',
    name: `addRowVector R=${R} C=${C}`,
    floats: { Y: ints(R * C, s), b: ints(C, s + 1) },
    call: (k, f) => k.addRowVector(f.Y, f.b, R, C),
    want: (x) => ({ Y: spec.addRowVector(x.Y, x.b, R, C) }),
  });
  add({
    kernel: 'sumRows',
    name: `sumRows R=${R} C=${C}`,
    floats: { b: ints(C, s), X: ints(R * C, s + 1) },
    call: (k, f) => k.sumRows(f.b, f.X, R, C),
    want: (x) => ({ b: spec.sumRows(x.b, x.X, R, C) }),
  });
}
for (const [M, N, K] of MNK) {
  const s = M * 100 + N * 10 + K;
  for (const acc of [false, true]) {
    const tag = `M=${M} N=${N} K=${K} acc=${acc}`;
    add({
      kernel: 'gemmNT',
      name: `gemmNT ${tag}`,
      floats: { C: ints(M * N, s), A: ints(M * K, s + 1), B: ints(N * K, s + 2) },
      call: (k, f) => k.gemmNT(f.C, f.A, f.B, M, N, K, acc),
      want: (x) => ({ C: spec.gemmNT(x.C, x.A, x.B, M, N, K, acc) }),
    });
    add({
      kernel: 'gemmNN',
      name: `gemmNN ${tag}`,
      floats: { C: ints(M * N, s), A: ints(M * K, s + 1), B: ints(K * N, s + 2) },
      call: (k, f) => k.gemmNN(f.C, f.A, f.B, M, N, K, acc),
      want: (x) => ({ C: spec.gemmNN(x.C, x.A, x.B, M, N, K, acc) }),
    });
    add({
      kernel: 'gemmTN',
      name: `gemmTN ${tag}`,
      floats: { C: ints(M * N, s), A: ints(K * M, s + 1), B: ints(K * N, s + 2) },
      call: (k, f) => k.gemmTN(f.C, f.A, f.B, M, N, K, acc),
      want: (x) => ({ C: spec.gemmTN(x.C, x.A, x.B, M, N, K, acc) }),
    });
  }
}

// element-wise, with the aliasing the interface allows (y and x the same array; for add, b and y too)
for (const n of [1, 7]) {
  add({
    kernel: 'add',
    name: `add n=${n}`,
    floats: { y: ints(n, 1), x: ints(n, 2), b: ints(n, 3) },
    call: (k, f) => k.add(f.y, f.x, f.b, n),
    want: (x) => ({ y: spec.add(x.x, x.b) }),
  });
  add({
    kernel: 'add',
    name: `add n=${n} y=x`,
    floats: { x: ints(n, 2), b: ints(n, 3) },
    call: (k, f) => k.add(f.x, f.x, f.b, n),
    want: (x) => ({ x: spec.add(x.x, x.b) }),
  });
  add({
    kernel: 'add',
    name: `add n=${n} b=y`,
    floats: { y: ints(n, 1), x: ints(n, 2) },
    call: (k, f) => k.add(f.y, f.x, f.y, n),
    want: (x) => ({ y: spec.add(x.x, x.y) }),
  });
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n}`,
    floats: { dx: ints(n, 4), y: pick(SIGNED_FRACTIONS, n, 5), dy: pick(FRACTIONS, n, 6) },
    call: (k, f) => k.tanhBackward(f.dx, f.y, f.dy, n),
    want: (x) => ({ dx: spec.tanhBackward(x.y, x.dy) }),
  });
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n} dx=dy`,
    floats: { y: pick(SIGNED_FRACTIONS, n, 5), dy: pick(FRACTIONS, n, 6) },
    call: (k, f) => k.tanhBackward(f.dy, f.y, f.dy, n),
    want: (x) => ({ dy: spec.tanhBackward(x.y, x.dy) }),
  });
  add({
    kernel: 'tanhBackward',
    name: `tanhBackward n=${n} dx=y`,
    floats: { y: pick(SIGNED_FRACTIONS, n, 5), dy: pick(FRACTIONS, n, 6) },
    call: (k, f) => k.tanhBackward(f.y, f.y, f.dy, n),
    want: (x) => ({ y: spec.tanhBackward(x.y, x.dy) }),
  });
  for (const a of [0.5, -2, 0]) {
    add({
      kernel: 'axpy',
      name: `axpy n=${n} a=${a}`,
      floats: { y: pick(FRACTIONS, n, 7), x: pick(FRACTIONS, n, 8) },
      call: (k, f) => k.axpy(f.y, a, f.x, n),
      want: (x) => ({ y: spec.axpy(x.y, a, x.x) }),
    });
  }
  add({
    kernel: 'axpy',
    name: `axpy n=${n} x=y`,
    floats: { y: pick(FRACTIONS, n, 7) },
    call: (k, f) => k.axpy(f.y, -0.75, f.y, n),
    want: (x) => ({ y: spec.axpy(x.y, -0.75, x.y) }),
  });
  for (const s of [-1.5, 0.25, 0]) {
    add({
      kernel: 'scale',
      name: `scale n=${n} s=${s}`,
      floats: { x: pick(FRACTIONS, n, 9) },
      call: (k, f) => k.scale(f.x, s, n),
      want: (x) => ({ x: spec.scale(x.x, s) }),
    });
  }
  add({
    kernel: 'mul',
    name: `mul n=${n}`,
    floats: { y: ints(n, 10), x: pick(FRACTIONS, n, 11), m: pick([0, 2, 0.5, 1.25], n, 12) },
    call: (k, f) => k.mul(f.y, f.x, f.m, n),
    want: (x) => ({ y: spec.mul(x.x, x.m) }),
  });
  add({
    kernel: 'mul',
    name: `mul n=${n} y=x`,
    floats: { x: pick(FRACTIONS, n, 11), m: pick([0, 2, 0.5, 1.25], n, 12) },
    call: (k, f) => k.mul(f.x, f.x, f.m, n),
    want: (x) => ({ x: spec.mul(x.x, x.m) }),
  });
  add({
    kernel: 'sumSquares',
    name: `sumSquares n=${n}`,
    floats: { x: ints(n, 13) },
    call: (k, f) => k.sumSquares(f.x, n),
    want: (x) => ({ [RETURN]: [spec.sumSquares(x.x)] }),
  });
  add({
    kernel: 'clip',
    name: `clip n=${n} c=1`,
    floats: { x: pick(FRACTIONS, n, 14) },
    call: (k, f) => k.clip(f.x, 1, n),
    want: (x) => ({ x: spec.clip(x.x, 1) }),
  });
}
add({
  kernel: 'sumSquares',
  name: 'sumSquares [4097, 1]: 16785410 needs float64 (not exact in f32)',
  floats: { x: [4097, 1] },
  call: (k, f) => k.sumSquares(f.x, 2),
  want: () => ({ [RETURN]: [16785410] }),
});
add({
  kernel: 'clip',
  name: 'clip c=5 at and beyond the bounds, infinities',
  floats: { x: [5, -5, 5.5, -5.5, 4.75, -4.75, Infinity, -Infinity, 0, 1e30] },
  call: (k, f) => k.clip(f.x, 5, 10),
  want: () => ({ x: [5, -5, 5, -5, 4.75, -4.75, 5, -5, 0, 5] }),
});

// dropoutMask: numpy's own random_sample() values for a few seeds (the rng fixture) against p, so 0 where
// the value is below p and keep elsewhere (keep exact in both dtypes); p = 0 keeps everything
{
  const numpy: { cases: { seed: number; uniform: number[] }[] } = JSON.parse(
    readFileSync(new URL('../fixtures/numpy-rng.json', import.meta.url), 'utf8'),
  );
  for (const { seed, uniform } of numpy.cases) {
    for (const [p, keep] of [
      [0.5, 2],
      [0.6, 2.5],
      [0, 1],
    ]) {
      add({
        kernel: 'dropoutMask',
        name: `dropoutMask seed=${seed} p=${p} (numpy's random_sample)`,
        floats: { mask: uniform.map(() => 7) },
        call: (k, f) => k.dropoutMask(f.mask, new MT19937(seed), uniform.length, p, keep),
        want: () => ({ mask: uniform.map((u) => (u < p ? 0 : keep)) }),
      });
    }
  }
}

// tanh and sigmoid: known values (infinities, NaN, saturation, tanh(ln 3 / 2) = 1/2, sigmoid(ln 3) = 3/4),
// then the formulas over ordinary inputs, out of place and in place
const KNOWN: Record<'tanh' | 'sigmoid', [number, number][]> = {
  tanh: [
    [0, 0],
    [Math.log(3) / 2, 0.5],
    [-Math.log(3) / 2, -0.5],
    [20, 1],
    [-20, -1],
    [Infinity, 1],
    [-Infinity, -1],
    [NaN, NaN],
  ],
  sigmoid: [
    [0, 0.5],
    [Math.log(3), 0.75],
    [-Math.log(3), 0.25],
    [1000, 1],
    [-1000, 0],
    [Infinity, 1],
    [-Infinity, 0],
    [NaN, NaN],
  ],
};
for (const kernel of ['tanh', 'sigmoid'] as const) {
  const known = KNOWN[kernel];
  add({
    kernel,
    name: `${kernel} known values ${known.map(([v]) => v)}`,
    floats: { y: ints(known.length, 15), x: known.map(([v]) => v) },
    call: (k, f) => k[kernel](f.y, f.x, known.length),
    want: () => ({ y: known.map(([, w]) => w) }),
    tol: 'rel',
  });
  const n = MODERATE.length;
  add({
    kernel,
    name: `${kernel} n=${n}`,
    floats: { y: ints(n, 16), x: MODERATE },
    call: (k, f) => k[kernel](f.y, f.x, n),
    want: (x) => ({ y: spec[kernel](x.x) }),
    tol: 'rel',
  });
  add({
    kernel,
    name: `${kernel} n=${n} y=x`,
    floats: { x: MODERATE },
    call: (k, f) => k[kernel](f.x, f.x, n),
    want: (x) => ({ x: spec[kernel](x.x) }),
    tol: 'rel',
  });
}

// softmax: the definition over small logits and three temperatures; known values (equal logits, one
// logit, large logits that overflow exp unless the max is subtracted first); in place
for (const invT of [1, 0.5, 2]) {
  const lg = [-2, -0.5, 0, 0.25, 1, 3];
  add({
    kernel: 'softmax',
    name: `softmax n=${lg.length} invT=${invT}`,
    floats: { p: ints(lg.length, 17), lg },
    call: (k, f) => k.softmax(f.p, f.lg, lg.length, invT),
    want: (x) => ({ p: softmaxOf(x.lg, invT) }),
    tol: 'rel',
  });
}
add({
  kernel: 'softmax',
  name: 'softmax of equal logits is uniform',
  floats: { p: [9, 9, 9, 9], lg: [3, 3, 3, 3] },
  call: (k, f) => k.softmax(f.p, f.lg, 4, 1),
  want: () => ({ p: [0.25, 0.25, 0.25, 0.25] }),
  tol: 'rel',
});
add({
  kernel: 'softmax',
  name: 'softmax of one logit is 1',
  floats: { p: [9], lg: [-7] },
  call: (k, f) => k.softmax(f.p, f.lg, 1, 1),
  want: () => ({ p: [1] }),
  tol: 'rel',
});
for (const invT of [1, 0.5]) {
  add({
    kernel: 'softmax',
    name: `softmax [1000, 1001, 1002] invT=${invT} is softmax [0, 1, 2] (max subtracted first)`,
    floats: { p: [9, 9, 9], lg: [1000, 1001, 1002] },
    call: (k, f) => k.softmax(f.p, f.lg, 3, invT),
    want: () => ({ p: softmaxOf([0, 1, 2], invT) }),
    tol: 'rel',
  });
}
add({
  kernel: 'softmax',
  name: 'softmax n=5 p=logits',
  floats: { lg: [0.5, -1, 2, 0, 1.25] },
  call: (k, f) => k.softmax(f.lg, f.lg, 5, 1),
  want: (x) => ({ lg: softmaxOf(x.lg, 1) }),
  tol: 'rel',
});

// softmaxXent: known values (uniform rows: loss log C per row, dlogits 1/C - onehot; large logits), the
// definition over small logits, in place
add({
  kernel: 'softmaxXent',
  name: 'softmaxXent uniform rows R=2 C=4: loss 2 log 4',
  floats: { dl: ints(8, 18), lg: [0, 0, 0, 0, 1000, 1000, 1000, 1000] },
  ints: { t: [2, 0] },
  call: (k, f, i) => k.softmaxXent(f.dl, f.lg, i.t, 2, 4),
  want: () => ({
    dl: [0.25, 0.25, -0.75, 0.25, -0.75, 0.25, 0.25, 0.25],
    [RETURN]: [2 * Math.log(4)],
  }),
  tol: 'rel',
});
for (const [R, C] of [
  [1, 1],
  [1, 5],
  [3, 4],
] as const) {
  const lg = pick([-2, -1, -0.5, 0, 0.25, 1, 2.5], R * C, R * 10 + C);
  const t = range(R).map((r) => (r * 3 + 1) % C);
  add({
    kernel: 'softmaxXent',
    name: `softmaxXent R=${R} C=${C} targets=${t}`,
    floats: { dl: ints(R * C, 19), lg },
    ints: { t },
    call: (k, f, i) => k.softmaxXent(f.dl, f.lg, i.t, R, C),
    want: (x) => {
      const [dl, loss] = spec.softmaxXent(x.lg, x.t, R, C);
      return { dl, [RETURN]: [loss] };
    },
    tol: 'rel',
  });
  add({
    kernel: 'softmaxXent',
    name: `softmaxXent R=${R} C=${C} dlogits=logits`,
    floats: { lg },
    ints: { t },
    call: (k, f, i) => k.softmaxXent(f.lg, f.lg, i.t, R, C),
    want: (x) => {
      const [dl, loss] = spec.softmaxXent(x.lg, x.t, R, C);
      return { lg: dl, [RETURN]: [loss] };
    },
    tol: 'rel',
  });
}

// the optimizers: by hand, one and two steps of the formulas, and closed forms for a constant gradient
// from a zero state with eps 0 (Adagrad: the t-th step is lr sign(g) / sqrt(t); RMSProp: lr sign(g) /
// sqrt(1 - decay^t); Adam: lr sign(g) every step, bias correction undoing the averages' warm-up)
add({
  kernel: 'adagrad',
  name: 'adagrad lr=0.5 eps=0 clip=5 (by hand)',
  floats: { param: [1, 1, 1, 1], grad: [3, -4, 12, 0], mem: [7, 0, 39, 4] },
  call: (k, f) => k.adagrad(f.param, f.grad, f.mem, 4, 0.5, 0, 5),
  // mem = 7+9, 0+16, 39+25, 4; param = 1 - 0.5*3/4, 1 + 0.5*4/4, 1 - 0.5*5/8, 1; the gradient left clipped
  want: () => ({ param: [0.625, 1.5, 0.6875, 1], grad: [3, -4, 5, 0], mem: [16, 16, 64, 4] }),
});
{
  const n = 6;
  const floats = { param: pick(FRACTIONS, n, 20), grad: pick([...FRACTIONS, 7, -9], n, 21) };
  for (const [label, clip] of [
    ['clip=2', 2],
    ['no clip', Infinity],
  ] as const) {
    for (const steps of [1, 2]) {
      add({
        kernel: 'adagrad',
        name: `adagrad ${label} ${steps} step(s)`,
        floats: { ...floats, mem: pick([0, 0.25, 1, 4], n, 22) },
        call: (k, f) => {
          for (let s = 0; s < steps; s++) k.adagrad(f.param, f.grad, f.mem, n, 0.1, 1e-8, clip);
        },
        want: (x) => {
          let st = { param: x.param, grad: x.grad, mem: x.mem };
          for (let s = 0; s < steps; s++) st = spec.adagrad(st.param, st.grad, st.mem, 0.1, 1e-8, clip);
          return st;
        },
        tol: 'rel',
      });
    }
  }
  for (const steps of [1, 2]) {
    add({
      kernel: 'rmsprop',
      name: `rmsprop ${steps} step(s)`,
      floats: { ...floats, ms: pick([0, 0.25, 1, 4], n, 23) },
      call: (k, f) => {
        for (let s = 0; s < steps; s++) k.rmsprop(f.param, f.grad, f.ms, n, 2e-3, 0.95, 1e-8);
      },
      want: (x) => {
        let st = { param: x.param, ms: x.ms };
        for (let s = 0; s < steps; s++) st = spec.rmsprop(st.param, x.grad, st.ms, 2e-3, 0.95, 1e-8);
        return st;
      },
      tol: 'rel',
    });
    for (const [label, weightDecay, t0] of [
      ['adam from t=1', 0, 1],
      ['adamw from t=7', 0.01, 7],
    ] as const) {
      const o: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay };
      add({
        kernel: 'adam',
        name: `${label} ${steps} step(s)`,
        floats: { ...floats, m: pick([-0.5, -0.25, 0, 0.125, 0.5], n, 24), v: pick([0, 0.25, 1], n, 25) },
        call: (k, f) => {
          for (let t = t0; t < t0 + steps; t++) {
            k.adam(
              f.param,
              f.grad,
              f.m,
              f.v,
              n,
              o.lr,
              o.beta1,
              o.beta2,
              o.eps,
              1 - o.beta1 ** t,
              1 - o.beta2 ** t,
              o.weightDecay,
            );
          }
        },
        want: (x) => {
          let st = { param: x.param, m: x.m, v: x.v };
          for (let t = t0; t < t0 + steps; t++) st = spec.adam(st.param, x.grad, st.m, st.v, o, t);
          return st;
        },
        tol: 'rel',
      });
    }
  }
  // constant gradients from a zero state, eps 0: the closed forms
  const p0 = [0.5, -1, 2, 1.5];
  const g = [2, -3, 0.25, -0.5];
  const sign = g.map(Math.sign);
  for (const steps of [1, 2]) {
    const lr = 0.1;
    const adagradSteps = steps === 1 ? 1 : 1 + 1 / Math.SQRT2;
    add({
      kernel: 'adagrad',
      name: `adagrad constant gradient, ${steps} step(s): param - lr sign(g) (1 + ... + 1/sqrt(t))`,
      floats: { param: p0, grad: g, mem: [0, 0, 0, 0] },
      call: (k, f) => {
        for (let s = 0; s < steps; s++) k.adagrad(f.param, f.grad, f.mem, 4, lr, 0, Infinity);
      },
      want: () => ({
        param: p0.map((p, i) => p - lr * sign[i] * adagradSteps),
        mem: g.map((v) => steps * v * v),
      }),
      tol: 'rel',
    });
    const decay = 0.75;
    const rmsSteps = steps === 1 ? 1 / 0.5 : 1 / 0.5 + 1 / Math.sqrt(1 - decay ** 2);
    add({
      kernel: 'rmsprop',
      name: `rmsprop decay=0.75 constant gradient, ${steps} step(s): ms = (1 - decay^t) g^2`,
      floats: { param: p0, grad: g, ms: [0, 0, 0, 0] },
      call: (k, f) => {
        for (let s = 0; s < steps; s++) k.rmsprop(f.param, f.grad, f.ms, 4, lr, decay, 0);
      },
      want: () => ({
        param: p0.map((p, i) => p - lr * sign[i] * rmsSteps),
        ms: g.map((v) => (1 - decay ** steps) * v * v),
      }),
      tol: 'rel',
    });
    const [b1, b2, wd] = [0.9, 0.999, 0.5];
    add({
      kernel: 'adam',
      name: `adamw wd=0.5 constant gradient, ${steps} step(s): param (1 - lr wd) - lr sign(g) per step`,
      floats: { param: p0, grad: g, m: [0, 0, 0, 0], v: [0, 0, 0, 0] },
      call: (k, f) => {
        for (let t = 1; t <= steps; t++)
          k.adam(f.param, f.grad, f.m, f.v, 4, lr, b1, b2, 0, 1 - b1 ** t, 1 - b2 ** t, wd);
      },
      want: () => {
        let param = p0;
        for (let t = 1; t <= steps; t++) param = param.map((p, i) => p * (1 - lr * wd) - lr * sign[i]);
        // m = (1 - b1^t) g and v = (1 - b2^t) g^2, written as (1 - b) (1 + b + ... + b^(t-1)) to keep
        // the f64 rounding of b out of a cancellation
        const warmup = (b: number) => (1 - b) * sum(range(steps).map((s) => b ** s));
        return { param, m: g.map((v) => warmup(b1) * v), v: g.map((v) => warmup(b2) * v * v) };
      },
      tol: 'rel',
    });
  }
}

// the recurrent cells, from their documented formulas; the backward ones on short binary fractions, where
// the whole polynomial is exact
const CELLS: [number, number][] = [
  [1, 1],
  [2, 3],
  [3, 2],
];
for (const [B, H] of CELLS) {
  const s = B * 10 + H;
  const gatesPre = pick(MODERATE, B * 4 * H, s);
  add({
    kernel: 'lstmCellForward',
    name: `lstmCellForward B=${B} H=${H}`,
    floats: {
      G: gatesPre,
      c: ints(B * H, s),
      tanhC: ints(B * H, s + 1),
      h: ints(B * H, s + 2),
      cPrev: pick(FRACTIONS, B * H, s + 3),
    },
    call: (k, f) => k.lstmCellForward(f.G, f.c, f.tanhC, f.h, f.cPrev, B, H),
    want: (x) => spec.lstmCellForward(x.G, x.cPrev, B, H),
    tol: 'unit',
  });
  add({
    kernel: 'lstmCellForward',
    name: `lstmCellForward B=${B} H=${H} c=cPrev`,
    floats: {
      G: gatesPre,
      tanhC: ints(B * H, s + 1),
      h: ints(B * H, s + 2),
      cPrev: pick(FRACTIONS, B * H, s + 3),
    },
    call: (k, f) => k.lstmCellForward(f.G, f.cPrev, f.tanhC, f.h, f.cPrev, B, H),
    want: (x) => {
      const { c, ...rest } = spec.lstmCellForward(x.G, x.cPrev, B, H);
      return { ...rest, cPrev: c };
    },
    tol: 'unit',
  });
  add({
    kernel: 'lstmCellForward',
    name: `lstmCellForward B=${B} H=${H} zero pre-activations: i=f=o=1/2, g=0, c=cPrev/2`,
    floats: {
      G: range(B * 4 * H).map(() => 0),
      c: ints(B * H, s),
      tanhC: ints(B * H, s + 1),
      h: ints(B * H, s + 2),
      cPrev: pick(FRACTIONS, B * H, s + 3),
    },
    call: (k, f) => k.lstmCellForward(f.G, f.c, f.tanhC, f.h, f.cPrev, B, H),
    want: (x) => ({
      G: range(B).flatMap(() => [
        ...range(2 * H).map(() => 0.5),
        ...range(H).map(() => 0),
        ...range(H).map(() => 0.5),
      ]),
      c: x.cPrev.map((v) => v / 2),
      tanhC: x.cPrev.map((v) => Math.tanh(v / 2)),
      h: x.cPrev.map((v) => Math.tanh(v / 2) / 2),
    }),
    tol: 'unit',
  });
  // activations: i, f, o in (0, 1), g in (-1, 1)
  const G = range(B).flatMap((b) => [
    ...pick(UNIT_FRACTIONS, 2 * H, s + b),
    ...pick(SIGNED_FRACTIONS, H, s + 10 + b),
    ...pick(UNIT_FRACTIONS, H, s + 20 + b),
  ]);
  const lstmBackward = {
    dG: ints(B * 4 * H, s + 4),
    G,
    cPrev: pick(FRACTIONS, B * H, s + 5),
    tanhC: pick(SIGNED_FRACTIONS, B * H, s + 6),
    dh: pick(FRACTIONS, B * H, s + 7),
  };
  add({
    kernel: 'lstmCellBackward',
    name: `lstmCellBackward B=${B} H=${H}`,
    floats: { ...lstmBackward, dcPrev: ints(B * H, s + 8), dc: pick(FRACTIONS, B * H, s + 9) },
    call: (k, f) => k.lstmCellBackward(f.dG, f.dcPrev, f.G, f.cPrev, f.tanhC, f.dh, f.dc, B, H),
    want: (x) => spec.lstmCellBackward(x.G, x.cPrev, x.tanhC, x.dh, x.dc, B, H),
  });
  add({
    kernel: 'lstmCellBackward',
    name: `lstmCellBackward B=${B} H=${H} dcPrev=dc`,
    floats: { ...lstmBackward, dc: pick(FRACTIONS, B * H, s + 9) },
    call: (k, f) => k.lstmCellBackward(f.dG, f.dc, f.G, f.cPrev, f.tanhC, f.dh, f.dc, B, H),
    want: (x) => {
      const { dG, dcPrev } = spec.lstmCellBackward(x.G, x.cPrev, x.tanhC, x.dh, x.dc, B, H);
      return { dG, dc: dcPrev };
    },
  });

  const gruForward = {
    Gx: pick(MODERATE, B * 3 * H, s + 11),
    Gh: pick(MODERATE, B * 3 * H, s + 12),
    bhn: pick(FRACTIONS, H, s + 13),
  };
  add({
    kernel: 'gruCellForward',
    name: `gruCellForward B=${B} H=${H}`,
    floats: { ...gruForward, h: ints(B * H, s + 14), hPrev: pick(SIGNED_FRACTIONS, B * H, s + 15) },
    call: (k, f) => k.gruCellForward(f.Gx, f.Gh, f.h, f.hPrev, f.bhn, B, H),
    want: (x) => spec.gruCellForward(x.Gx, x.Gh, x.hPrev, x.bhn, B, H),
    tol: 'unit',
  });
  add({
    kernel: 'gruCellForward',
    name: `gruCellForward B=${B} H=${H} h=hPrev`,
    floats: { ...gruForward, hPrev: pick(SIGNED_FRACTIONS, B * H, s + 15) },
    call: (k, f) => k.gruCellForward(f.Gx, f.Gh, f.hPrev, f.hPrev, f.bhn, B, H),
    want: (x) => {
      const { h, ...rest } = spec.gruCellForward(x.Gx, x.Gh, x.hPrev, x.bhn, B, H);
      return { ...rest, hPrev: h };
    },
    tol: 'unit',
  });
  add({
    kernel: 'gruCellForward',
    name: `gruCellForward B=${B} H=${H} zero inputs: r=z=1/2, n=0, h=hPrev/2`,
    floats: {
      Gx: range(B * 3 * H).map(() => 0),
      Gh: range(B * 3 * H).map(() => 0),
      bhn: range(H).map(() => 0),
      h: ints(B * H, s + 14),
      hPrev: pick(SIGNED_FRACTIONS, B * H, s + 15),
    },
    call: (k, f) => k.gruCellForward(f.Gx, f.Gh, f.h, f.hPrev, f.bhn, B, H),
    want: (x) => ({
      Gx: range(B).flatMap(() => [...range(2 * H).map(() => 0.5), ...range(H).map(() => 0)]),
      h: x.hPrev.map((v) => v / 2),
    }),
    tol: 'unit',
  });
  // activations: r, z in (0, 1), n in (-1, 1); Gh's n part already holds W_hn hPrev + bhn
  const Gx = range(B).flatMap((b) => [
    ...pick(UNIT_FRACTIONS, 2 * H, s + 30 + b),
    ...pick(SIGNED_FRACTIONS, H, s + 40 + b),
  ]);
  add({
    kernel: 'gruCellBackward',
    name: `gruCellBackward B=${B} H=${H}`,
    floats: {
      dGx: ints(B * 3 * H, s + 16),
      dGh: ints(B * 3 * H, s + 17),
      dhPrev: pick(FRACTIONS, B * H, s + 18),
      Gx,
      Gh: pick(FRACTIONS, B * 3 * H, s + 19),
      hPrev: pick(SIGNED_FRACTIONS, B * H, s + 20),
      dh: pick(FRACTIONS, B * H, s + 21),
    },
    call: (k, f) => k.gruCellBackward(f.dGx, f.dGh, f.dhPrev, f.Gx, f.Gh, f.hPrev, f.dh, B, H),
    want: (x) => spec.gruCellBackward(x.Gx, x.Gh, x.hPrev, x.dh, x.dhPrev, B, H),
  });
}

// the vanilla RNN's recurrence over a window: odd sizes, one step, one row, the seed's width at one row
for (const [B, H, T] of [
  [1, 1, 1],
  [2, 3, 1],
  [1, 5, 3],
  [3, 4, 4],
  [2, 7, 2],
] as const) {
  const s = 1000 + 97 * B + 13 * H + T;
  const n = B * H;
  // short binary fractions: h in (-1, 1), weights and gradients of few bits
  const Whh = pick([-0.5, -0.25, 0, 0.25, 0.5], H * H, s);
  const hs = [...pick(SIGNED_FRACTIONS, n, s + 1), ...ints(T * n, s + 2)];
  add({
    kernel: 'rnnForward',
    name: `rnnForward B=${B} H=${H} T=${T}`,
    floats: { G: pick(MODERATE, T * n, s + 3), hs, Whh },
    call: (k, f) => k.rnnForward(f.G, f.hs, f.Whh, B, H, T),
    want: (x) => spec.rnnForward(x.G, x.hs, x.Whh, B, H, T),
    tol: 'unit',
  });
  add({
    kernel: 'rnnBackward',
    name: `rnnBackward B=${B} H=${H} T=${T}`,
    floats: {
      dG: ints(T * n, s + 4),
      dh: pick(FRACTIONS, T * n, s + 5),
      hs: pick(SIGNED_FRACTIONS, (T + 1) * n, s + 6),
      Whh,
    },
    call: (k, f) => k.rnnBackward(f.dG, f.dh, f.hs, f.Whh, B, H, T),
    want: (x) => spec.rnnBackward(x.dh, x.hs, x.Whh, B, H, T),
    tol: 'unit', // exact in f64; in f32 the products outgrow 24 bits after a few steps
  });
}

// ---- the runner ----

interface Worst {
  err: number;
  where: string;
}
/** The largest error per dtype and kernel, reported at the end. */
const worst = new Map<string, Worst>();

/** |got - want| on the case's scale; NaN only matches NaN, an infinity only itself. */
function errorOf(got: number, want: number, tol: Tol): number {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : Infinity;
  if (got === want) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Infinity;
  const d = Math.abs(got - want);
  return tol === 'rel' ? d / Math.max(Math.abs(want), 1e-300) : tol === 'unit' ? d / (1 + Math.abs(want)) : d;
}

function runCase(dtype: Dtype, c: Case): void {
  const k = new RefKernels(dtype);
  const where = `${c.name} [ref ${dtype}]`;
  // each array one cell longer than the kernel is told; x: the inputs as this dtype stores them
  const f: Record<string, FloatArray> = {};
  const ids: Record<string, Int32Array> = {};
  const x: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(c.floats)) {
    const a = k.alloc(values.length + 1);
    a.set(values);
    a[values.length] = SENTINEL;
    f[name] = a;
    x[name] = Array.from(a.subarray(0, values.length));
  }
  for (const [name, values] of Object.entries(c.ints)) {
    const a = k.allocInt32(values.length + 1);
    a.set(values);
    a[values.length] = INT_SENTINEL;
    ids[name] = a;
    x[name] = Array.from(a.subarray(0, values.length));
  }
  const want = c.want(x);
  const ret = c.call(k, f, ids);

  const tol = TOL[c.tol][dtype];
  let top: Worst = { err: 0, where: '' };
  const compare = (name: string, got: ArrayLike<number>, expected: readonly number[]) => {
    for (let i = 0; i < expected.length; i++) {
      const err = errorOf(got[i], expected[i], c.tol);
      if (err > top.err || top.where === '') {
        top = { err, where: `${name}[${i}] got ${got[i]} want ${expected[i]}` };
      }
    }
  };
  for (const [name, a] of Object.entries({ ...f, ...ids })) {
    const n = a.length - 1;
    const sentinel = name in ids ? INT_SENTINEL : SENTINEL;
    assert.equal(
      a[n],
      sentinel,
      `${where}: ${name}[${n}], past the ${n} elements it was given, became ${a[n]}`,
    );
    const expected = want[name];
    if (expected === undefined) {
      // not the kernel's to write: bit for bit what it was
      const changed = x[name].findIndex((v, i) => !Object.is(v, a[i]));
      assert.equal(
        changed,
        -1,
        `${where}: input ${name}[${changed}] changed from ${x[name][changed]} to ${a[changed]}`,
      );
      continue;
    }
    assert.equal(
      expected.length,
      n,
      `${where}: the spec gives ${name} ${expected.length} elements, not ${n}`,
    );
    compare(name, a, expected);
  }
  for (const name of Object.keys(want)) {
    if (name !== RETURN) assert.ok(name in f, `${where}: the spec names ${name}, which is not an argument`);
  }
  if (want[RETURN] !== undefined) {
    assert.equal(typeof ret, 'number', `${where}: returns ${ret}, not a number`);
    compare(RETURN, [ret as number], want[RETURN]);
  }

  const key = `${dtype} ${c.kernel}`;
  const prev = worst.get(key);
  if (!prev || top.err > prev.err) worst.set(key, { err: top.err, where: `${c.name}: ${top.where}` });
  assert.ok(
    top.err <= tol,
    `${where}: largest difference ${top.err.toExponential(3)} (${c.tol}) > tol ${tol} at ${top.where}`,
  );
}

/** The kernels of RefKernels: its own methods but for the constructor and memory. */
const REF_KERNELS = Object.getOwnPropertyNames(RefKernels.prototype)
  .filter((name) => !['constructor', 'alloc', 'allocInt32'].includes(name))
  .sort();

describe('the kernel specification', () => {
  it('covers every kernel of RefKernels (a new kernel needs a spec here)', () => {
    const specified = [...new Set(cases.map((c) => c.kernel))].sort();
    assert.deepEqual(specified, REF_KERNELS);
  });
  for (const dtype of ['f64', 'f32'] as const) {
    describe(`ref ${dtype}`, () => {
      for (const kernel of REF_KERNELS) {
        const list = cases.filter((c) => c.kernel === kernel);
        it(`${kernel} (${list.length} cases)`, () => {
          assert.ok(list.length > 0, `no spec for ${kernel}`);
          for (const c of list) runCase(dtype, c);
        });
      }
      it('reports its largest errors', (t) => {
        for (const kernel of REF_KERNELS) {
          const w = worst.get(`${dtype} ${kernel}`);
          if (w) t.diagnostic(`${kernel}: ${w.err.toExponential(2)} at ${w.where}`);
        }
      });
    });
  }
});
