// What the vanilla RNN, the LSTM and the GRU share on the fast path: the parameter layout, the input (a
// one-hot row gather or a learned embedding), each layer's input projection as one gemm over the whole
// window, inverted dropout on each layer's output, the decoder with softmax cross-entropy, carried states,
// generation, and the two initializations (PyTorch's, and the seed's randn * 0.01). A cell (rnn.ts,
// lstm.ts, gru.ts) supplies one layer's recurrence (forward, backward) and one generation step.
//
// Layout inside a window is time-major: row t*B + b is stream b at step t, so the B streams of one step
// are contiguous rows and the recurrence runs one (B,H) @ (GH,H)^T gemm per step. Every buffer is
// allocated in the constructor (the wasm memory is sized once); nothing is allocated per step.
import { CharrnnError } from '../errors.js';
import { bytesFor, createKernels, MAX_CAPACITY_BYTES } from '../kernels/index.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { MT19937, type RngState } from '../rng.js';
import type { ModelKind, RecurrentConfig, SequenceModel, TensorInfo } from './types.js';

/** Gates per cell: the vanilla RNN one (its tanh pre-activation); LSTM i,f,g,o; GRU r,z,n. */
export const GATES: Readonly<Record<ModelKind, number>> = { rnn: 1, lstm: 4, gru: 3 };

/** One layer's parameters (views into theta or dtheta). */
export interface LayerParams {
  /** (GH, In) input weights; for a one-hot layer 0 stored transposed, (V, GH), so the product is a row gather */
  Wih: FloatArray;
  /** (GH, H) hidden weights */
  Whh: FloatArray;
  /** (GH) input-side bias: the RNN's and LSTM's only bias (PyTorch's b_ih + b_hh), the GRU's b_ih */
  bih: FloatArray;
  /** (H) GRU only: b_hn, the hidden-side bias of the n gate (inside r * (...)); empty for the LSTM */
  bhn: FloatArray;
}

/** The ordered tensors of a model: [embed], per layer Wih|WihT, Whh, b|(bih, bhn), then Why, by. */
export function recurrentTensors(kind: ModelKind, cfg: RecurrentConfig): TensorInfo[] {
  const { vocabSize: V, hidden: H, layers: N, embedding: E } = cfg;
  const GH = GATES[kind] * H;
  const list: [string, number[]][] = [];
  if (E > 0) list.push(['embed', [V, E]]);
  for (let l = 0; l < N; l++) {
    if (l === 0 && E === 0) list.push(['l0.WihT', [V, GH]]);
    else list.push([`l${l}.Wih`, [GH, l === 0 ? E : H]]);
    list.push([`l${l}.Whh`, [GH, H]]);
    if (kind === 'gru') list.push([`l${l}.bih`, [GH]], [`l${l}.bhn`, [H]]);
    else list.push([`l${l}.b`, [GH]]);
  }
  list.push(['Why', [V, H]], ['by', [V]]);
  let offset = 0;
  return list.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = { name, shape, offset, size };
    offset += size;
    return t;
  });
}

export function checkConfig(cfg: RecurrentConfig): void {
  const ints: [string, number, number][] = [
    ['vocabSize', cfg.vocabSize, 1],
    ['hidden', cfg.hidden, 1],
    ['layers', cfg.layers, 1],
    ['embedding', cfg.embedding, 0],
    ['batch', cfg.batch, 1],
    ['seqLength', cfg.seqLength, 1],
  ];
  for (const [name, v, min] of ints) {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  }
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw new RangeError(`dropout must be in [0, 1), got ${cfg.dropout}`);
}

/** The name of a layer's input-side bias tensor: the GRU keeps its hidden-side n bias apart (bhn). */
export function biasName(kind: ModelKind, l: number): string {
  return kind === 'gru' ? `l${l}.bih` : `l${l}.b`;
}

/** Fills `a`, (cols, rows) row-major, with the transpose of what `fill` writes into a (rows, cols) array. */
function fillTransposed(a: FloatArray, rows: number, cols: number, fill: (b: Float64Array) => void): void {
  const b = new Float64Array(rows * cols);
  fill(b);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * rows + i] = b[i * cols + j];
}

