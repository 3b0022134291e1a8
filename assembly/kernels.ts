// charrnn's WebAssembly SIMD kernels: every kernel of src/kernels/types.ts, in f32 (f32x4) and f64 (f64x2).
// Loaded by src/kernels/wasm.ts. Arguments are byte offsets into the imported memory and element counts;
// nothing here allocates (the large products pack into a fixed scratch area above the static data, inside
// the first page the host reserves; heapBase() reports its end). Each kernel is written once, generic over
// T (f32 | f64), and exported twice at the bottom of the file (`gemv_f32`, `gemv_f64`, ...). Sizes need not be multiples of the vector width:
// every loop ends with a scalar tail, and no kernel reads or writes outside its arrays.
// f32 transcendentals are vectorized polynomial approximations (~2 ulp measured; exp results below 2^-126,
// e.g. sigmoid(x < -87.3), flush to 0); f64 ones use the accurate scalar Math (musl ports), so the f64 path
// stays within ~1 ulp of numpy. Loss and softmax sums accumulate in f64 in both dtypes.
// Built with `--enable simd` (asconfig target release); the `relaxed` target adds relaxed-simd, which turns
// the multiply-adds into relaxed_madd (FMA), for measurement only (Node 20 needs a V8 flag for it).

// ---------------------------------------------------------------------------------------------------------
// vector helpers

// a * b + c
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

@inline function vzero(): v128 {
  return i32x4.splat(0);
}

// the sum of the lanes of v
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    return <T>(f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1));
  }
  return <T>(f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
}

// the max of the lanes of v (NaN propagates)
@inline function hmax<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    const s = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    return <T>Mathf.max(f32x4.extract_lane(s, 0), f32x4.extract_lane(s, 1));
  }
  return <T>Math.max(f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
}

// p[0..4) (+)= [sum(a0) + t0, sum(a1) + t1, sum(a2) + t2, sum(a3) + t3]: four dot products finished at once
@inline function store4<T>(
  p: usize, a0: v128, a1: v128, a2: v128, a3: v128,
  t0: T, t1: T, t2: T, t3: T, tail: bool, acc: bool,
): void {
  if (sizeof<T>() == 4) {
    const ab = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
    const cd = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
    let s = f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
    if (tail) {
      let t = f32x4.splat(<f32>t0);
      t = f32x4.replace_lane(t, 1, <f32>t1);
      t = f32x4.replace_lane(t, 2, <f32>t2);
      t = f32x4.replace_lane(t, 3, <f32>t3);
      s = f32x4.add(s, t);
    }
    if (acc) s = f32x4.add(v128.load(p), s);
    v128.store(p, s);
  } else {
    let s0 = f64x2.add(v128.shuffle<f64>(a0, a1, 0, 2), v128.shuffle<f64>(a0, a1, 1, 3));
    let s1 = f64x2.add(v128.shuffle<f64>(a2, a3, 0, 2), v128.shuffle<f64>(a2, a3, 1, 3));
    if (tail) {
      s0 = f64x2.add(s0, f64x2.replace_lane(f64x2.splat(<f64>t0), 1, <f64>t1));
      s1 = f64x2.add(s1, f64x2.replace_lane(f64x2.splat(<f64>t2), 1, <f64>t3));
    }
    if (acc) {
      s0 = f64x2.add(v128.load(p), s0);
      s1 = f64x2.add(v128.load(p, 16), s1);
    }
    v128.store(p, s0);
    v128.store(p, s1, 16);
  }
}

// sum over k in [k0, K) of a[k] * b[k], scalar
@inline function dotTail<T>(a: usize, b: usize, k0: i32, K: i32): T {
  let s: T = 0;
  for (let k = k0; k < K; k++) s += load<T>(a + (<usize>k << alignof<T>())) * load<T>(b + (<usize>k << alignof<T>()));
  return s;
}

// sum over k < K of a[k] * b[k]
@inline function dot<T>(a: usize, b: usize, K: i32): T {
  const L = <i32>(16 / sizeof<T>());
  const K2 = K & ~(2 * L - 1);
  const K1 = K & ~(L - 1);
  let s0 = vzero();
  let s1 = vzero();
  let k = 0;
  for (; k < K2; k += 2 * L) {
    const o = <usize>k << alignof<T>();
    s0 = madd<T>(v128.load(a + o), v128.load(b + o), s0);
    s1 = madd<T>(v128.load(a + o, 16), v128.load(b + o, 16), s1);
  }
  if (k < K1) {
    const o = <usize>k << alignof<T>();
    s0 = madd<T>(v128.load(a + o), v128.load(b + o), s0);
    k += L;
  }
  return hsum<T>(v128.add<T>(s0, s1)) + dotTail<T>(a, b, k, K);
}

// dst (n) += src (n)
@inline function addInto<T>(dst: usize, src: usize, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = <usize>i << alignof<T>();
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(src + o)));
    v128.store(dst + o, v128.add<T>(v128.load(dst + o, 16), v128.load(src + o, 16)), 16);
  }
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(dst + o, load<T>(dst + o) + load<T>(src + o));
  }
}

// ---------------------------------------------------------------------------------------------------------
// f32x4 transcendentals

// exp(x), 4 lanes, for x <= 88 (the kernels only need x <= 0): x = k ln2 + r with |r| <= ln2/2, exp(r) by
// Cephes' expf polynomial (~1 ulp), times 2^k built in the exponent bits. Results below the normal range
// (x < -87.34) are flushed to 0; NaN stays NaN.
@inline function expf4(x: v128): v128 {
  const lo = f32x4.splat(-87.336544);
  // pmax/pmin (one instruction each) with x first: a NaN x falls through both unchanged
  const xc = f32x4.pmin(f32x4.pmax(x, lo), f32x4.splat(88.0));
  // k = round(x / ln2) by the 1.5 * 2^23 trick: the sum's low mantissa bits are k as an integer
  const kb = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const k = f32x4.sub(kb, f32x4.splat(12582912.0));
  let r = f32x4.sub(xc, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // 2^k: k in [-126, 127] after the clamp, so (k + 127) << 23 is a normal float
  const sc = i32x4.shl(i32x4.sub(kb, i32x4.splat(0x4b400000 - 127)), 23);
  return v128.andnot(f32x4.mul(p, sc), f32x4.lt(x, lo));
}

// exp(x) - 1, 4 lanes, for x <= 88: the same reduction as expf4, with expm1(r) = r + r^2 p(r) kept apart
// from the 1 so that 2^k expm1(r) + (2^k - 1) is accurate near 0 (k = 0 there, and the result is r + ...).
// Below -87.34 it returns -1 + 2^-126 p, i.e. -1.
@inline function expm1f4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.336544)), f32x4.splat(88.0));
  const kb = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const k = f32x4.sub(kb, f32x4.splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const q = f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r);
  const sc = i32x4.shl(i32x4.sub(kb, i32x4.splat(0x4b400000 - 127)), 23); // 2^k, k in [-126, 127]
  return f32x4.add(f32x4.mul(sc, q), f32x4.sub(sc, f32x4.splat(1.0)));
}

