// Learning-rate schedules: a linear warmup, then constant, a cosine or a straight-line decay to a floor (over
// a number of iterations, or over a share of a training-time budget), or char-rnn's step decay.

/** The schedules, in the order the CLI and the page list them. */
export const SCHEDULES = ['constant', 'cosine', 'linear', 'step'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

export interface LrSchedule {
  kind: ScheduleKind;
  /** the peak learning rate */
  lr: number;
  /** iterations of linear warmup from lr/warmup to lr (0: none) */
  warmup: number;
  /** the lowest learning rate of the decay */
  floor: number;
  /** cosine, linear: the iteration where the decay reaches the floor (when it decays over iterations) */
  total: number;
  /** step: multiply by gamma every stepEvery iterations after the warmup (char-rnn: 0.97 per epoch) */
  stepEvery: number;
  gamma: number;
}

export const LR_DEFAULTS: Readonly<LrSchedule> = {
  kind: 'constant',
  lr: 2e-3,
  warmup: 0,
  floor: 0,
  total: 1,
  stepEvery: 1,
  gamma: 1,
};

/** Whether a schedule decays over a length (iterations or a time budget): cosine and linear. */
export function decaysOverLength(kind: ScheduleKind): boolean {
  return kind === 'cosine' || kind === 'linear';
}

/**
 * The learning rate of iteration `iter` (0-based). A cosine or a linear decay runs over iterations
 * warmup..total, or, when `progress` is given (the share of a time budget used, 0..1), over that share.
 */
export function learningRate(s: LrSchedule, iter: number, progress?: number): number {
  if (iter < s.warmup) return (s.lr * (iter + 1)) / s.warmup;
  const k = iter - s.warmup;
  switch (s.kind) {
    case 'constant':
      return s.lr;
    case 'cosine':
    case 'linear': {
      const p = Math.min(1, Math.max(0, progress ?? k / Math.max(1, s.total - s.warmup)));
      const shape = s.kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * p)) : 1 - p;
      return s.floor + (s.lr - s.floor) * shape;
    }
    case 'step':
      return Math.max(s.floor, s.lr * s.gamma ** Math.floor(k / s.stepEvery));
  }
}
