// The models beyond the seed, behind one interface (`SequenceModel`): LSTM and GRU with depth, an optional
// embedding, dropout and minibatches of streams; the seed's RNN through an adapter; the optimizers.
import { GruModel } from './gru.js';
import { LstmModel } from './lstm.js';
import type { RecurrentConfig } from './types.js';

export { GATES, type LayerParams, RecurrentModel, recurrentTensors } from './common.js';
export { GruModel, gruStepBackwardRef, gruStepRef } from './gru.js';
export { LstmModel, lstmStepBackwardRef, lstmStepRef } from './lstm.js';
export {
  clipGradNorm,
  LR_DEFAULTS,
  type LrSchedule,
  learningRate,
  OPTIMIZER_DEFAULTS,
  Optimizer,
  type OptimizerConfig,
  type OptimizerKind,
  optimizerSlots,
  type Trainable,
} from './optim.js';
export { type ReferenceResult, referenceLossAndGrad } from './reference.js';
export { RnnSequenceModel } from './rnn.js';
export type { ModelKind, RecurrentConfig, SequenceModel, TensorInfo } from './types.js';

/** A new LSTM or GRU (parameters zero: call `init(rng)` or load them). */
export function createRecurrentModel(kind: 'lstm' | 'gru', cfg: RecurrentConfig): LstmModel | GruModel {
  return kind === 'lstm' ? new LstmModel(cfg) : new GruModel(cfg);
}