/** `count` consecutive views of `size` elements each. */
function rows(buf: FloatArray, size: number, count: number): FloatArray[] {
  const out: FloatArray[] = [];
  for (let i = 0; i < count; i++) out.push(buf.subarray(i * size, (i + 1) * size));
  return out;
}

export abstract class RecurrentModel implements SequenceModel {
  readonly kernels: Kernels;
  readonly theta: FloatArray;
  readonly dtheta: FloatArray;
  readonly tensors: readonly TensorInfo[];
  readonly numParams: number;
  readonly vocabSize: number;
  readonly batch: number;
  readonly seqLength: number;
  readonly dropoutRng: MT19937 | undefined;
  /** arrays reserved by `paramCopies` (optimizer state), numParams each */
  readonly paramCopies: FloatArray[] = [];
  readonly hidden: number;
  /** how many (B,H) buffers a carried state holds: per layer h, and the LSTM's c */
  get stateBuffers(): number {
    return this.stateBufs.length;
  }

  protected readonly V: number;
  protected readonly H: number;
  protected readonly N: number;
  protected readonly E: number;
  protected readonly B: number;
  protected readonly T: number;
  /** G*H: the width of a layer's gate pre-activations */
  protected readonly GH: number;
  protected readonly dropout: number;

  // parameters and gradients, typed (views into theta / dtheta)
  protected readonly P: LayerParams[];
  protected readonly dP: LayerParams[];
  protected readonly embed: FloatArray;
  protected readonly dEmbed: FloatArray;
  protected readonly Why: FloatArray;
  protected readonly dWhy: FloatArray;
  protected readonly by: FloatArray;
  protected readonly dby: FloatArray;

  // window buffers (time-major)
  private readonly xs: Int32Array; // (T*B) input ids
  private readonly ys: Int32Array; // (T*B) target ids
  /**
   * With an embedding, layer 0's input projection either embeds every input and multiplies (emb, dEmb:
   * (TB,E) each) or, when the vocabulary is at most half the window's TB rows, multiplies the whole
   * embedding table once (table = embed @ Wih^T + bih, (V,GH)) and gathers its rows: the same sums in
   * another order, for V*GH*E multiply-adds instead of TB*GH*E. Its backward adds each row's dG into
   * dTable (V,GH) first, then dWih = dTable^T @ embed and dEmbed = dTable @ Wih.
   */
  private readonly foldEmbedding: boolean;
  private readonly emb: FloatArray; // (TB, E) embedded inputs, or (V, GH) the projected table
  private readonly dEmb: FloatArray; // (TB, E), or (V, GH) dTable
  /** per layer ((T+1)B, H): block 0 is the carried h, blocks 1..T the outputs */
  protected readonly hs: FloatArray[];
  /** per layer T+1 views (B,H) of hs */
  protected readonly hsRows: FloatArray[][];
  /** per layer (TB, H): hs blocks 0..T-1, the previous h of every step */
  protected readonly hsPrev: FloatArray[];
  /** per layer (TB, H): hs blocks 1..T, the layer's output */
  private readonly hsOut: FloatArray[];
  private readonly masks: FloatArray[]; // per layer (TB, H): 0 or 1/(1-p)
  private readonly dropped: FloatArray[]; // per layer (TB, H): hsOut * mask
  /** per layer (TB, GH): input projections + bih, then the cell's activations */
  protected readonly gates: FloatArray[];
  protected readonly gateRows: FloatArray[][];
  /** (TB, GH): gradient of the pre-activations on the input side, shared by the layers */
  protected readonly dG: FloatArray;
  protected readonly dGRows: FloatArray[];
  /** (TB, H): gradient of a layer's output (from the layer above or the decoder), shared */
  protected readonly dHs: FloatArray;
  protected readonly dHsRows: FloatArray[];
  private readonly logits: FloatArray; // (TB, V), then dlogits
  /** ((T+1)B, H) buffers whose block 0 is a carried state and block T the state after a window */
  protected readonly stateBufs: FloatArray[] = [];

