// Optimizers over the flat theta/dtheta of any SequenceModel: SGD, the seed's Adagrad (with its
// element-wise clip), char-rnn's RMSProp, Adam and AdamW (bias-corrected, as PyTorch computes them), and
// global-norm clipping. State arrays come from the model's kernel memory (reserve them with
// `paramCopies`), are allocated once, and export/import exactly for checkpoints.
import type { FloatArray, Kernels } from '../kernels/types.js';
import type { TensorInfo } from '../models/types.js';

/** The update rules, in the order the CLI and the page list them. */
export const OPTIMIZERS = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** The names of each rule's state arrays (checkpoints store them as `optim.<name>`). */
export const OPTIMIZER_SLOTS: Readonly<Record<OptimizerKind, readonly string[]>> = {
  sgd: [],
  adagrad: ['mem'],
  rmsprop: ['ms'],
  adam: ['m', 'v'],
  adamw: ['m', 'v'],
};

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** element-wise clip of the gradient to [-clip, clip] before the update (the seed's 5); Infinity: off */
  clip: number;
  /** global-norm clip: dtheta scaled so its L2 norm is at most maxNorm (before `clip`); Infinity: off */
  maxNorm: number;
  /** adagrad: sqrt(mem + eps); rmsprop, adam: sqrt(.) + eps */
  eps: number;
  /** rmsprop: the decay of the running mean of g^2 (char-rnn's decay_rate) */
  decay: number;
  /** adam, adamw */
  beta1: number;
  beta2: number;
  /** adamw: decoupled weight decay, applied to the weight matrices and embedding (tensors of >= 2 dims) */
  weightDecay: number;
}

export const OPTIMIZER_DEFAULTS: Readonly<Record<OptimizerKind, Readonly<OptimizerConfig>>> = {
  sgd: {
    kind: 'sgd',
    clip: Infinity,
    maxNorm: Infinity,
    eps: 0,
    decay: 0,
    beta1: 0,
    beta2: 0,
    weightDecay: 0,
  },
  adagrad: {
    kind: 'adagrad',
    clip: 5,
    maxNorm: Infinity,
    eps: 1e-8,
    decay: 0,
    beta1: 0,
    beta2: 0,
    weightDecay: 0,
  },
  rmsprop: {
    kind: 'rmsprop',
    clip: 5,
    maxNorm: Infinity,
    eps: 1e-8,
    decay: 0.95,
    beta1: 0,
    beta2: 0,
    weightDecay: 0,
  },
  adam: {
    kind: 'adam',
    clip: Infinity,
    maxNorm: 5,
    eps: 1e-8,
    decay: 0,
    beta1: 0.9,
    beta2: 0.999,
    weightDecay: 0,
  },
  adamw: {
    kind: 'adamw',
    clip: Infinity,
    maxNorm: 5,
    eps: 1e-8,
    decay: 0,
    beta1: 0.9,
    beta2: 0.999,
    weightDecay: 0.01,
  },
};

/** How many arrays of numParams floats the optimizer keeps (pass as the model's `paramCopies`). */
export function optimizerSlots(kind: OptimizerKind): number {
  return OPTIMIZER_SLOTS[kind].length;
}

/** What an optimizer needs of a model (every SequenceModel has it). */
export interface Trainable {
  readonly kernels: Kernels;
  readonly theta: FloatArray;
  readonly dtheta: FloatArray;
  readonly numParams: number;
  readonly tensors: readonly TensorInfo[];
  /** reserved arrays of numParams floats, used for the state when present */
  readonly paramCopies?: readonly FloatArray[];
}

/**
 * Scales g (n) so that its L2 norm is at most maxNorm (PyTorch's clip_grad_norm_: coefficient
 * maxNorm / (norm + 1e-6) when below 1). Returns the norm before clipping.
 */
export function clipGradNorm(k: Kernels, g: FloatArray, n: number, maxNorm: number): number {
  const norm = Math.sqrt(k.sumSquares(g, n));
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) k.scale(g, coef, n);
  return norm;
}

/** A contiguous run of tensors with the same weight decay: views into theta, dtheta and the state. */
interface Segment {
  param: FloatArray;
  grad: FloatArray;
  m: FloatArray;
  v: FloatArray;
  weightDecay: number;
}

