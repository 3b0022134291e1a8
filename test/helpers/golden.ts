// Loads the numpy golden fixture and compares numbers with named tolerances, reporting the largest
// difference and where it is.
import { readFileSync } from 'node:fs';

export interface Summary {
  shape: number[];
  sum: number;
  sumsq: number;
  first: number[];
  last: number[];
}

export interface Golden {
  corpus: string;
  vocab: string;
  seed: number;
  iterations: number;
  init: Record<'Wxh' | 'Whh' | 'Why', Summary>;
  first_step: {
    inputs: number[];
    targets: number[];
    loss: number;
    dWxh: Summary;
    dWhh: Summary;
    dWhy: Summary;
    dbh: Summary;
    dby: Summary;
    hprev: Summary;
  };
  trajectory: { rows: [number, number, number][] };
  final: { smooth_loss: number };
  stdout: string;
}

export const golden: Golden = JSON.parse(
  readFileSync(new URL('../fixtures/min-char-rnn-golden.json', import.meta.url), 'utf8'),
);

export function summarize(a: ArrayLike<number>): Omit<Summary, 'shape'> {
  let sum = 0;
  let sumsq = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i];
    sumsq += a[i] * a[i];
  }
  const arr = Array.from(a);
  return { sum, sumsq, first: arr.slice(0, 6), last: arr.slice(-3) };
}

/** Relative difference |got - want| / max(|want|, floor). */
export function relDiff(got: number, want: number, floor = 1e-300): number {
  return Math.abs(got - want) / Math.max(Math.abs(want), floor);
}

export interface Worst {
  rel: number;
  where: string;
  got: number;
  want: number;
}

/** Largest relative difference between a summary of `a` and a golden summary. */
export function compareSummary(a: ArrayLike<number>, want: Summary, name: string): Worst {
  const got = summarize(a);
  // The terms of a sum can cancel (softmax - onehot sums to zero), so its error is measured against the
  // size of what was summed: sum |x_i| <= sqrt(n * sumsq), not against the (tiny) result.
  const n = want.shape.reduce((x, y) => x * y, 1);
  const sumScale = Math.max(Math.abs(want.sum), Math.sqrt(n * want.sumsq));
  const pairs: [string, number, number][] = [
    [`${name}.sumsq`, got.sumsq, want.sumsq],
    ...want.first.map((w, i): [string, number, number] => [`${name}.first[${i}]`, got.first[i], w]),
    ...want.last.map((w, i): [string, number, number] => [`${name}.last[${i}]`, got.last[i], w]),
  ];
  const worst = worstOf(pairs);
  const sumRel = Math.abs(got.sum - want.sum) / sumScale;
  return sumRel > worst.rel ? { rel: sumRel, where: `${name}.sum`, got: got.sum, want: want.sum } : worst;
}

export function worstOf(pairs: [string, number, number][]): Worst {
  let worst: Worst = { rel: 0, where: '', got: 0, want: 0 };
  for (const [where, got, want] of pairs) {
    // a sum of symmetric values can be near zero: scale its error by the magnitude of the data instead
    const rel = relDiff(got, want, 1e-12);
    if (!(rel <= worst.rel)) worst = { rel, where, got, want };
  }
  return worst;
}

export function describe(w: Worst): string {
  return `largest relative difference ${w.rel.toExponential(3)} at ${w.where}: got ${w.got}, want ${w.want}`;
}