// tanh(x), 4 lanes: with m = expm1(-2|x|) in [-1, 0], tanh|x| = -m / (2 + m): no cancellation near 0
// (m ~ -2|x| there), saturates to 1 cleanly; the sign of x is put back last. NaN stays NaN.
@inline function tanhf4(x: v128): v128 {
  const m = expm1f4(f32x4.mul(f32x4.abs(x), f32x4.splat(-2.0)));
  const t = f32x4.div(f32x4.sub(vzero(), m), f32x4.add(m, f32x4.splat(2.0)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// 1 / (1 + exp(-x)), 4 lanes, via e = exp(-|x|): 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0
@inline function sigmoidf4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const e = expf4(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(e, one, f32x4.lt(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(one, e));
}

// ---------------------------------------------------------------------------------------------------------
// products

// w[0..4 vectors) . [x0, x1, x2, x3], lane-wise, as (w0 x0 + w1 x1) + (w2 x2 + w3 x3)
@inline function rowStep4<T>(w: usize, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const p = madd<T>(v128.load(w, 16), x1, v128.mul<T>(v128.load(w), x0));
  const q = madd<T>(v128.load(w, 48), x3, v128.mul<T>(v128.load(w, 32), x2));
  return v128.add<T>(p, q);
}

// y (M) = W (M,K) @ x (K); y += ... when acc
@inline function gemv<T>(y: usize, W: usize, x: usize, M: i32, K: i32, acc: bool): void {
  const L = <i32>(16 / sizeof<T>());
  const rowB = <usize>K << alignof<T>();
  const K4 = K & ~(4 * L - 1);
  const K1 = K & ~(L - 1);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const w0 = W + <usize>i * rowB;
    const w1 = w0 + rowB;
    const w2 = w1 + rowB;
    const w3 = w2 + rowB;
    // four vectors of x per step, their products summed pairwise before the accumulator: 4 accumulators
    // (not 16) keep V8 from spilling while still giving 4 independent add chains
    let a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
    let k = 0;
    for (; k < K4; k += 4 * L) {
      const o = <usize>k << alignof<T>();
      const x0 = v128.load(x + o);
      const x1 = v128.load(x + o, 16);
      const x2 = v128.load(x + o, 32);
      const x3 = v128.load(x + o, 48);
      a0 = v128.add<T>(a0, rowStep4<T>(w0 + o, x0, x1, x2, x3));
      a1 = v128.add<T>(a1, rowStep4<T>(w1 + o, x0, x1, x2, x3));
      a2 = v128.add<T>(a2, rowStep4<T>(w2 + o, x0, x1, x2, x3));
      a3 = v128.add<T>(a3, rowStep4<T>(w3 + o, x0, x1, x2, x3));
    }
    for (; k < K1; k += L) {
      const o = <usize>k << alignof<T>();
      const x0 = v128.load(x + o);
      a0 = madd<T>(v128.load(w0 + o), x0, a0);
      a1 = madd<T>(v128.load(w1 + o), x0, a1);
      a2 = madd<T>(v128.load(w2 + o), x0, a2);
      a3 = madd<T>(v128.load(w3 + o), x0, a3);
    }
    store4<T>(
      y + (<usize>i << alignof<T>()), a0, a1, a2, a3,
      dotTail<T>(w0, x, k, K), dotTail<T>(w1, x, k, K), dotTail<T>(w2, x, k, K), dotTail<T>(w3, x, k, K),
      k < K, acc,
    );
  }
  for (; i < M; i++) {
    const s = dot<T>(W + <usize>i * rowB, x, K);
    const yp = y + (<usize>i << alignof<T>());
    store<T>(yp, acc ? load<T>(yp) + s : s);
  }
}

// y (K) = W^T @ x (M) where W is (M,K); y += ... when acc
@inline function gemvT<T>(y: usize, W: usize, x: usize, M: i32, K: i32, acc: bool): void {
  const L = <i32>(16 / sizeof<T>());
  const rowB = <usize>K << alignof<T>();
  let k = 0;
  // panels of 4 vectors of y held in registers while W streams by, two rows per step (their products
  // summed before the accumulator: few registers, 4 independent add chains)
  for (; k + 4 * L <= K; k += 4 * L) {
    const yp = y + (<usize>k << alignof<T>());
    let c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero();
    if (acc) {
      c0 = v128.load(yp); c1 = v128.load(yp, 16); c2 = v128.load(yp, 32); c3 = v128.load(yp, 48);
    }
    let wp = W + (<usize>k << alignof<T>());
    let i = 0;
    for (; i + 2 <= M; i += 2) {
      const xp = x + (<usize>i << alignof<T>());
      const xs0 = v128.load_splat<T>(xp);
      const xs1 = v128.load_splat<T>(xp + sizeof<T>());
      const wq = wp + rowB;
      c0 = v128.add<T>(c0, madd<T>(v128.load(wq), xs1, v128.mul<T>(v128.load(wp), xs0)));
      c1 = v128.add<T>(c1, madd<T>(v128.load(wq, 16), xs1, v128.mul<T>(v128.load(wp, 16), xs0)));
      c2 = v128.add<T>(c2, madd<T>(v128.load(wq, 32), xs1, v128.mul<T>(v128.load(wp, 32), xs0)));
      c3 = v128.add<T>(c3, madd<T>(v128.load(wq, 48), xs1, v128.mul<T>(v128.load(wp, 48), xs0)));
      wp += 2 * rowB;
    }
    if (i < M) {
      const xs = v128.load_splat<T>(x + (<usize>i << alignof<T>()));
      c0 = madd<T>(v128.load(wp), xs, c0);
      c1 = madd<T>(v128.load(wp, 16), xs, c1);
      c2 = madd<T>(v128.load(wp, 32), xs, c2);
      c3 = madd<T>(v128.load(wp, 48), xs, c3);
    }
    v128.store(yp, c0); v128.store(yp, c1, 16); v128.store(yp, c2, 32); v128.store(yp, c3, 48);
  }
  // single vectors of y, four rows of W at a time into four accumulators
  for (; k + L <= K; k += L) {
    const yp = y + (<usize>k << alignof<T>());
    let c0 = acc ? v128.load(yp) : vzero();
    let c1 = vzero(), c2 = vzero(), c3 = vzero();
    let wp = W + (<usize>k << alignof<T>());
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const xp = x + (<usize>i << alignof<T>());
      c0 = madd<T>(v128.load(wp), v128.load_splat<T>(xp), c0);
      c1 = madd<T>(v128.load(wp + rowB), v128.load_splat<T>(xp + sizeof<T>()), c1);
      c2 = madd<T>(v128.load(wp + 2 * rowB), v128.load_splat<T>(xp + 2 * sizeof<T>()), c2);
      c3 = madd<T>(v128.load(wp + 3 * rowB), v128.load_splat<T>(xp + 3 * sizeof<T>()), c3);
      wp += 4 * rowB;
    }
    for (; i < M; i++) {
      c0 = madd<T>(v128.load(wp), v128.load_splat<T>(x + (<usize>i << alignof<T>())), c0);
      wp += rowB;
    }
    v128.store(yp, v128.add<T>(v128.add<T>(c0, c1), v128.add<T>(c2, c3)));
  }
  // scalar columns
  for (; k < K; k++) {
    const yp = y + (<usize>k << alignof<T>());
    let s: T = 0;
    let wp = W + (<usize>k << alignof<T>());
    for (let i = 0; i < M; i++) {
      s += load<T>(wp) * load<T>(x + (<usize>i << alignof<T>()));
      wp += rowB;
    }
    store<T>(yp, acc ? load<T>(yp) + s : s);
  }
}

// A (M,K) += x (M) outer y (K)
@inline function ger<T>(A: usize, x: usize, y: usize, M: i32, K: i32): void {
  const L = <i32>(16 / sizeof<T>());
  const rowB = <usize>K << alignof<T>();
  for (let i = 0; i < M; i++) {
    const xi = load<T>(x + (<usize>i << alignof<T>()));
    const xs = v128.splat<T>(xi);
    const ap = A + <usize>i * rowB;
    let k = 0;
    for (; k + 2 * L <= K; k += 2 * L) {
      const o = <usize>k << alignof<T>();
      v128.store(ap + o, madd<T>(v128.load(y + o), xs, v128.load(ap + o)));
      v128.store(ap + o, madd<T>(v128.load(y + o, 16), xs, v128.load(ap + o, 16)), 16);
    }
    for (; k + L <= K; k += L) {
      const o = <usize>k << alignof<T>();
      v128.store(ap + o, madd<T>(v128.load(y + o), xs, v128.load(ap + o)));
    }
    for (; k < K; k++) {
      const o = <usize>k << alignof<T>();
      store<T>(ap + o, load<T>(ap + o) + xi * load<T>(y + o));
    }
  }
}

// C (M,N) = A (M,K) @ B^T where B is (N,K); C += ... when acc. Blocks of 4 columns of C outermost (4 rows
// of B stay in L1 while A goes by), 2 rows x 4 columns of C in registers, K innermost.
@inline function gemmNTDirect<T>(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: bool): void {
  const L = <i32>(16 / sizeof<T>());
  const kB = <usize>K << alignof<T>();
  const K1 = K & ~(L - 1);
  const k1B = <usize>K1 << alignof<T>();
  const cRowB = <usize>N << alignof<T>();
  const tail = K1 < K;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0p = B + <usize>j * kB;
    const b1p = b0p + kB;
    const b2p = b1p + kB;
    const b3p = b2p + kB;
    const jo = <usize>j << alignof<T>();
    let i = 0;
    for (; i + 2 <= M; i += 2) {
      const a0p = A + <usize>i * kB;
      const a1p = a0p + kB;
      let c00 = vzero(), c01 = vzero(), c02 = vzero(), c03 = vzero();
      let c10 = vzero(), c11 = vzero(), c12 = vzero(), c13 = vzero();
      for (let o: usize = 0; o < k1B; o += 16) {
        const a0 = v128.load(a0p + o);
        const a1 = v128.load(a1p + o);
        const b0 = v128.load(b0p + o);
        c00 = madd<T>(a0, b0, c00);
        c10 = madd<T>(a1, b0, c10);
        const b1 = v128.load(b1p + o);
        c01 = madd<T>(a0, b1, c01);
        c11 = madd<T>(a1, b1, c11);
        const b2 = v128.load(b2p + o);
        c02 = madd<T>(a0, b2, c02);
        c12 = madd<T>(a1, b2, c12);
        const b3 = v128.load(b3p + o);
        c03 = madd<T>(a0, b3, c03);
        c13 = madd<T>(a1, b3, c13);
      }
      const c0p = C + <usize>i * cRowB + jo;
      store4<T>(
        c0p, c00, c01, c02, c03,
        dotTail<T>(a0p, b0p, K1, K), dotTail<T>(a0p, b1p, K1, K),
        dotTail<T>(a0p, b2p, K1, K), dotTail<T>(a0p, b3p, K1, K),
        tail, acc,
      );
      store4<T>(
        c0p + cRowB, c10, c11, c12, c13,
        dotTail<T>(a1p, b0p, K1, K), dotTail<T>(a1p, b1p, K1, K),
        dotTail<T>(a1p, b2p, K1, K), dotTail<T>(a1p, b3p, K1, K),
        tail, acc,
      );
    }
    for (; i < M; i++) {
      const ap = A + <usize>i * kB;
      let c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero();
      for (let o: usize = 0; o < k1B; o += 16) {
        const a = v128.load(ap + o);
        c0 = madd<T>(a, v128.load(b0p + o), c0);
        c1 = madd<T>(a, v128.load(b1p + o), c1);
        c2 = madd<T>(a, v128.load(b2p + o), c2);
        c3 = madd<T>(a, v128.load(b3p + o), c3);
      }
      store4<T>(
        C + <usize>i * cRowB + jo, c0, c1, c2, c3,
        dotTail<T>(ap, b0p, K1, K), dotTail<T>(ap, b1p, K1, K),
        dotTail<T>(ap, b2p, K1, K), dotTail<T>(ap, b3p, K1, K),
        tail, acc,
      );
    }
  }
  for (; j < N; j++) {
    const bp = B + <usize>j * kB;
    const jo = <usize>j << alignof<T>();
    for (let i = 0; i < M; i++) {
      const s = dot<T>(A + <usize>i * kB, bp, K);
      const cq = C + <usize>i * cRowB + jo;
      store<T>(cq, acc ? load<T>(cq) + s : s);
    }
  }
}

// C (M,N) = A (M,K) @ B^T, C += ... when acc: for larger shapes the packed product of gemmNN's (below) on
// B^T, else gemmNTDirect.
@inline function gemmNT<T>(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: bool): void {
  if (M == 1) {
    gemv<T>(C, B, A, N, K, acc); // one row (a single stream's step): C (N) = B (N,K) @ a (K)
    return;
  }
  if (<i64>K * <i64>(M + N) * sizeof<T>() > PACKED_MIN_BYTES && M >= PACKED_MIN_ROWS && N > 0) {
    gemmXNPacked<T>(C, A, B, M, N, K, acc, K, 1, false, true);
  } else {
    gemmNTDirect<T>(C, A, B, M, N, K, acc);
  }
}

// C (M,N) (+)= sum over k of A(i,k) B (K,N), where A(i,k) sits at A + (i*ars + k*aks) elements:
// gemmNN is (ars, aks) = (K, 1), gemmTN is (1, M) (`unitRows`: the four A values a block needs sit
// side by side, read with immediate offsets). Column panels of C outermost (a panel of B stays in L1 while
// the rows go by), blocks of 4 rows x 2 vectors of C in registers, K innermost.
@inline function gemmXNDirect<T>(
  C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: bool, ars: i32, aks: i32, unitRows: bool,
): void {
  const L = <i32>(16 / sizeof<T>());
  const rowB = <usize>N << alignof<T>(); // a row of C or of B
  const aRS = <usize>ars << alignof<T>();
  const aKS = <usize>aks << alignof<T>();
  let j = 0;
  for (; j + 2 * L <= N; j += 2 * L) {
    const jo = <usize>j << alignof<T>();
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = C + <usize>i * rowB + jo;
      const c1 = c0 + rowB;
      const c2 = c1 + rowB;
      const c3 = c2 + rowB;
      let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
      let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
      if (acc) {
        c00 = v128.load(c0); c01 = v128.load(c0, 16);
        c10 = v128.load(c1); c11 = v128.load(c1, 16);
        c20 = v128.load(c2); c21 = v128.load(c2, 16);
        c30 = v128.load(c3); c31 = v128.load(c3, 16);
      }
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let a0: v128, a1: v128, a2: v128, a3: v128;
        if (unitRows) {
          a0 = v128.load_splat<T>(akp);
          a1 = v128.load_splat<T>(akp, sizeof<T>());
          a2 = v128.load_splat<T>(akp, 2 * sizeof<T>());
          a3 = v128.load_splat<T>(akp, 3 * sizeof<T>());
        } else {
          a0 = v128.load_splat<T>(akp);
          a1 = v128.load_splat<T>(akp + aRS);
          a2 = v128.load_splat<T>(akp + 2 * aRS);
          a3 = v128.load_splat<T>(akp + 3 * aRS);
        }
        c00 = madd<T>(a0, b0, c00);
        c10 = madd<T>(a1, b0, c10);
        c20 = madd<T>(a2, b0, c20);
        c30 = madd<T>(a3, b0, c30);
        c01 = madd<T>(a0, b1, c01);
        c11 = madd<T>(a1, b1, c11);
        c21 = madd<T>(a2, b1, c21);
        c31 = madd<T>(a3, b1, c31);
        bp += rowB;
        akp += aKS;
      }
      v128.store(c0, c00); v128.store(c0, c01, 16);
      v128.store(c1, c10); v128.store(c1, c11, 16);
      v128.store(c2, c20); v128.store(c2, c21, 16);
      v128.store(c3, c30); v128.store(c3, c31, 16);
    }
    for (; i < M; i++) {
      const c0 = C + <usize>i * rowB + jo;
      let c00 = acc ? v128.load(c0) : vzero();
      let c01 = acc ? v128.load(c0, 16) : vzero();
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        const a0 = v128.load_splat<T>(akp);
        c00 = madd<T>(a0, v128.load(bp), c00);
        c01 = madd<T>(a0, v128.load(bp, 16), c01);
        bp += rowB;
        akp += aKS;
      }
      v128.store(c0, c00);
      v128.store(c0, c01, 16);
    }
  }
  for (; j + L <= N; j += L) {
    const jo = <usize>j << alignof<T>();
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = C + <usize>i * rowB + jo;
      const c1 = c0 + rowB;
      const c2 = c1 + rowB;
      const c3 = c2 + rowB;
      let c00 = vzero(), c10 = vzero(), c20 = vzero(), c30 = vzero();
      if (acc) {
        c00 = v128.load(c0); c10 = v128.load(c1); c20 = v128.load(c2); c30 = v128.load(c3);
      }
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        if (unitRows) {
          c00 = madd<T>(v128.load_splat<T>(akp), b0, c00);
          c10 = madd<T>(v128.load_splat<T>(akp, sizeof<T>()), b0, c10);
          c20 = madd<T>(v128.load_splat<T>(akp, 2 * sizeof<T>()), b0, c20);
          c30 = madd<T>(v128.load_splat<T>(akp, 3 * sizeof<T>()), b0, c30);
        } else {
          c00 = madd<T>(v128.load_splat<T>(akp), b0, c00);
          c10 = madd<T>(v128.load_splat<T>(akp + aRS), b0, c10);
          c20 = madd<T>(v128.load_splat<T>(akp + 2 * aRS), b0, c20);
          c30 = madd<T>(v128.load_splat<T>(akp + 3 * aRS), b0, c30);
        }
        bp += rowB;
        akp += aKS;
      }
      v128.store(c0, c00); v128.store(c1, c10); v128.store(c2, c20); v128.store(c3, c30);
    }
    for (; i < M; i++) {
      const c0 = C + <usize>i * rowB + jo;
      let c00 = acc ? v128.load(c0) : vzero();
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        c00 = madd<T>(v128.load_splat<T>(akp), v128.load(bp), c00);
        bp += rowB;
        akp += aKS;
      }
      v128.store(c0, c00);
    }
  }
  for (; j < N; j++) {
    const jo = <usize>j << alignof<T>();
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = C + <usize>i * rowB + jo;
      let s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0;
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        const b = load<T>(bp);
        s0 += load<T>(akp) * b;
        s1 += load<T>(akp + aRS) * b;
        s2 += load<T>(akp + 2 * aRS) * b;
        s3 += load<T>(akp + 3 * aRS) * b;
        bp += rowB;
        akp += aKS;
      }
      if (acc) {
        s0 += load<T>(c0);
        s1 += load<T>(c0 + rowB);
        s2 += load<T>(c0 + 2 * rowB);
        s3 += load<T>(c0 + 3 * rowB);
      }
      store<T>(c0, s0);
      store<T>(c0 + rowB, s1);
      store<T>(c0 + 2 * rowB, s2);
      store<T>(c0 + 3 * rowB, s3);
    }
    for (; i < M; i++) {
      const c0 = C + <usize>i * rowB + jo;
      let s: T = 0;
      let bp = B + jo;
      let akp = A + <usize>i * aRS;
      for (let k = 0; k < K; k++) {
        s += load<T>(akp) * load<T>(bp);
        bp += rowB;
        akp += aKS;
      }
      store<T>(c0, acc ? load<T>(c0) + s : s);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// packed gemmNN / gemmTN / gemmNT for the shapes whose operands do not fit in L1
//
// gemmTN's A(i,k) rows sit M elements apart and B's rows N apart: at M = 1024 (the LSTM's 4H) every k of a
// register block lands on another 4 KB page and in the same L1 set, so the direct loops stream from L3
// (~9 GFLOP/s against ~30). Here B (or B^T, for gemmNT) is copied, a (kc x nc) block at a time, into a
// scratch area as panels of NR = 2 vectors of columns laid out k-major, each read sequentially by the
// register kernel (MR = 6 rows x 2 vectors of C: 12 independent accumulator chains, enough to cover the
// FMA latency of the relaxed build); gemmTN's A is copied SLIVERS * MR rows at a time (one pass over A per
// k) into k-major MR-row slivers; gemmNN and gemmNT read A's rows in place (MR or 4 rows streamed side by
// side) and copy only a last sliver of < 4 rows. C is accumulated in place across the K panels in a fixed
// order (each element's chain starts from C, or 0 without acc, and runs over k ascending, panel after
// panel), so results depend on the shape and the inputs only. Partial tiles (the last rows and columns)
// run the same register kernel on a zero-padded copy of the tile: nothing outside C, A and B is read or
// written.

/** The B panel scratch: kc x nc elements of T. */
const PACK_B_BYTES = 32768;
/** Rows of C per register tile (MR x 2 vectors of accumulators), and per packed sliver of A. */
const MR = 6;
/** gemmTN packs this many rows of A (SLIVERS slivers) in one pass. */
const SLIVERS = 4;
/** The longest K panel in f32; the A sliver scratch holds SLIVERS x MR x KC_MAX f32 (f64: half the depth). */
const KC_MAX = 128;
/**
 * The preferred K panel when B's width does not let the whole width fit PACK_B_BYTES at that depth (nc is
 * then PACK_B_BYTES / kc): gemmTN repacks A once per column block, so it prefers wider, shallower blocks.
 */
const KC_TARGET = 128;
const KC_TARGET_TN = 64;
const PACK_A_BYTES = SLIVERS * MR * KC_MAX * 4;
/** An MR x NR tile (NR = 2 vectors: 32 bytes a row) for partial tiles. */
const TILE_C_BYTES = MR * 32;
// The scratch sits right above the static data, in the part of the first page the host leaves to the module
// (a zero-filled `memory.data` would be stored in the binary); heapBase() reports where it ends.
@inline function packB(): usize {
  return (__heap_base + 63) & ~63;
}
@inline function packA(): usize {
  return packB() + PACK_B_BYTES;
}
@inline function tileC(): usize {
  return packA() + PACK_A_BYTES;
}
@inline function scratchEnd(): usize {
  return tileC() + TILE_C_BYTES;
}

// C tile (mr = 4..6 rows x 2 vectors at cp, rows cRowB apart) (+)= sum over k < kb of a(r,k) * bp[k, 0..2
// vectors): the a values at ap + r*aRS + k*aKS, or at ap + (r + k*mr) * sizeof<T> when `unit` (a packed
// sliver); bp a packed panel (2 vectors per k). The accumulators start from C when `fromC`, else from 0.
// mr is a constant at every use (the unused rows vanish).
@inline function kernelMRx2<T>(
  mr: i32, cp: usize, cRowB: usize, ap: usize, aRS: usize, aKS: usize, unit: bool, bp: usize, kb: i32, fromC: bool,
): void {
  const c1p = cp + cRowB;
  const c2p = c1p + cRowB;
  const c3p = c2p + cRowB;
  const c4p = c3p + cRowB;
  const c5p = c4p + cRowB;
  let c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero();
  let c20 = vzero(), c21 = vzero(), c30 = vzero(), c31 = vzero();
  let c40 = vzero(), c41 = vzero(), c50 = vzero(), c51 = vzero();
  if (fromC) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(c1p); c11 = v128.load(c1p, 16);
    c20 = v128.load(c2p); c21 = v128.load(c2p, 16);
    c30 = v128.load(c3p); c31 = v128.load(c3p, 16);
    if (mr > 4) { c40 = v128.load(c4p); c41 = v128.load(c4p, 16); }
    if (mr > 5) { c50 = v128.load(c5p); c51 = v128.load(c5p, 16); }
  }
  const bEnd = bp + (<usize>kb << 5);
  let akp = ap;
  while (bp < bEnd) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a: v128;
    a = v128.load_splat<T>(akp);
    c00 = madd<T>(a, b0, c00);
    c01 = madd<T>(a, b1, c01);
    a = unit ? v128.load_splat<T>(akp, sizeof<T>()) : v128.load_splat<T>(akp + aRS);
    c10 = madd<T>(a, b0, c10);
    c11 = madd<T>(a, b1, c11);
    a = unit ? v128.load_splat<T>(akp, 2 * sizeof<T>()) : v128.load_splat<T>(akp + 2 * aRS);
    c20 = madd<T>(a, b0, c20);
    c21 = madd<T>(a, b1, c21);
    a = unit ? v128.load_splat<T>(akp, 3 * sizeof<T>()) : v128.load_splat<T>(akp + 3 * aRS);
    c30 = madd<T>(a, b0, c30);
    c31 = madd<T>(a, b1, c31);
    if (mr > 4) {
      a = unit ? v128.load_splat<T>(akp, 4 * sizeof<T>()) : v128.load_splat<T>(akp + 4 * aRS);
      c40 = madd<T>(a, b0, c40);
      c41 = madd<T>(a, b1, c41);
    }
    if (mr > 5) {
      a = unit ? v128.load_splat<T>(akp, 5 * sizeof<T>()) : v128.load_splat<T>(akp + 5 * aRS);
      c50 = madd<T>(a, b0, c50);
      c51 = madd<T>(a, b1, c51);
    }
    bp += 32;
    akp += unit ? <usize>mr * sizeof<T>() : aKS;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(c1p, c10); v128.store(c1p, c11, 16);
  v128.store(c2p, c20); v128.store(c2p, c21, 16);
  v128.store(c3p, c30); v128.store(c3p, c31, 16);
  if (mr > 4) { v128.store(c4p, c40); v128.store(c4p, c41, 16); }
  if (mr > 5) { v128.store(c5p, c50); v128.store(c5p, c51, 16); }
}