  // generation (one stream)
  private readonly genId: Int32Array; // (1)
  private readonly genX: FloatArray; // (E)
  /** per layer (H): the generation h */
  protected readonly genH: FloatArray[];
  /** (GH): one step's gate pre-activations */
  protected readonly genG: FloatArray;
  private readonly genLogits: FloatArray; // (V)
  /** (H) arrays holding the generation state */
  protected readonly genStateBufs: FloatArray[] = [];

  private planned = 0;
  private used = 0;
  private readonly initScheme: 'torch' | 'seed';

  constructor(
    readonly kind: ModelKind,
    cfg: RecurrentConfig,
    cellFloats: readonly number[],
  ) {
    checkConfig(cfg);
    const { vocabSize: V, hidden: H, layers: N, embedding: E, batch: B, seqLength: T } = cfg;
    const GH = GATES[kind] * H;
    const TB = T * B;
    const p = cfg.dropout;
    this.V = V;
    this.H = H;
    this.N = N;
    this.E = E;
    this.B = B;
    this.T = T;
    this.GH = GH;
    this.dropout = p;
    this.vocabSize = V;
    this.hidden = H;
    this.initScheme = cfg.init ?? 'torch';
    this.batch = B;
    this.seqLength = T;
    this.tensors = recurrentTensors(kind, cfg);
    const last = this.tensors[this.tensors.length - 1];
    const P = last.offset + last.size;
    this.numParams = P;
    this.dropoutRng = p > 0 ? new MT19937(cfg.dropoutSeed ?? 0) : undefined;

    // every alloc below, in order: the kernel memory is sized from this list
    const copies = cfg.paramCopies ?? 0;
    const floats: number[] = [P, P, ...new Array<number>(copies).fill(P)];
    const fold = E > 0 && 2 * V <= TB;
    if (E > 0) floats.push(...(fold ? [V * GH, V * GH] : [TB * E, TB * E]), E);
    for (let l = 0; l < N; l++) floats.push((T + 1) * B * H, TB * GH, H);
    if (p > 0) for (let l = 0; l < N; l++) floats.push(TB * H, TB * H);
    floats.push(TB * GH, TB * H, TB * V, GH, V);
    floats.push(...cellFloats, ...(cfg.extraFloats ?? []));
    const ints = [TB, TB, 1];
    const capacityBytes = bytesFor(cfg.dtype, floats, ints);
    if (capacityBytes > MAX_CAPACITY_BYTES) {
      // refused before anything is allocated (the wasm backend could not address it; the ref one should not try)
      throw new CharrnnError(
        `a ${N}-layer ${kind} of hidden ${H}, batch ${B} and seq-length ${T} needs ${(capacityBytes / 2 ** 30).toFixed(1)} GiB, more than the 4 GiB a model can have`,
        'lower --hidden, --layers, --batch or --seq-length',
        'usage',
      );
    }
    this.planned = capacityBytes;
    this.kernels = createKernels({
      dtype: cfg.dtype,
      capacityBytes,
      ...(cfg.backend ? { backend: cfg.backend } : {}),
    });

    this.theta = this.take(P);
    this.dtheta = this.take(P);
    for (let i = 0; i < copies; i++) this.paramCopies.push(this.take(P));
    const view = (flat: FloatArray, name: string): FloatArray => {
      const t = this.tensors.find((x) => x.name === name);
      return t ? flat.subarray(t.offset, t.offset + t.size) : flat.subarray(0, 0);
    };
    const layer = (flat: FloatArray, l: number): LayerParams => ({
      Wih: view(flat, l === 0 && E === 0 ? 'l0.WihT' : `l${l}.Wih`),
      Whh: view(flat, `l${l}.Whh`),
      bih: view(flat, biasName(kind, l)),
      bhn: view(flat, `l${l}.bhn`),
    });
    this.P = [];
    this.dP = [];
    for (let l = 0; l < N; l++) {
      this.P.push(layer(this.theta, l));
      this.dP.push(layer(this.dtheta, l));
    }
    this.embed = view(this.theta, 'embed');
    this.dEmbed = view(this.dtheta, 'embed');
    this.Why = view(this.theta, 'Why');
    this.dWhy = view(this.dtheta, 'Why');
    this.by = view(this.theta, 'by');
    this.dby = view(this.dtheta, 'by');

    const empty = this.theta.subarray(0, 0);
    this.foldEmbedding = fold;
    this.emb = E > 0 ? this.take(fold ? V * GH : TB * E) : empty;
    this.dEmb = E > 0 ? this.take(fold ? V * GH : TB * E) : empty;
    this.genX = E > 0 ? this.take(E) : empty;
    this.hs = [];
    this.hsRows = [];
    this.hsPrev = [];
    this.hsOut = [];
    this.gates = [];
    this.gateRows = [];
    this.genH = [];
    for (let l = 0; l < N; l++) {
      const h = this.take((T + 1) * B * H);
      this.hs.push(h);
      this.hsRows.push(rows(h, B * H, T + 1));
      this.hsPrev.push(h.subarray(0, TB * H));
      this.hsOut.push(h.subarray(B * H));
      this.stateBufs.push(h);
      const g = this.take(TB * GH);
      this.gates.push(g);
      this.gateRows.push(rows(g, B * GH, T));
      const gh = this.take(H);
      this.genH.push(gh);
      this.genStateBufs.push(gh);
    }
    this.masks = [];
    this.dropped = [];
    if (p > 0) {
      for (let l = 0; l < N; l++) {
        this.masks.push(this.take(TB * H));
        this.dropped.push(this.take(TB * H));
      }
    }
    this.dG = this.take(TB * GH);
    this.dGRows = rows(this.dG, B * GH, T);
    this.dHs = this.take(TB * H);
    this.dHsRows = rows(this.dHs, B * H, T);
    this.logits = this.take(TB * V);
    this.genG = this.take(GH);
    this.genLogits = this.take(V);
    this.xs = this.kernels.allocInt32(TB);
    this.ys = this.kernels.allocInt32(TB);
    this.genId = this.kernels.allocInt32(1);
    this.used += bytesFor(cfg.dtype, [], ints);
  }

