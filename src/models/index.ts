// The models, behind one interface (`SequenceModel`): the vanilla RNN (the seed's), the LSTM and the GRU,
// each with depth, an optional embedding, dropout and minibatches of streams, and each with its float64
// reference beside its fast path. The cell is chosen here, once, when a model is built.
import { GruModel } from './gru.js';
import { LstmModel } from './lstm.js';
import { RnnModel } from './rnn.js';
import type { ModelKind, RecurrentConfig } from './types.js';

export { GruModel, gruStepBackwardRef, gruStepRef } from './gru.js';
export { LstmModel, lstmStepBackwardRef, lstmStepRef } from './lstm.js';
export { GATES, type LayerParams, RecurrentModel, recurrentTensors } from './recurrent.js';
export { type ReferenceResult, referenceLossAndGrad } from './reference.js';
export {
  initRnnParams,
  type LossResult,
  lossFun,
  RNN_PARAM_NAMES,
  RnnModel,
  type RnnParams,
  rnnShapes,
  rnnStepBackwardRef,
  rnnStepRef,
  setSeedParams,
  toSeedParams,
} from './rnn.js';
export {
  MODEL_KINDS,
  type ModelKind,
  type RecurrentConfig,
  type SequenceModel,
  type TensorInfo,
} from './types.js';

/** A new model of `kind` (parameters zero: call `init(rng)` or load them). */
export function createModel(kind: ModelKind, cfg: RecurrentConfig): RnnModel | LstmModel | GruModel {
  switch (kind) {
    case 'rnn':
      return new RnnModel(cfg);
    case 'lstm':
      return new LstmModel(cfg);
    case 'gru':
      return new GruModel(cfg);
  }
}