// kernelMRx2 on a packed sliver (at sp), and on MR or 4 rows of A read in place (aKS = one element: gemmNN,
// gemmNT); not inlined: one copy of each loop per dtype
function tilePacked<T>(cp: usize, cRowB: usize, sp: usize, bp: usize, kb: i32, fromC: bool): void {
  kernelMRx2<T>(MR, cp, cRowB, sp, 0, 0, true, bp, kb, fromC);
}
function tileRows<T>(cp: usize, cRowB: usize, ap: usize, aRS: usize, bp: usize, kb: i32, fromC: bool): void {
  kernelMRx2<T>(MR, cp, cRowB, ap, aRS, sizeof<T>(), false, bp, kb, fromC);
}
function tileRows4<T>(cp: usize, cRowB: usize, ap: usize, aRS: usize, bp: usize, kb: i32, fromC: bool): void {
  kernelMRx2<T>(4, cp, cRowB, ap, aRS, sizeof<T>(), false, bp, kb, fromC);
}

// the partial tile at cp (rows < mb, columns < nv of C, rows rowB apart) through the zero-padded tileC;
// A from the packed sliver at ap when `packed`, else mr (MR or 4) = mb rows of A in place at ap (aRS apart)
function tileEdge<T>(
  cp: usize, rowB: usize, mb: i32, nv: i32, packed: bool, mr: i32, ap: usize, aRS: usize, bp: usize, kb: i32,
  fromC: bool,
): void {
  const NR = <i32>(32 / sizeof<T>());
  for (let r = 0; r < MR; r++) {
    for (let c = 0; c < NR; c++) {
      const o = (<usize>(r * NR + c)) << alignof<T>();
      store<T>(tileC() + o, fromC && r < mb && c < nv ? load<T>(cp + <usize>r * rowB + (<usize>c << alignof<T>())) : <T>0);
    }
  }
  if (packed) tilePacked<T>(tileC(), 32, ap, bp, kb, true);
  else if (mr == 4) tileRows4<T>(tileC(), 32, ap, aRS, bp, kb, true);
  else tileRows<T>(tileC(), 32, ap, aRS, bp, kb, true);
  for (let r = 0; r < mb; r++) {
    for (let c = 0; c < nv; c++) {
      store<T>(cp + <usize>r * rowB + (<usize>c << alignof<T>()), load<T>(tileC() + ((<usize>(r * NR + c)) << alignof<T>())));
    }
  }
}

// one row tile of C (rows i.., mb of them, columns j0 + [0, nb)) against every packed panel of the block:
// A from the packed sliver at sp when `packed`, else mr = mb (MR or 4) rows in place at ai
@inline function rowTile<T>(
  cRow: usize, rowB: usize, mb: i32, nb: i32, packed: bool, mr: i32, sp: usize, ai: usize, aRS: usize, kb: i32,
  fromC: bool,
): void {
  const NR = <i32>(32 / sizeof<T>());
  const panelB = <usize>kb << 5;
  let bp = packB();
  for (let p = 0; p < nb; p += NR) {
    const nv = min(NR, nb - p);
    const cp = cRow + (<usize>p << alignof<T>());
    if (nv == NR && mb == mr) {
      if (packed) tilePacked<T>(cp, rowB, sp, bp, kb, fromC);
      else if (mr == 4) tileRows4<T>(cp, rowB, ai, aRS, bp, kb, fromC);
      else tileRows<T>(cp, rowB, ai, aRS, bp, kb, fromC);
    } else {
      tileEdge<T>(cp, rowB, mb, nv, packed, mr, packed ? sp : ai, aRS, bp, kb, fromC);
    }
    bp += panelB;
  }
}

