// Sampling settings take effect: the empirical distribution of many draws from fixed logits, under each
// temperature, top-k and top-p, against the probabilities they define (a chi-square test at a fixed seed), and
// argmax always taking the most likely symbol. The logits come from a stub model, so what is tested is the
// sampler alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CharrnnError } from '../../src/errors.js';
import { bytesFor, createKernels, initKernels } from '../../src/kernels/index.js';
import { RefKernels } from '../../src/kernels/ref.js';
import type { Dtype, FloatArray } from '../../src/kernels/types.js';
import { MT19937 } from '../../src/rng.js';
import {
  checkSampleOptions,
  feedPrime,
  generate,
  type SampleOptions,
  type Stepper,
} from '../../src/sampling/sample.js';

const LOGITS = [2.0, 1.2, 0.7, 0.1, -0.5, -1.6];
const V = LOGITS.length;
const DRAWS = 20000;
/**
 * Named bound: the chi-square statistic must stay below the 0.999 quantile for its degrees of freedom
 * (a correct sampler fails one seed in a thousand; the seed is fixed, so the test is deterministic).
 */
const CHI2_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52 };

/** A model whose next-symbol logits never change, and which counts the symbols fed to it. */
function stub(): Stepper & { fed: number[] } {
  const kernels = new RefKernels('f64');
  const logits = kernels.alloc(V);
  const fed: number[] = [];
  return {
    vocabSize: V,
    kernels,
    fed,
    forwardOne(x: number): FloatArray {
      fed.push(x);
      logits.set(LOGITS);
      return logits;
    },
  };
}

function counts(options: SampleOptions, seed = 7): number[] {
  const c = new Array<number>(V).fill(0);
  for (const id of generate(stub(), new MT19937(seed), 0, DRAWS, options)) c[id]++;
  return c;
}

/** p(i) = softmax(logits / T) over the k largest logits, zero elsewhere. */
function expected(temperature: number, topK = V): number[] {
  const order = [...LOGITS.keys()].sort((a, b) => LOGITS[b] - LOGITS[a]).slice(0, topK);
  const w = LOGITS.map((l, i) => (order.includes(i) ? Math.exp(l / temperature) : 0));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}

/**
 * The nucleus of p: the smallest set of most likely symbols whose probability sums to at least topP,
 * renormalized; zero elsewhere. Written from the definition (a running sum over the sorted probabilities).
 */
function nucleus(p: number[], topP: number): number[] {
  const sorted = [...p.keys()].sort((a, b) => p[b] - p[a]);
  const kept = new Set<number>();
  let sum = 0;
  for (const i of sorted) {
    if (sum >= topP) break;
    kept.add(i);
    sum += p[i];
  }
  return p.map((x, i) => (kept.has(i) ? x / sum : 0));
}

/** How many symbols a distribution can draw. */
const support = (p: number[]) => p.filter((x) => x > 0).length;

function chiSquare(observed: number[], p: number[]): { chi2: number; df: number; worst: string } {
  let chi2 = 0;
  let df = -1;
  let worst = { d: 0, at: '' };
  observed.forEach((o, i) => {
    const e = p[i] * DRAWS;
    if (e === 0) {
      assert.equal(o, 0, `symbol ${i} has probability 0 but was drawn ${o} times`);
      return;
    }
    const d = (o - e) ** 2 / e;
    chi2 += d;
    df++;
    if (d > worst.d) worst = { d, at: `symbol ${i}: ${o} draws, expected ${e.toFixed(1)}` };
  });
  return { chi2, df, worst: worst.at };
}

