// charrnn's public API: everything a library user imports. Browser-safe: nothing here touches node:.
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointReader } from './checkpoint.js';
export { resolveConfig, SEED_DEFAULTS, type TrainConfig } from './config.js';
export { CharrnnError, type ErrorKind } from './errors.js';
export {
  type BackendName,
  bytesFor,
  createKernels,
  type Dtype,
  type FloatArray,
  initKernels,
  type KernelOptions,
  type Kernels,
  RefKernels,
} from './kernels/index.js';
export {
  createRecurrentModel,
  type ModelKind,
  type RecurrentConfig,
  type SequenceModel,
} from './models/index.js';
export { type LrSchedule, learningRate, Optimizer, type OptimizerKind } from './models/optim.js';
export { ShardedModel, type ShardInit } from './parallel.js';
export { findPreset, PRESETS, type Preset } from './presets.js';
export {
  type Evaluation,
  evaluateText,
  type Host,
  isRecipeCheckpoint,
  ModelTrainer,
  RECIPE_DEFAULTS,
  type RecipeConfig,
  type RecipeStepEvent,
  resolveRecipe,
  startShardWorker,
} from './recipe.js';
export { MT19937, type RngState } from './rng.js';
export {
  initRnnParams,
  type LossResult,
  lossFun,
  RNN_PARAM_NAMES,
  RnnModel,
  type RnnParams,
  rnnShapes,
} from './rnn.js';
export { decodeSafetensors, encodeSafetensors, type SafeTensors, type Tensor } from './safetensors.js';
export { checkSampleOptions, feedPrime, generate, type SampleOptions, type Stepper } from './sample.js';
export {
  type Corpus,
  CorpusEncoder,
  corpusFromString,
  encodeCorpus,
  type IdArray,
  remapCorpus,
  Vocab,
} from './text.js';
export { type StepEvent, Trainer } from './train.js';