// packB = B[k0.., j0..] (kb rows of nb columns, rows rowB apart) as panels of NR columns, each kb x NR
// k-major; the last panel zero-padded
@inline function packPanelB<T>(B: usize, rowB: usize, kb: i32, nb: i32): void {
  const NR = <i32>(32 / sizeof<T>());
  const nFull = nb & ~(NR - 1);
  const panelB = <usize>kb << 5;
  for (let k = 0; k < kb; k++) {
    const src = B + <usize>k * rowB;
    let dst = packB() + (<usize>k << 5);
    let j = 0;
    for (; j < nFull; j += NR) {
      const o = <usize>j << alignof<T>();
      v128.store(dst, v128.load(src + o));
      v128.store(dst, v128.load(src + o, 16), 16);
      dst += panelB;
    }
    if (j < nb) {
      for (let c = 0; c < NR; c++) {
        store<T>(dst + (<usize>c << alignof<T>()), j + c < nb ? load<T>(src + (<usize>(j + c) << alignof<T>())) : <T>0);
      }
    }
  }
}

// packB = B^T's block for gemmNT: B' (k, j) = B[j, k], B at the block's first element (rows of B kB bytes
// apart), kb values of k by nb columns j, as packPanelB lays it out: 4 x 4 (f32) or 2 x 2 (f64) transposes
@inline function packPanelBT<T>(B: usize, kB: usize, kb: i32, nb: i32): void {
  const NR = <i32>(32 / sizeof<T>());
  const panelB = <usize>kb << 5;
  let dst = packB();
  for (let p = 0; p < nb; p += NR) {
    const src = B + <usize>p * kB;
    let k = 0;
    if (p + NR <= nb) {
      if (sizeof<T>() == 4) {
        for (; k + 4 <= kb; k += 4) {
          const o = <usize>k << 2;
          const r0 = v128.load(src + o);
          const r1 = v128.load(src + kB + o);
          const r2 = v128.load(src + 2 * kB + o);
          const r3 = v128.load(src + 3 * kB + o);
          const r4 = v128.load(src + 4 * kB + o);
          const r5 = v128.load(src + 5 * kB + o);
          const r6 = v128.load(src + 6 * kB + o);
          const r7 = v128.load(src + 7 * kB + o);
          const a0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const b0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const c0 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const d0 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const a1 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5);
          const b1 = v128.shuffle<f32>(r6, r7, 0, 4, 1, 5);
          const c1 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);
          const d1 = v128.shuffle<f32>(r6, r7, 2, 6, 3, 7);
          const q = dst + (<usize>k << 5);
          v128.store(q, v128.shuffle<f32>(a0, b0, 0, 1, 4, 5));
          v128.store(q, v128.shuffle<f32>(a1, b1, 0, 1, 4, 5), 16);
          v128.store(q, v128.shuffle<f32>(a0, b0, 2, 3, 6, 7), 32);
          v128.store(q, v128.shuffle<f32>(a1, b1, 2, 3, 6, 7), 48);
          v128.store(q, v128.shuffle<f32>(c0, d0, 0, 1, 4, 5), 64);
          v128.store(q, v128.shuffle<f32>(c1, d1, 0, 1, 4, 5), 80);
          v128.store(q, v128.shuffle<f32>(c0, d0, 2, 3, 6, 7), 96);
          v128.store(q, v128.shuffle<f32>(c1, d1, 2, 3, 6, 7), 112);
        }
      } else {
        for (; k + 2 <= kb; k += 2) {
          const o = <usize>k << 3;
          const r0 = v128.load(src + o);
          const r1 = v128.load(src + kB + o);
          const r2 = v128.load(src + 2 * kB + o);
          const r3 = v128.load(src + 3 * kB + o);
          const q = dst + (<usize>k << 5);
          v128.store(q, v128.shuffle<f64>(r0, r1, 0, 2));
          v128.store(q, v128.shuffle<f64>(r2, r3, 0, 2), 16);
          v128.store(q, v128.shuffle<f64>(r0, r1, 1, 3), 32);
          v128.store(q, v128.shuffle<f64>(r2, r3, 1, 3), 48);
        }
      }
    }
    for (; k < kb; k++) {
      const q = dst + (<usize>k << 5);
      for (let c = 0; c < NR; c++) {
        store<T>(q + (<usize>c << alignof<T>()), p + c < nb ? load<T>(src + <usize>c * kB + (<usize>k << alignof<T>())) : <T>0);
      }
    }
    dst += panelB;
  }
}

// packA = A(i + r, k0 + k) for r < mb (<= SLIVERS * MR), k < kb as slivers of MR rows, each k-major (MR
// per k, rows past mb 0), sliver s at packA + s * kb * MR * sizeof<T>; A(i,k) at ap + r*aRS + k*aKS.
// gemmTN's rows of a group sit side by side: packed in one pass, one page visit per k for all slivers.
@inline function packSliversA<T>(ap: usize, aRS: usize, aKS: usize, mb: i32, kb: i32, unitRows: bool): void {
  const rowB = <usize>(MR * sizeof<T>()); // one k of a sliver
  const sliverB = <usize>kb * rowB;
  const dst = packA();
  if (unitRows && mb == SLIVERS * MR) {
    let d = dst;
    for (let k = 0; k < kb; k++) {
      for (let s = 0; s < SLIVERS; s++) {
        const src = ap + <usize>s * rowB;
        const q = d + <usize>s * sliverB;
        let o: usize = 0;
        for (; o + 16 <= rowB; o += 16) v128.store(q + o, v128.load(src + o));
        for (; o < rowB; o += sizeof<T>()) store<T>(q + o, load<T>(src + o));
      }
      d += rowB;
      ap += aKS;
    }
  } else {
    const nS = (mb + MR - 1) / MR;
    for (let k = 0; k < kb; k++) {
      for (let s = 0; s < nS; s++) {
        const q = dst + <usize>s * sliverB + <usize>k * rowB;
        for (let r = 0; r < MR; r++) {
          const i = s * MR + r;
          store<T>(q + (<usize>r << alignof<T>()), i < mb ? load<T>(ap + <usize>i * aRS) : <T>0);
        }
      }
      ap += aKS;
    }
  }
}

// C (M,N) (+)= A(i,k) B (K,N) as gemmXN (A(i,k) at A + (i*ars + k*aks) elements), with B packed
@inline function gemmXNPacked<T>(
  C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: bool, ars: i32, aks: i32, unitRows: bool,
  bTrans: bool,
): void {
  const NR = <i32>(32 / sizeof<T>());
  const E = <i32>(PACK_B_BYTES / sizeof<T>());
  const rowB = <usize>N << alignof<T>();
  const aRS = <usize>ars << alignof<T>();
  const aKS = <usize>aks << alignof<T>();
  const kB = <usize>K << alignof<T>(); // a row of B when bTrans
  const nPad = (N + NR - 1) & ~(NR - 1);
  // the block: nc columns (a multiple of NR) by kc rows of B, nc * kc <= E
  const kcMax = <i32>(PACK_A_BYTES / (SLIVERS * MR * sizeof<T>()));
  const kcT = min(kcMax, unitRows ? KC_TARGET_TN : KC_TARGET);
  let kc: i32, nc: i32;
  if (E / nPad >= kcT / 2) {
    // all of B's width in one block, at a depth of at least half the target
    nc = nPad;
    kc = min(kcMax, E / nPad);
  } else {
    // blocks of equal width (in whole panels, at most ncMax) at about the target depth
    const ncMax = max(NR, (E / kcT) & ~(NR - 1));
    const nBlocks = (nPad + ncMax - 1) / ncMax;
    nc = ((nPad + nBlocks - 1) / nBlocks + NR - 1) & ~(NR - 1);
    kc = min(kcMax, E / nc);
  }
  // gemmNN, gemmNT: rows [0, iMR) in tiles of MR, then tiles of 4 (two when M % MR == 2), then < 4 rows
  const r6 = M % MR;
  const n4 = r6 == 2 && M >= 8 ? 2 : r6 >= 4 ? 1 : 0;
  const iMR = (M - 4 * n4) / MR * MR;
  // K panels of equal depth (but the last)
  if (kc >= K) kc = K;
  else {
    const np = (K + kc - 1) / kc;
    kc = (K + np - 1) / np;
  }
  for (let j0 = 0; j0 < N; j0 += nc) {
    const nb = min(nc, N - j0);
    const j0o = <usize>j0 << alignof<T>();
    for (let k0 = 0; k0 < K; k0 += kc) {
      const kb = min(kc, K - k0);
      const fromC = acc || k0 > 0;
      if (bTrans) packPanelBT<T>(B + <usize>j0 * kB + (<usize>k0 << alignof<T>()), kB, kb, nb);
      else packPanelB<T>(B + <usize>k0 * rowB + j0o, rowB, kb, nb);
      const sliverB = <usize>kb * <usize>(MR * sizeof<T>());
      const ak0 = A + <usize>k0 * aKS;
      if (unitRows) {
        // gemmTN: groups of SLIVERS * MR rows packed in one pass, then their slivers (a last partial one
        // zero-padded)
        for (let i0 = 0; i0 < M; i0 += SLIVERS * MR) {
          const mg = min(SLIVERS * MR, M - i0);
          packSliversA<T>(ak0 + <usize>i0 * aRS, aRS, aKS, mg, kb, true);
          for (let s = 0; s < mg; s += MR) {
            const i = i0 + s;
            const sp = packA() + <usize>(s / MR) * sliverB;
            rowTile<T>(C + <usize>i * rowB + j0o, rowB, min(MR, mg - s), nb, true, MR, sp, 0, 0, kb, fromC);
          }
        }
      } else {
        // rows of A in place: tiles of MR rows, then of 4 (M % MR of 2, 4, 5 needs no or fewer padded
        // rows), then a last sliver of < 4 rows packed and zero-padded
        let i = 0;
        for (; i < iMR; i += MR) {
          rowTile<T>(C + <usize>i * rowB + j0o, rowB, MR, nb, false, MR, 0, ak0 + <usize>i * aRS, aRS, kb, fromC);
        }
        for (; i + 4 <= M; i += 4) {
          rowTile<T>(C + <usize>i * rowB + j0o, rowB, 4, nb, false, 4, 0, ak0 + <usize>i * aRS, aRS, kb, fromC);
        }
        if (i < M) {
          packSliversA<T>(ak0 + <usize>i * aRS, aRS, aKS, M - i, kb, false);
          rowTile<T>(C + <usize>i * rowB + j0o, rowB, M - i, nb, true, MR, packA(), 0, 0, kb, fromC);
        }
      }
    }
  }
}

/**
 * The packed products take over from the direct loops once A and B together take more than this many bytes
 * (gemmTN: 4 times as many; its direct loops hold up until A's long strides fall out of L1 and L2), and (gemmNN,
 * gemmNT) C has at least PACKED_MIN_ROWS rows: below that, packing B costs more than it saves. Measured on
 * the LSTM's and the seed's shapes and on sizes between.
 */
const PACKED_MIN_BYTES = 65536;
const PACKED_MIN_ROWS = 24;

// C (M,N) (+)= sum over k of A(i,k) B (K,N), A(i,k) at A + (i*ars + k*aks) elements (see gemmXNDirect)
@inline function gemmXN<T>(
  C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: bool, ars: i32, aks: i32, unitRows: bool,
): void {
  if (M <= 0 || N <= 0) return;
  if (M == 1) {
    // one row (a single stream's step): C (N) = B^T (N,K) @ a, a's K values one apart in both layouts
    gemvT<T>(C, B, A, K, N, acc);
    return;
  }
  const bytes = <i64>K * <i64>(M + N) * sizeof<T>();
  if (unitRows ? bytes > 4 * PACKED_MIN_BYTES : bytes > PACKED_MIN_BYTES && M >= PACKED_MIN_ROWS) {
    gemmXNPacked<T>(C, A, B, M, N, K, acc, ars, aks, unitRows, false);
  } else {
    gemmXNDirect<T>(C, A, B, M, N, K, acc, ars, aks, unitRows);
  }
}

