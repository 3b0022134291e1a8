// charrnn's public API: everything a library user imports, and nothing internal. Browser-safe: nothing
// here touches node: (the Node-only pieces, worker threads and files, are in 'charrnn/node').
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint/format.js';
export { readAnyCheckpoint } from './checkpoint/interop.js';
export { exportOnnx } from './checkpoint/onnx.js';
export { exportTorch, importTorch } from './checkpoint/torch.js';
export { type Corpus, CorpusEncoder, corpusFromString, encodeCorpus, Vocab } from './data/text.js';
export { CharrnnError, type ErrorKind } from './errors.js';
export { type BackendName, type Dtype, initKernels } from './kernels/index.js';
export { MODEL_KINDS, type ModelKind } from './models/types.js';
export type { SampleOptions } from './sampling/sample.js';
export { type Host, startShardWorker } from './training/build.js';
export {
  DEFAULTS,
  OPTIONS,
  type OptionSpec,
  parseOption,
  resolveConfig,
  type TrainConfig,
} from './training/config.js';
export type { Evaluation } from './training/evaluate.js';
export { OPTIMIZERS, type OptimizerKind } from './training/optim.js';
export { type ShardInit, type ShardWatch, shardEnded } from './training/parallel.js';
export { defaultPreset, findPreset, PRESETS, type Preset, presetConfig } from './training/presets.js';
export { type RunEvent, RunLoop, type RunOptions } from './training/run.js';
export { SCHEDULES, type ScheduleKind } from './training/schedule.js';
export { type StepEvent, Trainer } from './training/trainer.js';