  /** alloc(n), checked against the planned capacity (so a wrong plan fails on the ref backend too) */
  protected take(n: number): FloatArray {
    this.used += bytesFor(this.kernels.dtype, [n]);
    if (this.used > this.planned)
      throw new Error(`${this.kind}: buffer plan exceeded (${this.used} > ${this.planned})`);
    return this.kernels.alloc(n);
  }

  /**
   * Initializes theta from rng with the model's scheme:
   *  - 'torch' (PyTorch's): uniform(-1/sqrt(H), 1/sqrt(H)) for every weight and bias, N(0,1) for the embedding;
   *  - 'seed' (min-char-rnn's): every weight matrix randn * 0.01, drawn in tensor order and in (out, in)
   *    order within each (so a one-layer one-hot rnn draws the seed's Wxh (H,V), Whh (H,H), Why (V,H) in
   *    that order, exactly as np.random.randn does), biases zero.
   */
  init(rng: MT19937): void {
    const k = 1 / Math.sqrt(this.H);
    for (const t of this.tensors) {
      const a = this.theta.subarray(t.offset, t.offset + t.size);
      if (this.initScheme === 'seed') {
        if (t.shape.length < 2) a.fill(0);
        else if (t.name === 'l0.WihT')
          fillTransposed(a, t.shape[1], t.shape[0], (b) => rng.fillRandn(b, 0.01));
        else rng.fillRandn(a, 0.01);
      } else if (t.name === 'embed') rng.fillRandn(a, 1);
      else for (let i = 0; i < a.length; i++) a[i] = (2 * rng.random() - 1) * k;
    }
  }

