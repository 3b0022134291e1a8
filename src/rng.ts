// A seedable MT19937 that reproduces numpy's legacy RandomState stream bit for bit:
// np.random.seed(S) (init_genrand), random_sample (53 bits from two draws), randn (polar Box-Muller
// with the cached second value) and choice(V, p=p) (cumsum, normalize by the last entry, one uniform,
// searchsorted right). With the same seed, charrnn draws the seed program's initial weights and samples.

const N = 624;
const M = 397;
/** Words of the raw state (saveRaw, loadRaw): the 624 of the generator, then its position. */
export const MT_RAW_WORDS = N + 1;

/** MT19937's tempering of one state word. */
function temper(y: number): number {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}

/** Serializable RNG state (for checkpoints): the 624 words, the position, and the cached gaussian. */
export interface RngState {
  readonly mt: readonly number[];
  readonly pos: number;
  readonly hasGauss: boolean;
  readonly gauss: number;
}

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** np.random.seed(seed) for an integer seed in [0, 2^32): init_genrand. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float64
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.pos = N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  /** genrand_int32: the next 32-bit word. */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    return temper(this.mt[this.pos++]);
  }

  /** The next 624 words of the state, all at once (genrand_int32's refill); the position goes back to 0. */
  private twist(): void {
    const mt = this.mt;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (mt[k] & 0x80000000) | (mt[k + 1] & 0x7fffffff);
      mt[k] = mt[k + M] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k] & 0x80000000) | (mt[k + 1] & 0x7fffffff);
      mt[k] = mt[k + (M - N)] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.pos = 0;
  }

  /** random_sample(): a double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** randn(): a standard normal by the polar method, caching the second value as numpy does. */
  randn(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2.0 * this.random() - 1.0;
      x2 = 2.0 * this.random() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * Inverted dropout's mask: mask[i] = 0 with probability p, else keep, for i < n. The same draws and the
   * same values as the plain loop
   *   for (let i = 0; i < n; i++) mask[i] = this.random() < p ? 0 : keep;
   * and the same state after it (the cached gaussian untouched), with random() and nextUint32() inlined.
   */
  fillDropoutMask(mask: Float32Array | Float64Array, n: number, p: number, keep: number): void {
    const mt = this.mt;
    for (let i = 0; i < n; i++) {
      if (this.pos >= N) this.twist();
      const a = temper(mt[this.pos++]) >>> 5;
      if (this.pos >= N) this.twist();
      const b = temper(mt[this.pos++]) >>> 6;
      mask[i] = (a * 67108864.0 + b) / 9007199254740992.0 < p ? 0 : keep;
    }
  }

  /** Fills `out` with randn() * scale, in order (numpy's row-major randn(rows, cols) * scale). */
  fillRandn(out: Float32Array | Float64Array, scale: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.randn() * scale;
  }

  /**
   * np.random.choice(n, p=p): one uniform against the cumulative sum normalized by its last entry,
   * searchsorted side='right'. `cdf` is scratch of at least n float64s (no allocation per draw).
   */
  choice(p: ArrayLike<number>, n: number, cdf: Float64Array): number {
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += p[i];
      cdf[i] = s;
    }
    const total = cdf[n - 1];
    const u = this.random();
    // searchsorted(cdf / total, u, side='right'): the first i with cdf[i]/total > u
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] / total > u) hi = mid;
      else lo = mid + 1;
    }
    return Math.min(lo, n - 1);
  }

  /** The raw state for a kernel that runs the generator itself: raw[0..624) the words, raw[624] the position. */
  saveRaw(raw: Uint32Array): void {
    raw.set(this.mt);
    raw[N] = this.pos;
  }

  /** Takes back a raw state written by saveRaw (and advanced by a kernel); the cached gaussian is kept. */
  loadRaw(raw: Uint32Array): void {
    const pos = raw[N];
    if (!(raw.length >= MT_RAW_WORDS && pos <= N)) throw new Error('invalid raw RNG state');
    this.mt.set(raw.subarray(0, N));
    this.pos = pos;
  }

  getState(): RngState {
    return { mt: Array.from(this.mt), pos: this.pos, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  setState(state: RngState): void {
    if (state.mt.length !== N || !(state.pos >= 0 && state.pos <= N)) throw new Error('invalid RNG state');
    this.mt.set(state.mt);
    this.pos = state.pos;
    this.hasGauss = state.hasGauss;
    this.gauss = state.gauss;
  }
}
