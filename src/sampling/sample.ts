// Sampling: the seed's sample(h, seed_ix, n), streamed one id at a time, with temperature, top-k, top-p
// (nucleus) and argmax on top, applied in that order: the softmax of the logits divided by the temperature,
// then only the k most likely symbols kept, then of those only the smallest most likely set whose
// probability (renormalized over the k) reaches p, then one draw. With temperature 1 and nothing else it
// draws exactly as numpy's np.random.choice(range(V), p=p.ravel()) does, from the same MT19937 stream.
import { CharrnnError, shown, shownValue } from '../errors.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import type { MT19937 } from '../rng.js';

/** What generation needs of a model: one step of a single stream, returning the V logits (reused). */
export interface Stepper {
  readonly vocabSize: number;
  readonly kernels: Kernels;
  forwardOne(x: number): FloatArray;
}

export interface SampleOptions {
  /** divide the logits by this before the softmax (1: the seed) */
  temperature?: number;
  /** keep only the k most likely symbols (0: all) */
  topK?: number;
  /**
   * nucleus sampling, after top-k: keep the smallest set of most likely symbols whose probability sums to
   * at least this, renormalized (1: all)
   */
  topP?: number;
  /** take the most likely symbol instead of drawing */
  argmax?: boolean;
}

const SAMPLE_OPTIONS: readonly string[] = [
  'temperature',
  'topK',
  'topP',
  'argmax',
] satisfies (keyof SampleOptions)[];

/**
 * Throws a usage CharrnnError naming the first option that is not one, or out of its range: what a
 * program can pass that the types do not allow (a misspelt key, a string for a number) is refused rather
 * than ignored.
 */
export function checkSampleOptions(o: SampleOptions): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new CharrnnError(`the sample options must be an object, got ${shownValue(o)}`, '', 'usage');
  }
  for (const key of Object.keys(o)) {
    if (!SAMPLE_OPTIONS.includes(key)) {
      throw new CharrnnError(
        `unknown sample option '${shown(key)}'`,
        `known options: ${SAMPLE_OPTIONS.join(', ')}`,
        'usage',
      );
    }
  }
  const isNumber = (x: unknown): x is number => typeof x === 'number';
  const t = o.temperature;
  if (t !== undefined && !(isNumber(t) && t > 0 && Number.isFinite(t))) {
    throw new CharrnnError(
      `temperature must be a number > 0, got ${shownValue(t)}`,
      'try 1 (the seed) or 0.5',
      'usage',
    );
  }
  if (o.topK !== undefined && !(isNumber(o.topK) && Number.isInteger(o.topK) && o.topK >= 0)) {
    throw new CharrnnError(`top-k must be an integer >= 0, got ${shownValue(o.topK)}`, '', 'usage');
  }
  if (o.topP !== undefined && !(isNumber(o.topP) && o.topP > 0 && o.topP <= 1)) {
    throw new CharrnnError(
      `top-p must be a number > 0 and <= 1, got ${shownValue(o.topP)}`,
      'try 0.9',
      'usage',
    );
  }
  if (o.argmax !== undefined && typeof o.argmax !== 'boolean') {
    throw new CharrnnError(`argmax must be true or false, got ${shownValue(o.argmax)}`, '', 'usage');
  }
}

/**
 * Generates n ids from the model's current generation state (set it first, e.g. to hprev), feeding
 * `seedId` first, as the seed's sample() does. Yields each id as it is drawn.
 */
export function* generate(
  model: Stepper,
  rng: MT19937,
  seedId: number,
  n: number,
  options: SampleOptions = {},
): Generator<number, void, undefined> {
  const V = model.vocabSize;
  const invT = 1 / (options.temperature ?? 1);
  // a temperature so near 0 that 1/T overflows is argmax, the limit as T goes to 0: below ~5.6e-309 in f64,
  // and below ~2.9e-39 in f32, where the kernels take 1/T as an f32 (an infinite 1/T makes the softmax NaN)
  const inKernel = model.kernels.dtype === 'f32' ? Math.fround(invT) : invT;
  const greedy = options.argmax === true || !Number.isFinite(inKernel);
  const topK = options.topK ?? 0;
  const cdf = new Float64Array(V);
  const order = topK > 0 && topK < V ? new Int32Array(V) : undefined;
  const topP = options.topP ?? 1;
  const nucleus = topP < 1 ? new Int32Array(V) : undefined; // 1 keeps every symbol: nothing to sort
  let x = seedId;
  for (let t = 0; t < n; t++) {
    const logits = model.forwardOne(x);
    if (greedy) {
      x = argmax(logits, V);
    } else {
      model.kernels.softmax(logits, logits, V, invT); // p = np.exp(y) / np.sum(np.exp(y))
      if (order) keepTopK(logits, V, topK, order);
      if (nucleus) keepTopP(logits, V, topP, nucleus);
      x = rng.choice(logits, V, cdf); // np.random.choice(range(vocab_size), p=p.ravel())
    }
    yield x;
  }
}

/** Runs `prime` (ids) through the generation state; returns the last id, the seed for `generate`. */
export function feedPrime(model: Stepper, prime: ArrayLike<number>): number {
  for (let i = 0; i < prime.length - 1; i++) model.forwardOne(prime[i]);
  return prime[prime.length - 1];
}

function argmax(a: ArrayLike<number>, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** Zeroes all but the k largest probabilities (ties broken by lower id). */
function keepTopK(p: { [i: number]: number }, n: number, k: number, order: Int32Array): void {
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => p[b] - p[a] || a - b);
  for (let r = k; r < n; r++) p[order[r]] = 0;
}

/**
 * Zeroes all but the smallest set of largest probabilities whose sum reaches `topP` of the total (the
 * total: what top-k left; ties broken by lower id). The most likely symbol is always kept.
 */
function keepTopP(p: { [i: number]: number }, n: number, topP: number, order: Int32Array): void {
  let total = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    total += p[i];
  }
  order.sort((a, b) => p[b] - p[a] || a - b);
  let sum = 0;
  let r = 0;
  while (r < n && sum < topP * total) sum += p[order[r++]];
  for (; r < n; r++) p[order[r]] = 0;
}