  /** Whether init() draws the seed's way (then no cell-specific bias, such as the LSTM's forget gate's). */
  protected get seedInit(): boolean {
    return this.initScheme === 'seed';
  }

  /** The dropout masks of the last training window, per layer (TB, H) time-major (for tests); [] without dropout. */
  get dropoutMasks(): readonly FloatArray[] {
    return this.masks;
  }

  // ---- one layer's recurrence, supplied by the cell ----
  /** gates[l] holds X @ Wih^T + bih for all TB rows; run the recurrence from hs[l] block 0 to block T. */
  protected abstract recurrentForward(l: number): void;
  /**
   * dHs holds the gradient of the layer's outputs (TB,H); fill dG (TB,GH) with the gradient of the
   * input-side pre-activations, and this layer's dWhh (and GRU dbhn). dHs may be used as scratch.
   */
  protected abstract recurrentBackward(l: number): void;
  /** genG holds Wih x + bih; advance the generation state of layer l by one step (genH[l] in place). */
  protected abstract stepOne(l: number): void;

  // ---- forward and backward over a window ----

  /** the input of layer l+1 (and of the decoder for the last layer): the output, dropped out in training */
  private layerOutput(l: number, training: boolean): FloatArray {
    return training && this.dropout > 0 ? this.dropped[l] : this.hsOut[l];
  }