describe('sampling: the draws follow the distribution the options define', () => {
  const cases: [string, SampleOptions, number, number][] = [
    ['temperature 1 (the seed)', {}, 1, V],
    ['temperature 0.5', { temperature: 0.5 }, 0.5, V],
    ['temperature 2', { temperature: 2 }, 2, V],
    ['top-k 3', { topK: 3 }, 1, 3],
    ['top-k 2 at temperature 0.7', { topK: 2, temperature: 0.7 }, 0.7, 2],
    ['top-k 1', { topK: 1 }, 1, 1],
    ['top-k larger than the vocabulary', { topK: 100 }, 1, V],
  ];
  for (const [what, options, T, k] of cases) {
    it(`${what}: chi-square against softmax(logits / T) over the top ${k}`, () => {
      const p = expected(T, k);
      const { chi2, df, worst } = chiSquare(counts(options), p);
      if (df === 0) return; // one symbol left: the zero-probability check above is the test
      console.log(
        `  ${what}: chi-square ${chi2.toFixed(2)} with ${df} degrees of freedom (bound ${CHI2_999[df]})`,
      );
      assert.ok(
        chi2 < CHI2_999[df],
        `chi-square ${chi2.toFixed(2)} > ${CHI2_999[df]}; largest term at ${worst}`,
      );
    });
  }

  // top-p after temperature and top-k. At temperature 1 the probabilities, most likely first, are .505,
  // .227, .138, .076, .041, .014, so their running sums .505, .732, .869, .945, .986, 1: every p below lies
  // well between two of them, so the size of each nucleus is unambiguous.
  const nucleusCases: [string, SampleOptions, number[], number][] = [
    ['top-p 0.8', { topP: 0.8 }, nucleus(expected(1), 0.8), 3],
    ['top-p 0.9', { topP: 0.9 }, nucleus(expected(1), 0.9), 4],
    ['top-p 0.01 (the most likely only)', { topP: 0.01 }, nucleus(expected(1), 0.01), 1],
    ['top-p 1 (all)', { topP: 1 }, expected(1), V],
    // at temperature 2 the running sums are .330, .551, .723, .851: four symbols reach 0.8, not three
    ['top-p 0.8 at temperature 2', { topP: 0.8, temperature: 2 }, nucleus(expected(2), 0.8), 4],
    // after top-k 3 the probabilities are renormalized to .581, .261, .159: two reach 0.8 (before top-k,
    // or without renormalizing, three would)
    ['top-p 0.8 after top-k 3', { topP: 0.8, topK: 3 }, nucleus(expected(1, 3), 0.8), 2],
  ];
  for (const [what, options, p, size] of nucleusCases) {
    it(`${what}: chi-square against the renormalized nucleus of ${size} symbols`, () => {
      assert.equal(support(p), size, 'the expected nucleus (the test itself)');
      const { chi2, df, worst } = chiSquare(counts(options), p);
      if (df === 0) return; // one symbol: the zero-probability check is the test
      console.log(
        `  ${what}: chi-square ${chi2.toFixed(2)} with ${df} degrees of freedom (bound ${CHI2_999[df]})`,
      );
      assert.ok(
        chi2 < CHI2_999[df],
        `chi-square ${chi2.toFixed(2)} > ${CHI2_999[df]}; largest term at ${worst}`,
      );
    });
  }

  it('the top-p test has power: a sampler that ignores top-p, or keeps one symbol too many or too few, is refused', () => {
    const refused = (observed: number[], want: number[]) => {
      let chi2 = 0;
      observed.forEach((o, i) => {
        if (want[i] > 0) chi2 += (o - want[i] * DRAWS) ** 2 / (want[i] * DRAWS);
        else chi2 += o > 0 ? Infinity : 0;
      });
      return chi2;
    };
    /** softmax over the n most likely symbols: a nucleus of n */
    const firstN = (n: number) => expected(1, n);
    for (const [what, observed, want] of [
      ['top-p ignored', counts({}), nucleus(expected(1), 0.8)],
      ['top-p 0.8 drawn as if all were kept', counts({ topP: 0.8 }), expected(1)],
      ['one symbol too many', counts({ topP: 0.8 }), firstN(4)],
      ['one symbol too few', counts({ topP: 0.8 }), firstN(2)],
      ['top-p before top-k', counts({ topP: 0.8, topK: 3 }), firstN(3)],
    ] as const) {
      const chi2 = refused([...observed], [...want]);
      assert.ok(chi2 > 100, `${what}: chi-square ${chi2} against the wrong distribution`);
    }
  });

  it('the test has power: the distribution of one temperature is refused for another', () => {
    for (const [got, want] of [
      [{ temperature: 0.5 }, expected(1)],
      [{}, expected(0.8)],
      [{ topK: 3 }, expected(1, 4)],
    ] as const) {
      const observed = counts(got);
      let chi2 = 0;
      observed.forEach((o, i) => {
        if (want[i] > 0) chi2 += (o - want[i] * DRAWS) ** 2 / (want[i] * DRAWS);
        else chi2 += o > 0 ? Infinity : 0;
      });
      assert.ok(chi2 > 100, `${JSON.stringify(got)}: chi-square ${chi2} against the wrong distribution`);
    }
  });

  it('argmax always takes the most likely symbol and draws no random numbers', () => {
    const rng = new MT19937(3);
    const before = rng.getState();
    const ids = [...generate(stub(), rng, 0, 50, { argmax: true, temperature: 3 })];
    assert.deepEqual(new Set(ids), new Set([0]));
    assert.deepEqual(rng.getState(), before);
  });

  it('feeds each drawn symbol back as the next input, starting from the seed id', () => {
    const s = stub();
    const ids = [...generate(s, new MT19937(4), 5, 20)];
    assert.deepEqual(s.fed, [5, ...ids.slice(0, -1)]);
  });

  it('with temperature 1 draws exactly as np.random.choice does: one uniform per draw against the cdf', () => {
    const rng = new MT19937(9);
    const ids = [...generate(stub(), new MT19937(9), 0, 200)];
    const p = expected(1);
    const cdf = p.map((_, i) => p.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const want = ids.map(() => {
      const u = rng.random();
      return cdf.findIndex((c) => c / cdf[V - 1] > u);
    });
    assert.deepEqual(ids, want);
  });

  it('refuses a temperature that is not a positive number, a top-k that is not a whole number and a top-p outside (0, 1]', () => {
    for (const bad of [
      { temperature: 0 },
      { temperature: -1 },
      { temperature: Infinity },
      { topK: 1.5 },
      { topK: -1 },
      { topP: 0 },
      { topP: -0.5 },
      { topP: 1.01 },
      { topP: Number.NaN },
    ]) {
      assert.throws(() => checkSampleOptions(bad), CharrnnError, JSON.stringify(bad));
    }
  });
});

describe('sampling: the edges', () => {
  /** A model whose logits are `logits` at every step. */
  const fixed = (logits: number[]): Stepper => {
    const kernels = new RefKernels('f64');
    const out = kernels.alloc(logits.length);
    return {
      vocabSize: logits.length,
      kernels,
      forwardOne: () => {
        out.set(logits);
        return out;
      },
    };
  };

  it('the refusals name the setting, the value and the usage kind', () => {
    for (const [bad, pattern] of [
      [{ temperature: 0 }, /^temperature must be a number > 0, got 0$/],
      [{ topK: -1 }, /^top-k must be an integer >= 0, got -1$/],
      [{ topP: 2 }, /^top-p must be a number > 0 and <= 1, got 2$/],
    ] as const) {
      assert.throws(
        () => checkSampleOptions(bad),
        (e: unknown) => e instanceof CharrnnError && e.kind === 'usage' && pattern.test(e.message),
      );
    }
    for (const ok of [{ topK: 0 }, { topP: 1 }, { temperature: 1e-9 }, {}]) checkSampleOptions(ok);
  });

  it('refuses what a program can pass that the types do not allow, instead of ignoring it', () => {
    const asOptions = (x: unknown) => x as SampleOptions;
    for (const [bad, pattern] of [
      // a misspelt option did nothing: the sample was drawn at temperature 1
      [{ temprature: 0.5 }, /^unknown sample option 'temprature'$/],
      [{ temperature: '0.5' }, /^temperature must be a number > 0, got '0.5'$/],
      [{ topK: '3' }, /^top-k must be an integer >= 0, got '3'$/],
      // a non-boolean argmax was not argmax, silently
      [{ argmax: 'yes' }, /^argmax must be true or false, got 'yes'$/],
      [{ argmax: 1 }, /^argmax must be true or false, got 1$/],
      [null, /^the sample options must be an object, got null$/],
      [[0.5], /^the sample options must be an object, got a list$/],
    ] as const) {
      assert.throws(
        () => checkSampleOptions(asOptions(bad)),
        (e: unknown) => e instanceof CharrnnError && e.kind === 'usage' && pattern.test(e.message),
        `${JSON.stringify(bad)}`,
      );
    }
    checkSampleOptions({ temperature: 0.5, topK: 3, topP: 0.9, argmax: false });
    checkSampleOptions(asOptions({ temperature: undefined }));
  });

  it('argmax breaks a tie toward the lower id, and so does top-k at its boundary', () => {
    assert.deepEqual(
      [...generate(fixed([0.5, 3, 1, 3]), new MT19937(1), 0, 4, { argmax: true })],
      [1, 1, 1, 1],
    );
    // top-k 2 of [3, 1, 3, 3]: ids 0 and 2 (the lower of the tied ids); id 3 is never drawn
    const ids = [...generate(fixed([3, 1, 3, 3]), new MT19937(2), 0, 2000, { topK: 2 })];
    assert.deepEqual(new Set(ids), new Set([0, 2]));
    const zeros = ids.filter((x) => x === 0).length;
    assert.ok(Math.abs(zeros / 2000 - 0.5) < 0.05, `the two kept ids are equally likely: ${zeros} of 2000`);
  });

  it('top-p ranks the symbols by probability, not by id, and stops exactly at the share', () => {
    // probabilities ~ [0.017, 0.615, 0.092, 0.276]: id 1 alone holds more than half
    const most = [...generate(fixed([-1.6, 2, 0.1, 1.2]), new MT19937(5), 0, 400, { topP: 0.5 })];
    assert.deepEqual(new Set(most), new Set([1]));
    // four equal symbols: the first two (lower ids) hold exactly one half, so the nucleus is {0, 1}
    const tied = [...generate(fixed([0, 0, 0, 0]), new MT19937(6), 0, 400, { topP: 0.5 })];
    assert.deepEqual(new Set(tied), new Set([0, 1]));
  });

  it("a temperature whose 1/T overflows the kernels' float is argmax, in f32 (below ~2.9e-39) as in f64", async () => {
    assert.ok(await initKernels(), 'the wasm kernels load');
    // the most likely symbol is not the last one: a NaN softmax draws the last
    const logits = [0.3, 2.5, -1, 1.9, 0.7];
    for (const backend of ['wasm', 'ref'] as const) {
      for (const dtype of ['f32', 'f64'] as Dtype[]) {
        const kernels = createKernels({ backend, dtype, capacityBytes: bytesFor(dtype, [logits.length]) });
        const out = kernels.alloc(logits.length);
        const model: Stepper = {
          vocabSize: logits.length,
          kernels,
          forwardOne: () => {
            out.set(logits);
            return out;
          },
        };
        // 1e-39: 1/T is 1e39, past f32's largest (3.4e38); 1e-320: past f64's
        for (const temperature of [1e-39, 1e-100, 1e-300, 1e-320]) {
          const ids = [...generate(model, new MT19937(1), 0, 20, { temperature })];
          const wrong = ids.findIndex((id) => id !== 1);
          assert.equal(
            wrong,
            -1,
            `${backend} ${dtype} temperature ${temperature}: drew ${ids[wrong]} at ${wrong}, not 1`,
          );
        }
      }
    }
  });

  it('top-k 0 and top-k at the vocabulary size keep every symbol', () => {
    for (const topK of [0, 4]) {
      const ids = [...generate(fixed([0, 0, 0, 0]), new MT19937(3), 0, 400, { topK })];
      assert.equal(new Set(ids).size, 4, `top-k ${topK}`);
    }
  });

  it('feedPrime feeds every prime symbol but the last, which it returns as the seed of generation', () => {
    const fed: number[] = [];
    const s = fixed([0, 1]);
    const model: Stepper = {
      ...s,
      forwardOne: (x) => {
        fed.push(x);
        return s.forwardOne(x);
      },
    };
    assert.equal(feedPrime(model, [1, 0, 1, 1]), 1);
    assert.deepEqual(fed, [1, 0, 1]);
    fed.length = 0;
    assert.equal(feedPrime(model, [0]), 0);
    assert.deepEqual(fed, []);
  });

  it('generates exactly the number of symbols asked for, 0 included', () => {
    for (const n of [0, 1, 7]) assert.equal([...generate(fixed([1, 2]), new MT19937(4), 0, n)].length, n);
  });
});