// ---------------------------------------------------------------------------------------------------------
// gathers and scatters

// y (M) += W[:, col] where W is (M,K); unrolled by 4 (a strided gather, scalar)
@inline function addColumn<T>(y: usize, W: usize, col: i32, M: i32, K: i32): void {
  const rowB = <usize>K << alignof<T>();
  let wp = W + (<usize>col << alignof<T>());
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const yp = y + (<usize>i << alignof<T>());
    const w0 = load<T>(wp);
    const w1 = load<T>(wp + rowB);
    const w2 = load<T>(wp + 2 * rowB);
    const w3 = load<T>(wp + 3 * rowB);
    store<T>(yp, load<T>(yp) + w0);
    store<T>(yp, load<T>(yp, sizeof<T>()) + w1, sizeof<T>());
    store<T>(yp, load<T>(yp, 2 * sizeof<T>()) + w2, 2 * sizeof<T>());
    store<T>(yp, load<T>(yp, 3 * sizeof<T>()) + w3, 3 * sizeof<T>());
    wp += 4 * rowB;
  }
  for (; i < M; i++) {
    const yp = y + (<usize>i << alignof<T>());
    store<T>(yp, load<T>(yp) + load<T>(wp));
    wp += rowB;
  }
}

// W[:, col] += x (M) where W is (M,K); unrolled by 4 (a strided scatter, scalar)
@inline function addToColumn<T>(W: usize, x: usize, col: i32, M: i32, K: i32): void {
  const rowB = <usize>K << alignof<T>();
  let wp = W + (<usize>col << alignof<T>());
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const xp = x + (<usize>i << alignof<T>());
    const w1 = wp + rowB;
    const w2 = w1 + rowB;
    const w3 = w2 + rowB;
    store<T>(wp, load<T>(wp) + load<T>(xp));
    store<T>(w1, load<T>(w1) + load<T>(xp, sizeof<T>()));
    store<T>(w2, load<T>(w2) + load<T>(xp, 2 * sizeof<T>()));
    store<T>(w3, load<T>(w3) + load<T>(xp, 3 * sizeof<T>()));
    wp = w3 + rowB;
  }
  for (; i < M; i++) {
    store<T>(wp, load<T>(wp) + load<T>(x + (<usize>i << alignof<T>())));
    wp += rowB;
  }
}

// Y (R,C) = E[ids[r], :]
@inline function gatherRows<T>(Y: usize, E: usize, ids: usize, R: i32, C: i32): void {
  const rowB = <usize>C << alignof<T>();
  for (let r = 0; r < R; r++) {
    const id = load<i32>(ids + (<usize>r << 2));
    memory.copy(Y + <usize>r * rowB, E + <usize>id * rowB, rowB);
  }
}

// dE[ids[r], :] += dY[r, :] (R,C)
@inline function scatterAddRows<T>(dE: usize, dY: usize, ids: usize, R: i32, C: i32): void {
  const rowB = <usize>C << alignof<T>();
  for (let r = 0; r < R; r++) {
    const id = load<i32>(ids + (<usize>r << 2));
    addInto<T>(dE + <usize>id * rowB, dY + <usize>r * rowB, C);
  }
}

// ---------------------------------------------------------------------------------------------------------
// elementwise

// y (n) = x (n) + b (n)
@inline function add<T>(y: usize, x: usize, b: usize, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(y + o, v128.add<T>(v128.load(x + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(y + o, load<T>(x + o) + load<T>(b + o));
  }
}

// Y (R,C) += b (C) broadcast over rows
@inline function addRowVector<T>(Y: usize, b: usize, R: i32, C: i32): void {
  const rowB = <usize>C << alignof<T>();
  for (let r = 0; r < R; r++) addInto<T>(Y + <usize>r * rowB, b, C);
}

// b (C) += sum over rows of X (R,C)
@inline function sumRows<T>(b: usize, X: usize, R: i32, C: i32): void {
  const rowB = <usize>C << alignof<T>();
  for (let r = 0; r < R; r++) addInto<T>(b, X + <usize>r * rowB, C);
}

// y (n) = tanh(x (n))
@inline function tanh<T>(y: usize, x: usize, n: i32): void {
  if (sizeof<T>() == 4) {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, tanhf4(v128.load(x + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, f32x4.extract_lane(tanhf4(f32x4.splat(load<f32>(x + o))), 0));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(y + o, Math.tanh(load<f64>(x + o)));
    }
  }
}

// dx (n) = (1 - y*y) * dy
@inline function tanhBackward<T>(dx: usize, y: usize, dy: usize, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  const one = v128.splat<T>(1);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    const yv = v128.load(y + o);
    v128.store(dx + o, v128.mul<T>(v128.sub<T>(one, v128.mul<T>(yv, yv)), v128.load(dy + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    const yi = load<T>(y + o);
    store<T>(dx + o, (<T>1 - yi * yi) * load<T>(dy + o));
  }
}

// y (n) = 1 / (1 + exp(-x))
@inline function sigmoid<T>(y: usize, x: usize, n: i32): void {
  if (sizeof<T>() == 4) {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, sigmoidf4(v128.load(x + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, f32x4.extract_lane(sigmoidf4(f32x4.splat(load<f32>(x + o))), 0));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(y + o, 1.0 / (1.0 + Math.exp(-load<f64>(x + o))));
    }
  }
}

// y (n) = a * x (n) + y
@inline function axpy<T>(y: usize, a: T, x: usize, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  const av = v128.splat<T>(a);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = <usize>i << alignof<T>();
    v128.store(y + o, madd<T>(av, v128.load(x + o), v128.load(y + o)));
    v128.store(y + o, madd<T>(av, v128.load(x + o, 16), v128.load(y + o, 16)), 16);
  }
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(y + o, madd<T>(av, v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(y + o, load<T>(y + o) + a * load<T>(x + o));
  }
}

// x (n) *= s
@inline function scale<T>(x: usize, s: T, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  const sv = v128.splat<T>(s);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(x + o, v128.mul<T>(v128.load(x + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(x + o, load<T>(x + o) * s);
  }
}

// sum of x[i]^2 (n), accumulated in f64
@inline function sumSquares<T>(x: usize, n: i32): f64 {
  const L = <i32>(16 / sizeof<T>());
  let s0 = vzero(), s1 = vzero(), s2 = vzero(), s3 = vzero();
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const w = v128.load(x + o, 16);
      const v0 = f64x2.promote_low_f32x4(v);
      const v1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
      const w0 = f64x2.promote_low_f32x4(w);
      const w1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 2, 3));
      s0 = madd<f64>(v0, v0, s0);
      s1 = madd<f64>(v1, v1, s1);
      s2 = madd<f64>(w0, w0, s2);
      s3 = madd<f64>(w1, w1, s3);
    }
  } else {
    for (; i + 4 * L <= n; i += 4 * L) {
      const o = <usize>i << 3;
      const v0 = v128.load(x + o);
      const v1 = v128.load(x + o, 16);
      const v2 = v128.load(x + o, 32);
      const v3 = v128.load(x + o, 48);
      s0 = madd<f64>(v0, v0, s0);
      s1 = madd<f64>(v1, v1, s1);
      s2 = madd<f64>(v2, v2, s2);
      s3 = madd<f64>(v3, v3, s3);
    }
  }
  let s = hsum<f64>(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  for (; i < n; i++) {
    const v = <f64>load<T>(x + (<usize>i << alignof<T>()));
    s += v * v;
  }
  return s;
}

// x (n) = clamp(x, -c, c); NaN stays NaN
@inline function clip<T>(x: usize, c: T, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  const hi = v128.splat<T>(c);
  const lo = v128.splat<T>(-c);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(x + o, v128.pmin<T>(v128.pmax<T>(v128.load(x + o), lo), hi)); // NaN x passes through
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(x + o, min<T>(c, max<T>(-c, load<T>(x + o))));
  }
}

// ---------------------------------------------------------------------------------------------------------
// softmax and loss

// max of x (n), -Infinity when n = 0; NaN propagates (pmax, one instruction, skips NaN lanes: they are
// flagged separately)
@inline function maxOf<T>(x: usize, n: i32): T {
  const L = <i32>(16 / sizeof<T>());
  let mv = v128.splat<T>(<T>-Infinity);
  let nan = vzero();
  let i = 0;
  for (; i + L <= n; i += L) {
    const v = v128.load(x + (<usize>i << alignof<T>()));
    mv = v128.pmax<T>(mv, v);
    nan = v128.or(nan, v128.ne<T>(v, v));
  }
  let m = hmax<T>(mv);
  if (v128.any_true(nan)) m = <T>NaN;
  for (; i < n; i++) m = max<T>(m, load<T>(x + (<usize>i << alignof<T>())));
  return m;
}

// p (n) = exp((x (n) - m) * invT); returns the sum of p in f64. p may be x.
@inline function expShifted<T>(p: usize, x: usize, n: i32, m: T, invT: T): f64 {
  if (sizeof<T>() == 4) {
    const mv = f32x4.splat(<f32>m);
    const tv = f32x4.splat(<f32>invT);
    let s0 = vzero(), s1 = vzero();
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const e = expf4(f32x4.mul(f32x4.sub(v128.load(x + o), mv), tv));
      v128.store(p + o, e);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3)));
    }
    let s = hsum<f64>(f64x2.add(s0, s1));
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const e = f32x4.extract_lane(expf4(f32x4.mul(f32x4.sub(f32x4.splat(load<f32>(x + o)), mv), tv)), 0);
      store<f32>(p + o, e);
      s += <f64>e;
    }
    return s;
  }
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const e = Math.exp((load<f64>(x + o) - <f64>m) * <f64>invT);
    store<f64>(p + o, e);
    s += e;
  }
  return s;
}

// p (n) /= sum (f32: times the f32 reciprocal, within an ulp; f64: divided, as numpy does)
@inline function divideBy<T>(p: usize, n: i32, sum: f64): void {
  const L = <i32>(16 / sizeof<T>());
  if (sizeof<T>() == 4) {
    const inv = <f32>(1.0 / sum);
    const iv = f32x4.splat(inv);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.mul(v128.load(p + o), iv));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(p + o, load<f32>(p + o) * inv);
    }
    return;
  }
  const d = <T>sum;
  const dv = v128.splat<T>(d);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(p + o, v128.div<T>(v128.load(p + o), dv));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(p + o, load<T>(p + o) / d);
  }
}

// dlogits (R,C) = softmax(logits) - onehot(targets (R)); returns -sum log p[target] in f64
@inline function softmaxXent<T>(dl: usize, lg: usize, tg: usize, R: i32, C: i32): f64 {
  const rowB = <usize>C << alignof<T>();
  let loss: f64 = 0;
  for (let r = 0; r < R; r++) {
    const lp = lg + <usize>r * rowB;
    const dp = dl + <usize>r * rowB;
    const sum = expShifted<T>(dp, lp, C, maxOf<T>(lp, C), <T>1);
    const tp = dp + (<usize>load<i32>(tg + (<usize>r << 2)) << alignof<T>());
    loss -= Math.log(<f64>load<T>(tp) / sum);
    divideBy<T>(dp, C, sum);
    store<T>(tp, load<T>(tp) - <T>1);
  }
  return loss;
}

// p (n) = softmax(logits (n) * invT), max subtracted first
@inline function softmax<T>(p: usize, lg: usize, n: i32, invT: T): void {
  divideBy<T>(p, n, expShifted<T>(p, lg, n, maxOf<T>(lg, n), invT));
}

// ---------------------------------------------------------------------------------------------------------
// optimizer