  private forward(inputs: Int32Array, targets: Int32Array, training: boolean): number {
    const { V, H, N, E, B, T, GH, kernels: k, xs, ys } = this;
    const TB = T * B;
    if (inputs.length !== TB || targets.length !== TB) {
      throw new RangeError(
        `${this.kind}: a window is B*T = ${TB} ids, got ${inputs.length} and ${targets.length}`,
      );
    }
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const x = inputs[b * T + t];
        const y = targets[b * T + t];
        if (!(x >= 0 && x < V && y >= 0 && y < V)) throw new RangeError(`${this.kind}: id out of [0, ${V})`);
        xs[t * B + b] = x;
        ys[t * B + b] = y;
      }
    }
    for (let l = 0; l < N; l++) {
      const G = this.gates[l];
      const Wih = this.P[l].Wih;
      if (l === 0 && E === 0) {
        k.gatherRows(G, Wih, xs, TB, GH); // G (TB,GH) = WihT[xs]: Wih @ onehot
        k.addRowVector(G, this.P[l].bih, TB, GH);
      } else if (l === 0 && this.foldEmbedding) {
        k.gemmNT(this.emb, this.embed, Wih, V, GH, E, false); // table (V,GH) = embed @ Wih^T
        k.addRowVector(this.emb, this.P[l].bih, V, GH);
        k.gatherRows(G, this.emb, xs, TB, GH); // G (TB,GH) = table[xs]
      } else {
        if (l === 0) {
          k.gatherRows(this.emb, this.embed, xs, TB, E); // emb (TB,E) = embed[xs]
          k.gemmNT(G, this.emb, Wih, TB, GH, E, false); // G = emb @ Wih^T
        } else k.gemmNT(G, this.layerOutput(l - 1, training), Wih, TB, GH, H, false); // G = X @ Wih^T
        k.addRowVector(G, this.P[l].bih, TB, GH);
      }
      this.recurrentForward(l);
      if (training && this.dropout > 0) {
        const mask = this.masks[l];
        const rng = this.dropoutRng!;
        const p = this.dropout;
        const keep = 1 / (1 - p);
        k.dropoutMask(mask, rng, TB * H, p, keep); // mask[i] = rng.random() < p ? 0 : keep
        k.mul(this.dropped[l], this.hsOut[l], mask, TB * H);
      }
    }
    const top = this.layerOutput(N - 1, training);
    k.gemmNT(this.logits, top, this.Why, TB, V, H, false); // logits (TB,V) = top @ Why^T
    k.addRowVector(this.logits, this.by, TB, V);
    return k.softmaxXent(this.logits, this.logits, ys, TB, V); // logits now hold dlogits
  }

  private backward(): void {
    const { V, H, N, E, B, T, GH, kernels: k, xs, dG, dHs } = this;
    const TB = T * B;
    const top = this.layerOutput(N - 1, true);
    k.gemmTN(this.dWhy, this.logits, top, V, H, TB, false); // dWhy (V,H) = dlogits^T @ top
    this.dby.fill(0);
    k.sumRows(this.dby, this.logits, TB, V);
    k.gemmNN(dHs, this.logits, this.Why, TB, H, V, false); // dtop (TB,H) = dlogits @ Why
    for (let l = N - 1; l >= 0; l--) {
      if (this.dropout > 0) k.mul(dHs, dHs, this.masks[l], TB * H);
      this.recurrentBackward(l); // dHs -> dG, dWhh
      const d = this.dP[l];
      d.bih.fill(0);
      k.sumRows(d.bih, dG, TB, GH);
      if (l === 0 && E === 0) {
        d.Wih.fill(0);
        k.scatterAddRows(d.Wih, dG, xs, TB, GH); // dWihT[xs] += dG
      } else if (l === 0 && this.foldEmbedding) {
        this.dEmb.fill(0);
        k.scatterAddRows(this.dEmb, dG, xs, TB, GH); // dTable (V,GH): dG summed per input id
        k.gemmTN(d.Wih, this.dEmb, this.embed, GH, E, V, false); // dWih (GH,E) = dTable^T @ embed
        k.gemmNN(this.dEmbed, this.dEmb, this.P[0].Wih, V, E, GH, false); // dEmbed (V,E) = dTable @ Wih
      } else if (l === 0) {
        k.gemmTN(d.Wih, dG, this.emb, GH, E, TB, false); // dWih (GH,E) = dG^T @ emb
        k.gemmNN(this.dEmb, dG, this.P[0].Wih, TB, E, GH, false); // demb (TB,E) = dG @ Wih
        this.dEmbed.fill(0);
        k.scatterAddRows(this.dEmbed, this.dEmb, xs, TB, E);
      } else {
        k.gemmTN(d.Wih, dG, this.layerOutput(l - 1, true), GH, H, TB, false); // dWih (GH,H) = dG^T @ X
        k.gemmNN(dHs, dG, this.P[l].Wih, TB, H, GH, false); // dX (TB,H) = dG @ Wih: the layer below's dout
      }
    }
  }

  /** block T of every state buffer becomes block 0: the states carried into the next window */
  private carry(): void {
    const n = this.B * this.H;
    for (const s of this.stateBufs) s.copyWithin(0, this.T * n, (this.T + 1) * n);
  }

  lossAndGrad(inputs: Int32Array, targets: Int32Array): number {
    const loss = this.forward(inputs, targets, true);
    this.backward();
    this.carry();
    return loss;
  }

  loss(inputs: Int32Array, targets: Int32Array): number {
    const loss = this.forward(inputs, targets, false);
    this.carry();
    return loss;
  }

  resetState(): void {
    for (const s of this.stateBufs) s.fill(0, 0, this.B * this.H);
  }

  getState(): Float64Array {
    const n = this.B * this.H;
    const out = new Float64Array(this.stateBufs.length * n);
    this.stateBufs.forEach((s, i) => {
      out.set(s.subarray(0, n), i * n);
    });
    return out;
  }

  setState(state: ArrayLike<number>): void {
    const n = this.B * this.H;
    if (state.length !== this.stateBufs.length * n) {
      throw new RangeError(
        `${this.kind}: state has ${state.length} numbers, expected ${this.stateBufs.length * n}`,
      );
    }
    const src = Float64Array.from(state);
    this.stateBufs.forEach((s, i) => {
      s.set(src.subarray(i * n, (i + 1) * n));
    });
  }

  // ---- generation: one stream, one symbol at a time ----

  resetGen(): void {
    for (const s of this.genStateBufs) s.fill(0);
  }

  genFromStream(b: number): void {
    const H = this.H;
    if (!(Number.isInteger(b) && b >= 0 && b < this.B)) throw new RangeError(`${this.kind}: no stream ${b}`);
    this.stateBufs.forEach((s, i) => {
      this.genStateBufs[i].set(s.subarray(b * H, (b + 1) * H));
    });
  }

  forwardOne(x: number): FloatArray {
    const { V, H, N, E, GH, kernels: k, genG } = this;
    if (!(Number.isInteger(x) && x >= 0 && x < V))
      throw new RangeError(`${this.kind}: id ${x} out of [0, ${V})`);
    this.genId[0] = x;
    for (let l = 0; l < N; l++) {
      const Wih = this.P[l].Wih;
      if (l === 0 && E === 0)
        k.gatherRows(genG, Wih, this.genId, 1, GH); // WihT[x]
      else if (l === 0) {
        k.gatherRows(this.genX, this.embed, this.genId, 1, E);
        k.gemv(genG, Wih, this.genX, GH, E, false);
      } else k.gemv(genG, Wih, this.genH[l - 1], GH, H, false);
      k.add(genG, genG, this.P[l].bih, GH);
      this.stepOne(l);
    }
    k.gemv(this.genLogits, this.Why, this.genH[N - 1], V, H, false);
    k.add(this.genLogits, this.genLogits, this.by, V);
    return this.genLogits;
  }

  get genState(): Float64Array {
    const out = new Float64Array(this.genStateBufs.length * this.H);
    this.genStateBufs.forEach((s, i) => {
      out.set(s, i * this.H);
    });
    return out;
  }

  set genState(state: Float64Array) {
    const H = this.H;
    if (state.length !== this.genStateBufs.length * H)
      throw new RangeError(`${this.kind}: bad generation state`);
    this.genStateBufs.forEach((s, i) => {
      s.set(state.subarray(i * H, (i + 1) * H));
    });
  }

  getDropoutStates(): RngState[] | undefined {
    return this.dropoutRng && [this.dropoutRng.getState()];
  }

  setDropoutStates(states: readonly RngState[]): void {
    if (!this.dropoutRng) return;
    if (states.length !== 1) throw new Error(`expected 1 dropout RNG state, got ${states.length}`);
    this.dropoutRng.setState(states[0]);
  }

  close(): void {}
}