export class Optimizer {
  readonly config: OptimizerConfig;
  /** updates taken (Adam's t) */
  t = 0;
  /** the state arrays by name: adagrad mem; rmsprop ms; adam m, v */
  private readonly slots: Record<string, FloatArray> = {};
  private readonly segments: Segment[] = [];

  constructor(
    private readonly model: Trainable,
    config: Partial<OptimizerConfig> & { kind: OptimizerKind },
  ) {
    this.config = { ...OPTIMIZER_DEFAULTS[config.kind], ...config };
    const names = OPTIMIZER_SLOTS[config.kind];
    const reserved = model.paramCopies ?? [];
    names.forEach((name, i) => {
      this.slots[name] = reserved[i] ?? model.kernels.alloc(model.numParams);
    });
    if (this.config.kind === 'adam' || this.config.kind === 'adamw') {
      const wd = this.config.kind === 'adamw' ? this.config.weightDecay : 0;
      for (const t of model.tensors) {
        const decay = t.shape.length >= 2 ? wd : 0;
        const last = this.segments[this.segments.length - 1];
        const end = t.offset + t.size;
        if (last && last.weightDecay === decay) {
          const start = end - last.param.length - t.size;
          Object.assign(last, this.views(start, end));
        } else this.segments.push({ ...this.views(t.offset, end), weightDecay: decay });
      }
    }
  }

  private views(start: number, end: number) {
    const { theta, dtheta } = this.model;
    const { m, v } = this.slots;
    return {
      param: theta.subarray(start, end),
      grad: dtheta.subarray(start, end),
      m: m.subarray(start, end),
      v: v.subarray(start, end),
    };
  }

  /**
   * One update of theta from dtheta with learning rate lr: global-norm clip, element-wise clip, then the
   * rule. dtheta is left clipped. Returns the gradient's L2 norm before clipping when maxNorm is finite
   * (else NaN: not computed).
   */
  step(lr: number): number {
    const { kernels: k, theta, dtheta, numParams: n } = this.model;
    const c = this.config;
    const norm = Number.isFinite(c.maxNorm) ? clipGradNorm(k, dtheta, n, c.maxNorm) : Number.NaN;
    this.t++;
    if (c.kind === 'adagrad') {
      k.adagrad(theta, dtheta, this.slots.mem, n, lr, c.eps, c.clip); // clips in the same pass
      return norm;
    }
    if (Number.isFinite(c.clip)) k.clip(dtheta, c.clip, n);
    switch (c.kind) {
      case 'sgd':
        k.axpy(theta, -lr, dtheta, n);
        break;
      case 'rmsprop':
        k.rmsprop(theta, dtheta, this.slots.ms, n, lr, c.decay, c.eps);
        break;
      case 'adam':
      case 'adamw': {
        const bc1 = 1 - c.beta1 ** this.t;
        const bc2 = 1 - c.beta2 ** this.t;
        for (const s of this.segments) {
          k.adam(
            s.param,
            s.grad,
            s.m,
            s.v,
            s.param.length,
            lr,
            c.beta1,
            c.beta2,
            c.eps,
            bc1,
            bc2,
            s.weightDecay,
          );
        }
        break;
      }
    }
    return norm;
  }

  /**
   * Everything needed to resume exactly: t and copies of the state arrays, or with `copy` false the arrays
   * themselves (for a checkpoint written before the next step: no second copy of a large model's moments).
   */
  getState(copy = true): Record<string, FloatArray | number> {
    const out: Record<string, FloatArray | number> = { t: this.t };
    for (const [name, a] of Object.entries(this.slots)) out[name] = copy ? a.slice() : a;
    return out;
  }

  setState(state: Readonly<Record<string, FloatArray | number>>): void {
    const t = state.t;
    if (typeof t !== 'number') throw new Error('optimizer state: missing t');
    for (const [name, a] of Object.entries(this.slots)) {
      const s = state[name];
      if (typeof s === 'number' || s === undefined || s.length !== a.length) {
        throw new Error(`optimizer state: ${name} missing or of the wrong length`);
      }
      a.set(s);
    }
    this.t = t;
  }
}
