// The seed's configuration of the one RnnModel (one layer, one stream, one-hot input), seen through the
// seed's names: set Wxh/Whh/Why/bh/by, read the gradients and hprev the way lossFun returns them.
import type { BackendName, Dtype } from '../../src/kernels/types.js';
import {
  createModel,
  type RnnModel,
  type RnnParams,
  setSeedParams,
  toSeedParams,
} from '../../src/models/index.js';

export interface SeedModel {
  model: RnnModel;
  setParams(p: RnnParams): void;
  /** dWxh..dby of the last lossAndGrad, in the seed's layout */
  grads(): RnnParams<Float64Array>;
  /** the carried hidden state */
  hprev(): Float64Array;
  setHprev(h: ArrayLike<number>): void;
  /** lossAndGrad over one window of ids */
  lossAndGrad(inputs: ArrayLike<number>, targets: ArrayLike<number>): number;
}

export function seedModel(H: number, V: number, T: number, dtype: Dtype, backend: BackendName): SeedModel {
  const model = createModel('rnn', {
    vocabSize: V,
    hidden: H,
    layers: 1,
    embedding: 0,
    batch: 1,
    seqLength: T,
    dropout: 0,
    dtype,
    backend,
    init: 'seed',
  }) as RnnModel;
  return {
    model,
    setParams: (p) => setSeedParams(model, p),
    grads: () => toSeedParams(model, model.dtheta),
    hprev: () => model.getState(),
    setHprev: (h) => model.setState(h),
    lossAndGrad: (inputs, targets) => model.lossAndGrad(Int32Array.from(inputs), Int32Array.from(targets)),
  };
}