// g = clamp(g, -clip, clip); mem += g*g; param += -lr * g / sqrt(mem + eps), n elements
@inline function adagrad<T>(param: usize, grad: usize, mem: usize, n: i32, lr: T, eps: T, clip: T): void {
  const L = <i32>(16 / sizeof<T>());
  const hi = v128.splat<T>(clip);
  const lo = v128.splat<T>(-clip);
  const nlr = v128.splat<T>(-lr);
  const ev = v128.splat<T>(eps);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    const g0 = v128.load(grad + o);
    // +0 gradients change nothing (mem += 0, param += -0): skip the square root and the division. The
    // seed's one-hot input leaves most rows of its input weights untouched in a window of 25 characters.
    if (!v128.any_true(g0)) continue;
    const g = v128.pmin<T>(v128.pmax<T>(g0, lo), hi); // NaN passes through
    v128.store(grad + o, g);
    const m = madd<T>(g, g, v128.load(mem + o));
    v128.store(mem + o, m);
    const step = v128.div<T>(v128.mul<T>(nlr, g), v128.sqrt<T>(v128.add<T>(m, ev)));
    v128.store(param + o, v128.add<T>(v128.load(param + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    const g = min<T>(clip, max<T>(-clip, load<T>(grad + o)));
    store<T>(grad + o, g);
    const m = load<T>(mem + o) + g * g;
    store<T>(mem + o, m);
    store<T>(param + o, load<T>(param + o) + (-lr * g) / sqrt<T>(m + eps));
  }
}

// ---------------------------------------------------------------------------------------------------------
// more optimizers, dropout, recurrent cells. Each loop body is written once as a step over one vector of
// lanes (`one` false) or over a single element (`one` true, the tail): ld/st pick the load/store flavour.

@inline function ld<T>(p: usize, one: bool): v128 {
  return one ? v128.load_splat<T>(p) : v128.load(p);
}
@inline function st<T>(p: usize, v: v128, one: bool): void {
  if (one) v128.store_lane<T>(p, v, 0);
  else v128.store(p, v);
}

// ms = decay*ms + (1-decay)*g*g; param += -lr * g / (sqrt(ms) + eps), n elements
@inline function rmspropStep<T>(o: usize, param: usize, grad: usize, ms: usize, d: v128, d1: v128, nlr: v128, ev: v128, one: bool): void {
  const g = ld<T>(grad + o, one);
  const m = v128.add<T>(v128.mul<T>(d, ld<T>(ms + o, one)), v128.mul<T>(v128.mul<T>(d1, g), g));
  st<T>(ms + o, m, one);
  const step = v128.div<T>(v128.mul<T>(nlr, g), v128.add<T>(v128.sqrt<T>(m), ev));
  st<T>(param + o, v128.add<T>(ld<T>(param + o, one), step), one);
}
@inline function rmsprop<T>(param: usize, grad: usize, ms: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  const L = <i32>(16 / sizeof<T>());
  const d = v128.splat<T>(<T>decay);
  const d1 = v128.splat<T>(<T>(1 - decay));
  const nlr = v128.splat<T>(<T>-lr);
  const ev = v128.splat<T>(<T>eps);
  let i = 0;
  for (; i + L <= n; i += L) rmspropStep<T>(<usize>i << alignof<T>(), param, grad, ms, d, d1, nlr, ev, false);
  for (; i < n; i++) rmspropStep<T>(<usize>i << alignof<T>(), param, grad, ms, d, d1, nlr, ev, true);
}

// Adam/AdamW: param *= keep; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g; param -= step m / (sqrt(v)/sbc2 + eps)
@inline function adamStep<T>(
  o: usize, param: usize, grad: usize, m: usize, v: usize,
  b1: v128, c1: v128, b2: v128, c2: v128, stepv: v128, sbc2: v128, ev: v128, keep: v128, one: bool,
): void {
  const g = ld<T>(grad + o, one);
  const mi = v128.add<T>(v128.mul<T>(b1, ld<T>(m + o, one)), v128.mul<T>(c1, g));
  const vi = v128.add<T>(v128.mul<T>(b2, ld<T>(v + o, one)), v128.mul<T>(v128.mul<T>(c2, g), g));
  st<T>(m + o, mi, one);
  st<T>(v + o, vi, one);
  const den = v128.add<T>(v128.div<T>(v128.sqrt<T>(vi), sbc2), ev);
  const p = v128.sub<T>(v128.mul<T>(ld<T>(param + o, one), keep), v128.div<T>(v128.mul<T>(stepv, mi), den));
  st<T>(param + o, p, one);
}
@inline function adam<T>(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, bc1: f64, bc2: f64, wd: f64,
): void {
  const L = <i32>(16 / sizeof<T>());
  const b1 = v128.splat<T>(<T>beta1);
  const c1 = v128.splat<T>(<T>(1 - beta1));
  const b2 = v128.splat<T>(<T>beta2);
  const c2 = v128.splat<T>(<T>(1 - beta2));
  const stepv = v128.splat<T>(<T>(lr / bc1));
  const sbc2 = v128.splat<T>(<T>Math.sqrt(bc2));
  const ev = v128.splat<T>(<T>eps);
  const keep = v128.splat<T>(<T>(1 - lr * wd));
  let i = 0;
  for (; i + L <= n; i += L) {
    adamStep<T>(<usize>i << alignof<T>(), param, grad, m, v, b1, c1, b2, c2, stepv, sbc2, ev, keep, false);
  }
  for (; i < n; i++) {
    adamStep<T>(<usize>i << alignof<T>(), param, grad, m, v, b1, c1, b2, c2, stepv, sbc2, ev, keep, true);
  }
}

// y (n) = x (n) * m (n)
@inline function mul<T>(y: usize, x: usize, m: usize, n: i32): void {
  const L = <i32>(16 / sizeof<T>());
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i << alignof<T>();
    v128.store(y + o, v128.mul<T>(v128.load(x + o), v128.load(m + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(y + o, load<T>(x + o) * load<T>(m + o));
  }
}

// ---------------------------------------------------------------------------------------------------------
// dropout masks: MT19937 run over a raw state in memory (src/rng.ts's saveRaw / loadRaw layout: the 624
// words, then the position), each element from two draws as numpy's random_sample makes its double

const MT_N = 624;
const MT_M = 397;

// one word of the refill: (upper bit of x | lower 31 of next) shifted and mixed, xor src (the word M on)
@inline function mtNext(x: u32, next: u32, src: u32): u32 {
  const y = (x & 0x80000000) | (next & 0x7fffffff);
  return src ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
}
@inline function mtNext4(x: v128, next: v128, src: v128): v128 {
  const y = v128.or(v128.and(x, i32x4.splat(0x80000000)), v128.and(next, i32x4.splat(0x7fffffff)));
  const odd = i32x4.sub(vzero(), v128.and(y, i32x4.splat(1))); // all ones where y is odd
  return v128.xor(v128.xor(src, i32x4.shr_u(y, 1)), v128.and(odd, i32x4.splat(0x9908b0df)));
}

// genrand_int32's refill of all 624 words in place. mt[k] needs mt[k+1], not yet rewritten, and mt[k+M]:
// for k < N-M not yet rewritten either, after that mt[k+M-N], rewritten 227 words back. So 4 lanes at a
// time are safe in both runs (a vector never straddles k = N-M); the last word wraps to the new mt[0].
function mtTwist(mt: usize): void {
  let k = 0;
  for (; k + 4 <= MT_N - MT_M; k += 4) {
    const p = mt + (<usize>k << 2);
    v128.store(p, mtNext4(v128.load(p), v128.load(p, 4), v128.load(p, MT_M * 4)));
  }
  for (; k < MT_N - MT_M; k++) {
    const p = mt + (<usize>k << 2);
    store<u32>(p, mtNext(load<u32>(p), load<u32>(p, 4), load<u32>(p, MT_M * 4)));
  }
  for (; k + 4 <= MT_N - 1; k += 4) {
    const p = mt + (<usize>k << 2);
    v128.store(p, mtNext4(v128.load(p), v128.load(p, 4), v128.load(p - (MT_N - MT_M) * 4)));
  }
  for (; k < MT_N - 1; k++) {
    const p = mt + (<usize>k << 2);
    store<u32>(p, mtNext(load<u32>(p), load<u32>(p, 4), load<u32>(p - (MT_N - MT_M) * 4)));
  }
  const last = mt + (MT_N - 1) * 4;
  store<u32>(last, mtNext(load<u32>(last), load<u32>(mt), load<u32>(mt, (MT_M - 1) * 4)));
}

@inline function mtTemper(y: u32): u32 {
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  return y ^ (y >>> 18);
}
@inline function mtTemper4(y: v128): v128 {
  y = v128.xor(y, i32x4.shr_u(y, 11));
  y = v128.xor(y, v128.and(i32x4.shl(y, 7), i32x4.splat(0x9d2c5680)));
  y = v128.xor(y, v128.and(i32x4.shl(y, 15), i32x4.splat(0xefc60000)));
  return v128.xor(y, i32x4.shr_u(y, 18));
}

// random_sample() from its two words: (a * 2^26 + b) / 2^53 with a = w0 >>> 5, b = w1 >>> 6. The sum is an
// integer below 2^53 (exact), and scaling it by 2^-53 is exact too, so multiplying gives the very double
// the division does.
const TWO_26: f64 = 67108864.0;
const TWO_M53: f64 = 1.0 / 9007199254740992.0;
@inline function mtUniform(w0: u32, w1: u32): f64 {
  return (<f64>(w0 >>> 5) * TWO_26 + <f64>(w1 >>> 6)) * TWO_M53;
}
// the same for lanes 0 and 1 of a and b (a, b already shifted)
@inline function mtUniform2(a: v128, b: v128): v128 {
  const hi = f64x2.mul(f64x2.convert_low_i32x4_u(a), f64x2.splat(TWO_26));
  return f64x2.mul(f64x2.add(hi, f64x2.convert_low_i32x4_u(b)), f64x2.splat(TWO_M53));
}

// mask (m) from the 2m words at w (inside one block): 4 elements (8 words) a step, de-interleaved into a
// and b words, compared in f64 pairs; keep where random_sample() >= p, else +0
@inline function dropoutRun<T>(mask: usize, w: usize, m: i32, p: f64, keep: T): void {
  const pv = f64x2.splat(p);
  const keepv = v128.splat<T>(keep);
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const w01 = mtTemper4(v128.load(w + (<usize>j << 3)));
    const w23 = mtTemper4(v128.load(w + (<usize>j << 3), 16));
    const a = i32x4.shr_u(v128.shuffle<i32>(w01, w23, 0, 2, 4, 6), 5);
    const b = i32x4.shr_u(v128.shuffle<i32>(w01, w23, 1, 3, 5, 7), 6);
    const drop01 = f64x2.lt(mtUniform2(a, b), pv);
    const drop23 = f64x2.lt(mtUniform2(v128.shuffle<i32>(a, a, 2, 3, 2, 3), v128.shuffle<i32>(b, b, 2, 3, 2, 3)), pv);
    const o = mask + (<usize>j << alignof<T>());
    if (sizeof<T>() == 4) {
      v128.store(o, v128.andnot(keepv, v128.shuffle<i32>(drop01, drop23, 0, 2, 4, 6)));
    } else {
      v128.store(o, v128.andnot(keepv, drop01));
      v128.store(o, v128.andnot(keepv, drop23), 16);
    }
  }
  for (; j < m; j++) {
    const q = w + (<usize>j << 3);
    const u = mtUniform(mtTemper(load<u32>(q)), mtTemper(load<u32>(q, 4)));
    store<T>(mask + (<usize>j << alignof<T>()), u < p ? <T>0 : keep);
  }
}

// mask (n) = random_sample() < p ? 0 : keep, drawing from the raw MT19937 state at st and advancing it
@inline function dropoutMask<T>(mask: usize, st: usize, n: i32, p: f64, keep: T): void {
  let pos = <i32>load<u32>(st, MT_N * 4);
  let i = 0;
  while (i < n) {
    if (pos >= MT_N) {
      mtTwist(st);
      pos = 0;
    }
    const m = min(n - i, (MT_N - pos) >> 1); // whole elements left in this block
    if (m == 0) {
      // pos = N-1 (an odd position): this element's second word is the first of the next block
      const w0 = mtTemper(load<u32>(st, (MT_N - 1) * 4));
      mtTwist(st);
      const u = mtUniform(w0, mtTemper(load<u32>(st)));
      store<T>(mask + (<usize>i << alignof<T>()), u < p ? <T>0 : keep);
      pos = 1;
      i++;
      continue;
    }
    dropoutRun<T>(mask + (<usize>i << alignof<T>()), st + (<usize>pos << 2), m, p, keep);
    pos += 2 * m;
    i += m;
  }
  store<u32>(st, <u32>pos, MT_N * 4);
}

// f32 LSTM cell forward over 4 lanes (or one element): gates i f g o at G + o + {0,1,2,3} * hB
@inline function lstmFwdStep(G: usize, c: usize, tc: usize, h: usize, cp: usize, go: usize, so: usize, hB: usize, one: bool): void {
  const gp = G + go;
  const i = sigmoidf4(ld<f32>(gp, one));
  const f = sigmoidf4(ld<f32>(gp + hB, one));
  const g = tanhf4(ld<f32>(gp + 2 * hB, one));
  const o = sigmoidf4(ld<f32>(gp + 3 * hB, one));
  st<f32>(gp, i, one);
  st<f32>(gp + hB, f, one);
  st<f32>(gp + 2 * hB, g, one);
  st<f32>(gp + 3 * hB, o, one);
  const cj = f32x4.add(f32x4.mul(f, ld<f32>(cp + so, one)), f32x4.mul(i, g));
  const t = tanhf4(cj);
  st<f32>(c + so, cj, one);
  st<f32>(tc + so, t, one);
  st<f32>(h + so, f32x4.mul(o, t), one);
}

// G (B,4H) pre-activations -> i f g o; c = f cPrev + i g, tanhC = tanh(c), h = o tanhC (B,H)
@inline function lstmCellForward<T>(G: usize, c: usize, tc: usize, h: usize, cp: usize, B: i32, H: i32): void {
  const hB = <usize>H << alignof<T>();
  for (let b = 0; b < B; b++) {
    const g0 = <usize>b * 4 * hB;
    const s0 = <usize>b * hB;
    if (sizeof<T>() == 4) {
      let j = 0;
      for (; j + 4 <= H; j += 4) lstmFwdStep(G, c, tc, h, cp, g0 + (<usize>j << 2), s0 + (<usize>j << 2), hB, false);
      for (; j < H; j++) lstmFwdStep(G, c, tc, h, cp, g0 + (<usize>j << 2), s0 + (<usize>j << 2), hB, true);
    } else {
      for (let j = 0; j < H; j++) {
        const gp = G + g0 + (<usize>j << 3);
        const so = s0 + (<usize>j << 3);
        const i = 1.0 / (1.0 + Math.exp(-load<f64>(gp)));
        const f = 1.0 / (1.0 + Math.exp(-load<f64>(gp + hB)));
        const g = Math.tanh(load<f64>(gp + 2 * hB));
        const o = 1.0 / (1.0 + Math.exp(-load<f64>(gp + 3 * hB)));
        store<f64>(gp, i);
        store<f64>(gp + hB, f);
        store<f64>(gp + 2 * hB, g);
        store<f64>(gp + 3 * hB, o);
        const cj = f * load<f64>(cp + so) + i * g;
        const t = Math.tanh(cj);
        store<f64>(c + so, cj);
        store<f64>(tc + so, t);
        store<f64>(h + so, o * t);
      }
    }
  }
}

// LSTM cell backward over one vector of lanes (or one element)
@inline function lstmBwdStep<T>(
  dG: usize, dcp: usize, G: usize, cp: usize, tc: usize, dh: usize, dc: usize, go: usize, so: usize, hB: usize, one: bool,
): void {
  const onev = v128.splat<T>(<T>1);
  const gp = G + go;
  const i = ld<T>(gp, one);
  const f = ld<T>(gp + hB, one);
  const g = ld<T>(gp + 2 * hB, one);
  const o = ld<T>(gp + 3 * hB, one);
  const t = ld<T>(tc + so, one);
  const dhj = ld<T>(dh + so, one);
  const cpj = ld<T>(cp + so, one);
  // dct = dc + dh*o*(1 - t*t)
  const dct = v128.add<T>(ld<T>(dc + so, one), v128.mul<T>(v128.mul<T>(dhj, o), v128.sub<T>(onev, v128.mul<T>(t, t))));
  const dp = dG + go;
  st<T>(dp, v128.mul<T>(v128.mul<T>(v128.mul<T>(dct, g), i), v128.sub<T>(onev, i)), one);
  st<T>(dp + hB, v128.mul<T>(v128.mul<T>(v128.mul<T>(dct, cpj), f), v128.sub<T>(onev, f)), one);
  st<T>(dp + 2 * hB, v128.mul<T>(v128.mul<T>(dct, i), v128.sub<T>(onev, v128.mul<T>(g, g))), one);
  st<T>(dp + 3 * hB, v128.mul<T>(v128.mul<T>(v128.mul<T>(dhj, t), o), v128.sub<T>(onev, o)), one);
  st<T>(dcp + so, v128.mul<T>(dct, f), one);
}

// dG (B,4H), dcPrev (B,H) from G (B,4H) activations, cPrev, tanhC, dh, dc (B,H)
@inline function lstmCellBackward<T>(
  dG: usize, dcp: usize, G: usize, cp: usize, tc: usize, dh: usize, dc: usize, B: i32, H: i32,
): void {
  const L = <i32>(16 / sizeof<T>());
  const hB = <usize>H << alignof<T>();
  for (let b = 0; b < B; b++) {
    const g0 = <usize>b * 4 * hB;
    const s0 = <usize>b * hB;
    let j = 0;
    for (; j + L <= H; j += L) {
      const jo = <usize>j << alignof<T>();
      lstmBwdStep<T>(dG, dcp, G, cp, tc, dh, dc, g0 + jo, s0 + jo, hB, false);
    }
    for (; j < H; j++) {
      const jo = <usize>j << alignof<T>();
      lstmBwdStep<T>(dG, dcp, G, cp, tc, dh, dc, g0 + jo, s0 + jo, hB, true);
    }
  }
}

// f32 GRU cell forward over 4 lanes (or one element): gates r z n at + {0,1,2} * hB
@inline function gruFwdStep(Gx: usize, Gh: usize, h: usize, hp: usize, bhn: usize, go: usize, so: usize, jo: usize, hB: usize, one: bool): void {
  const xp = Gx + go;
  const hq = Gh + go;
  const r = sigmoidf4(f32x4.add(ld<f32>(xp, one), ld<f32>(hq, one)));
  const z = sigmoidf4(f32x4.add(ld<f32>(xp + hB, one), ld<f32>(hq + hB, one)));
  const hn = f32x4.add(ld<f32>(hq + 2 * hB, one), ld<f32>(bhn + jo, one));
  const n = tanhf4(f32x4.add(ld<f32>(xp + 2 * hB, one), f32x4.mul(r, hn)));
  const hprev = ld<f32>(hp + so, one);
  st<f32>(xp, r, one);
  st<f32>(xp + hB, z, one);
  st<f32>(xp + 2 * hB, n, one);
  st<f32>(hq + 2 * hB, hn, one);
  st<f32>(h + so, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), n), f32x4.mul(z, hprev)), one);
}