// ---- the float64 reference's shared pieces (plain loops, one stream, one step) ----

/** One layer's parameters (or gradients) for the reference path: float64 views of theta's layout. */
export interface RefLayer {
  /** (GH, In), or (V, GH) when oneHot */
  Wih: Float64Array;
  /** (GH, H) */
  Whh: Float64Array;
  /** (GH) */
  bih: Float64Array;
  /** (H) GRU only */
  bhn: Float64Array;
  H: number;
  In: number;
  oneHot: boolean;
}

/** pre (GH) += Wih @ x, where x is a vector (In) or a one-hot symbol id (then row x of WihT). */
export function projectRef(pre: Float64Array, L: RefLayer, x: Float64Array | number): void {
  const GH = pre.length;
  if (typeof x === 'number') {
    for (let j = 0; j < GH; j++) pre[j] += L.Wih[x * GH + j];
    return;
  }
  for (let j = 0; j < GH; j++) {
    let s = 0;
    for (let k = 0; k < L.In; k++) s += L.Wih[j * L.In + k] * x[k];
    pre[j] += s;
  }
}

/** Backward of projectRef: dWih += dpre x^T; returns dx = Wih^T dpre (null for a one-hot x). */
export function projectBackwardRef(dL: RefLayer, L: RefLayer, x: Float64Array | number, dpre: Float64Array) {
  const GH = dpre.length;
  if (typeof x === 'number') {
    for (let j = 0; j < GH; j++) dL.Wih[x * GH + j] += dpre[j];
    return null;
  }
  const dx = new Float64Array(L.In);
  for (let j = 0; j < GH; j++) {
    for (let k = 0; k < L.In; k++) {
      dL.Wih[j * L.In + k] += dpre[j] * x[k];
      dx[k] += L.Wih[j * L.In + k] * dpre[j];
    }
  }
  return dx;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