// Gx (B,3H) -> r z n; Gh (B,3H) n part += bhn (H); h (B,H) = (1-z) n + z hPrev
@inline function gruCellForward<T>(Gx: usize, Gh: usize, h: usize, hp: usize, bhn: usize, B: i32, H: i32): void {
  const hB = <usize>H << alignof<T>();
  for (let b = 0; b < B; b++) {
    const g0 = <usize>b * 3 * hB;
    const s0 = <usize>b * hB;
    if (sizeof<T>() == 4) {
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const jo = <usize>j << 2;
        gruFwdStep(Gx, Gh, h, hp, bhn, g0 + jo, s0 + jo, jo, hB, false);
      }
      for (; j < H; j++) {
        const jo = <usize>j << 2;
        gruFwdStep(Gx, Gh, h, hp, bhn, g0 + jo, s0 + jo, jo, hB, true);
      }
    } else {
      for (let j = 0; j < H; j++) {
        const jo = <usize>j << 3;
        const xp = Gx + g0 + jo;
        const hq = Gh + g0 + jo;
        const r = 1.0 / (1.0 + Math.exp(-(load<f64>(xp) + load<f64>(hq))));
        const z = 1.0 / (1.0 + Math.exp(-(load<f64>(xp + hB) + load<f64>(hq + hB))));
        const hn = load<f64>(hq + 2 * hB) + load<f64>(bhn + jo);
        const n = Math.tanh(load<f64>(xp + 2 * hB) + r * hn);
        const hprev = load<f64>(hp + s0 + jo);
        store<f64>(xp, r);
        store<f64>(xp + hB, z);
        store<f64>(xp + 2 * hB, n);
        store<f64>(hq + 2 * hB, hn);
        store<f64>(h + s0 + jo, (1 - z) * n + z * hprev);
      }
    }
  }
}

// GRU cell backward over one vector of lanes (or one element)
@inline function gruBwdStep<T>(
  dGx: usize, dGh: usize, dhp: usize, Gx: usize, Gh: usize, hp: usize, dh: usize, go: usize, so: usize, hB: usize, one: bool,
): void {
  const onev = v128.splat<T>(<T>1);
  const xp = Gx + go;
  const r = ld<T>(xp, one);
  const z = ld<T>(xp + hB, one);
  const n = ld<T>(xp + 2 * hB, one);
  const dhj = ld<T>(dh + so, one);
  // dn = dh*(1-z)*(1-n*n); dr = dn*Gh_n*r*(1-r); dz = dh*(hPrev-n)*z*(1-z)
  const dn = v128.mul<T>(v128.mul<T>(dhj, v128.sub<T>(onev, z)), v128.sub<T>(onev, v128.mul<T>(n, n)));
  const dr = v128.mul<T>(v128.mul<T>(v128.mul<T>(dn, ld<T>(Gh + go + 2 * hB, one)), r), v128.sub<T>(onev, r));
  const dz = v128.mul<T>(v128.mul<T>(v128.mul<T>(dhj, v128.sub<T>(ld<T>(hp + so, one), n)), z), v128.sub<T>(onev, z));
  st<T>(dGx + go, dr, one);
  st<T>(dGx + go + hB, dz, one);
  st<T>(dGx + go + 2 * hB, dn, one);
  st<T>(dGh + go, dr, one);
  st<T>(dGh + go + hB, dz, one);
  st<T>(dGh + go + 2 * hB, v128.mul<T>(dn, r), one);
  st<T>(dhp + so, v128.add<T>(ld<T>(dhp + so, one), v128.mul<T>(dhj, z)), one);
}

// dGx, dGh (B,3H); dhPrev (B,H) += dh*z, from Gx (r z n), Gh, hPrev, dh
@inline function gruCellBackward<T>(
  dGx: usize, dGh: usize, dhp: usize, Gx: usize, Gh: usize, hp: usize, dh: usize, B: i32, H: i32,
): void {
  const L = <i32>(16 / sizeof<T>());
  const hB = <usize>H << alignof<T>();
  for (let b = 0; b < B; b++) {
    const g0 = <usize>b * 3 * hB;
    const s0 = <usize>b * hB;
    let j = 0;
    for (; j + L <= H; j += L) {
      const jo = <usize>j << alignof<T>();
      gruBwdStep<T>(dGx, dGh, dhp, Gx, Gh, hp, dh, g0 + jo, s0 + jo, hB, false);
    }
    for (; j < H; j++) {
      const jo = <usize>j << alignof<T>();
      gruBwdStep<T>(dGx, dGh, dhp, Gx, Gh, hp, dh, g0 + jo, s0 + jo, hB, true);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// the vanilla RNN's recurrence over a window, in one call each way (the seed runs T = 25 steps of B = 1: as
// separate calls from JavaScript, the step's two kernel calls cost about as much as its tanh)

// G (T,B,H) holds Wxh x_t + b on entry; hs (T+1,B,H) the carried state in hs_0. For t < T:
// G_t += hs_t @ Whh^T; hs_{t+1} = tanh(G_t). The same products and the same order as the step-wise loop.
@inline function rnnForward<T>(G: usize, hs: usize, Whh: usize, B: i32, H: i32, steps: i32): void {
  const n = B * H;
  const bytes = <usize>n << alignof<T>();
  for (let t = 0; t < steps; t++) {
    const g = G + <usize>t * bytes;
    const h = hs + <usize>t * bytes;
    gemmNT<T>(g, h, Whh, B, H, H, true);
    tanh<T>(h + bytes, g, n);
  }
}

// dh (T,B,H) holds each step's gradient from above on entry. For t = T-1 down to 0:
// dG_t = (1 - hs_{t+1}^2) * dh_t; then for t > 0, dh_{t-1} += dG_t @ Whh.
@inline function rnnBackward<T>(dG: usize, dh: usize, hs: usize, Whh: usize, B: i32, H: i32, steps: i32): void {
  const n = B * H;
  const bytes = <usize>n << alignof<T>();
  for (let t = steps - 1; t >= 0; t--) {
    const dg = dG + <usize>t * bytes;
    tanhBackward<T>(dg, hs + <usize>(t + 1) * bytes, dh + <usize>t * bytes, n);
    if (t > 0) gemmXN<T>(dh + <usize>(t - 1) * bytes, dg, Whh, B, H, H, true, H, 1, false);
  }
}

// ---------------------------------------------------------------------------------------------------------
// exports: pointers are byte offsets, sizes element counts, flags 0/1, scalars f64

/** Where static data and the products' scratch area end; the host's arena starts above it. */
export function heapBase(): usize {
  return scratchEnd();
}

export function gemv_f32(y: usize, W: usize, x: usize, M: i32, K: i32, acc: i32): void { gemv<f32>(y, W, x, M, K, acc != 0); }
export function gemv_f64(y: usize, W: usize, x: usize, M: i32, K: i32, acc: i32): void { gemv<f64>(y, W, x, M, K, acc != 0); }
export function gemvT_f32(y: usize, W: usize, x: usize, M: i32, K: i32, acc: i32): void { gemvT<f32>(y, W, x, M, K, acc != 0); }
export function gemvT_f64(y: usize, W: usize, x: usize, M: i32, K: i32, acc: i32): void { gemvT<f64>(y, W, x, M, K, acc != 0); }
export function ger_f32(A: usize, x: usize, y: usize, M: i32, K: i32): void { ger<f32>(A, x, y, M, K); }
export function ger_f64(A: usize, x: usize, y: usize, M: i32, K: i32): void { ger<f64>(A, x, y, M, K); }
export function gemmNT_f32(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmNT<f32>(C, A, B, M, N, K, acc != 0); }
export function gemmNT_f64(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmNT<f64>(C, A, B, M, N, K, acc != 0); }
export function gemmNN_f32(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmXN<f32>(C, A, B, M, N, K, acc != 0, K, 1, false); }
export function gemmNN_f64(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmXN<f64>(C, A, B, M, N, K, acc != 0, K, 1, false); }
export function gemmTN_f32(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmXN<f32>(C, A, B, M, N, K, acc != 0, 1, M, true); }
export function gemmTN_f64(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, acc: i32): void { gemmXN<f64>(C, A, B, M, N, K, acc != 0, 1, M, true); }
export function addColumn_f32(y: usize, W: usize, col: i32, M: i32, K: i32): void { addColumn<f32>(y, W, col, M, K); }
export function addColumn_f64(y: usize, W: usize, col: i32, M: i32, K: i32): void { addColumn<f64>(y, W, col, M, K); }
export function addToColumn_f32(W: usize, x: usize, col: i32, M: i32, K: i32): void { addToColumn<f32>(W, x, col, M, K); }
export function addToColumn_f64(W: usize, x: usize, col: i32, M: i32, K: i32): void { addToColumn<f64>(W, x, col, M, K); }
export function gatherRows_f32(Y: usize, E: usize, ids: usize, R: i32, C: i32): void { gatherRows<f32>(Y, E, ids, R, C); }
export function gatherRows_f64(Y: usize, E: usize, ids: usize, R: i32, C: i32): void { gatherRows<f64>(Y, E, ids, R, C); }
export function scatterAddRows_f32(dE: usize, dY: usize, ids: usize, R: i32, C: i32): void { scatterAddRows<f32>(dE, dY, ids, R, C); }
export function scatterAddRows_f64(dE: usize, dY: usize, ids: usize, R: i32, C: i32): void { scatterAddRows<f64>(dE, dY, ids, R, C); }
export function add_f32(y: usize, x: usize, b: usize, n: i32): void { add<f32>(y, x, b, n); }
export function add_f64(y: usize, x: usize, b: usize, n: i32): void { add<f64>(y, x, b, n); }
export function addRowVector_f32(Y: usize, b: usize, R: i32, C: i32): void { addRowVector<f32>(Y, b, R, C); }
export function addRowVector_f64(Y: usize, b: usize, R: i32, C: i32): void { addRowVector<f64>(Y, b, R, C); }
export function sumRows_f32(b: usize, X: usize, R: i32, C: i32): void { sumRows<f32>(b, X, R, C); }
export function sumRows_f64(b: usize, X: usize, R: i32, C: i32): void { sumRows<f64>(b, X, R, C); }
export function tanh_f32(y: usize, x: usize, n: i32): void { tanh<f32>(y, x, n); }
export function tanh_f64(y: usize, x: usize, n: i32): void { tanh<f64>(y, x, n); }
export function tanhBackward_f32(dx: usize, y: usize, dy: usize, n: i32): void { tanhBackward<f32>(dx, y, dy, n); }
export function tanhBackward_f64(dx: usize, y: usize, dy: usize, n: i32): void { tanhBackward<f64>(dx, y, dy, n); }
export function sigmoid_f32(y: usize, x: usize, n: i32): void { sigmoid<f32>(y, x, n); }
export function sigmoid_f64(y: usize, x: usize, n: i32): void { sigmoid<f64>(y, x, n); }
export function axpy_f32(y: usize, a: f64, x: usize, n: i32): void { axpy<f32>(y, <f32>a, x, n); }
export function axpy_f64(y: usize, a: f64, x: usize, n: i32): void { axpy<f64>(y, a, x, n); }
export function scale_f32(x: usize, s: f64, n: i32): void { scale<f32>(x, <f32>s, n); }
export function scale_f64(x: usize, s: f64, n: i32): void { scale<f64>(x, s, n); }
export function sumSquares_f32(x: usize, n: i32): f64 { return sumSquares<f32>(x, n); }
export function sumSquares_f64(x: usize, n: i32): f64 { return sumSquares<f64>(x, n); }
export function clip_f32(x: usize, c: f64, n: i32): void { clip<f32>(x, <f32>c, n); }
export function clip_f64(x: usize, c: f64, n: i32): void { clip<f64>(x, c, n); }
export function softmaxXent_f32(dl: usize, lg: usize, tg: usize, R: i32, C: i32): f64 { return softmaxXent<f32>(dl, lg, tg, R, C); }
export function softmaxXent_f64(dl: usize, lg: usize, tg: usize, R: i32, C: i32): f64 { return softmaxXent<f64>(dl, lg, tg, R, C); }
export function softmax_f32(p: usize, lg: usize, n: i32, invT: f64): void { softmax<f32>(p, lg, n, <f32>invT); }
export function softmax_f64(p: usize, lg: usize, n: i32, invT: f64): void { softmax<f64>(p, lg, n, invT); }
export function adagrad_f32(param: usize, grad: usize, mem: usize, n: i32, lr: f64, eps: f64, clip: f64): void {
  adagrad<f32>(param, grad, mem, n, <f32>lr, <f32>eps, <f32>clip);
}
export function adagrad_f64(param: usize, grad: usize, mem: usize, n: i32, lr: f64, eps: f64, clip: f64): void {
  adagrad<f64>(param, grad, mem, n, lr, eps, clip);
}
export function rmsprop_f32(param: usize, grad: usize, ms: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  rmsprop<f32>(param, grad, ms, n, lr, decay, eps);
}
export function rmsprop_f64(param: usize, grad: usize, ms: usize, n: i32, lr: f64, decay: f64, eps: f64): void {
  rmsprop<f64>(param, grad, ms, n, lr, decay, eps);
}
export function adam_f32(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, bc1: f64, bc2: f64, wd: f64,
): void {
  adam<f32>(param, grad, m, v, n, lr, beta1, beta2, eps, bc1, bc2, wd);
}
export function adam_f64(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, bc1: f64, bc2: f64, wd: f64,
): void {
  adam<f64>(param, grad, m, v, n, lr, beta1, beta2, eps, bc1, bc2, wd);
}
export function mul_f32(y: usize, x: usize, m: usize, n: i32): void { mul<f32>(y, x, m, n); }
export function mul_f64(y: usize, x: usize, m: usize, n: i32): void { mul<f64>(y, x, m, n); }
export function dropoutMask_f32(mask: usize, st: usize, n: i32, p: f64, keep: f64): void {
  dropoutMask<f32>(mask, st, n, p, <f32>keep);
}
export function dropoutMask_f64(mask: usize, st: usize, n: i32, p: f64, keep: f64): void {
  dropoutMask<f64>(mask, st, n, p, keep);
}
export function lstmCellForward_f32(G: usize, c: usize, tc: usize, h: usize, cp: usize, B: i32, H: i32): void {
  lstmCellForward<f32>(G, c, tc, h, cp, B, H);
}
export function lstmCellForward_f64(G: usize, c: usize, tc: usize, h: usize, cp: usize, B: i32, H: i32): void {
  lstmCellForward<f64>(G, c, tc, h, cp, B, H);
}
export function lstmCellBackward_f32(dG: usize, dcp: usize, G: usize, cp: usize, tc: usize, dh: usize, dc: usize, B: i32, H: i32): void {
  lstmCellBackward<f32>(dG, dcp, G, cp, tc, dh, dc, B, H);
}
export function lstmCellBackward_f64(dG: usize, dcp: usize, G: usize, cp: usize, tc: usize, dh: usize, dc: usize, B: i32, H: i32): void {
  lstmCellBackward<f64>(dG, dcp, G, cp, tc, dh, dc, B, H);
}
export function gruCellForward_f32(Gx: usize, Gh: usize, h: usize, hp: usize, bhn: usize, B: i32, H: i32): void {
  gruCellForward<f32>(Gx, Gh, h, hp, bhn, B, H);
}
export function gruCellForward_f64(Gx: usize, Gh: usize, h: usize, hp: usize, bhn: usize, B: i32, H: i32): void {
  gruCellForward<f64>(Gx, Gh, h, hp, bhn, B, H);
}
export function gruCellBackward_f32(dGx: usize, dGh: usize, dhp: usize, Gx: usize, Gh: usize, hp: usize, dh: usize, B: i32, H: i32): void {
  gruCellBackward<f32>(dGx, dGh, dhp, Gx, Gh, hp, dh, B, H);
}
export function gruCellBackward_f64(dGx: usize, dGh: usize, dhp: usize, Gx: usize, Gh: usize, hp: usize, dh: usize, B: i32, H: i32): void {
  gruCellBackward<f64>(dGx, dGh, dhp, Gx, Gh, hp, dh, B, H);
}
export function rnnForward_f32(G: usize, hs: usize, Whh: usize, B: i32, H: i32, T: i32): void { rnnForward<f32>(G, hs, Whh, B, H, T); }
export function rnnForward_f64(G: usize, hs: usize, Whh: usize, B: i32, H: i32, T: i32): void { rnnForward<f64>(G, hs, Whh, B, H, T); }
export function rnnBackward_f32(dG: usize, dh: usize, hs: usize, Whh: usize, B: i32, H: i32, T: i32): void { rnnBackward<f32>(dG, dh, hs, Whh, B, H, T); }
export function rnnBackward_f64(dG: usize, dh: usize, hs: usize, Whh: usize, B: i32, H: i32, T: i32): void { rnnBackward<f64>(dG, dh, hs, Whh, B, H, T); }
