// The interface the trainer drives for every model (the vanilla RNN, LSTM, GRU): flat parameters and
// gradients with named tensor views, one (B,T) window of forward and backward at a time with the states
// carried between windows (truncated BPTT), forward-only evaluation, and single-stream generation.
import type { BackendName, Dtype, FloatArray, Kernels } from '../kernels/types.js';
import type { MT19937, RngState } from '../rng.js';

/** The cells, in the order the CLI and the page list them. */
export const MODEL_KINDS = ['rnn', 'lstm', 'gru'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** One named parameter tensor: `theta.subarray(offset, offset + size)` viewed as `shape` (row-major). */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

export interface SequenceModel {
  readonly kind: ModelKind;
  readonly kernels: Kernels;
  /** all parameters, flat (one `alloc`), in the order of `tensors` */
  readonly theta: FloatArray;
  /** the gradient of the last `lossAndGrad`, laid out like `theta` */
  readonly dtheta: FloatArray;
  /** the named views of theta, in order (checkpoints, per-tensor optimizer rules) */
  readonly tensors: readonly TensorInfo[];
  readonly numParams: number;
  /** V */
  readonly vocabSize: number;
  /** H: hidden units per layer */
  readonly hidden: number;
  /** how many (B,H) buffers a carried state holds (per layer h, and the LSTM's c): getState() is that many */
  readonly stateBuffers: number;
  /** B: the number of independent streams in a window */
  readonly batch: number;
  /** T: the BPTT steps of a window */
  readonly seqLength: number;
  /** the dropout RNG (checkpoint its state for an exact resume); absent when the model has no dropout */
  readonly dropoutRng: MT19937 | undefined;
  /** arrays of numParams floats reserved in the kernel memory for the optimizer's state */
  readonly paramCopies: readonly FloatArray[];

  /** Initializes the parameters from rng (each model's own scheme: see its file). */
  init(rng: MT19937): void;

  /**
   * Forward and backward over a (B,T) window, ids b-major (stream b's T ids at [b*T, b*T+T)). Overwrites
   * dtheta, carries each stream's states into the next window, returns the loss summed over B*T.
   */
  lossAndGrad(inputs: Int32Array, targets: Int32Array): number;
  /** Forward only (evaluation: no dropout, dtheta untouched); carries the states like lossAndGrad. */
  loss(inputs: Int32Array, targets: Int32Array): number;
  /** Zeroes the carried states of all streams. */
  resetState(): void;
  /** All carried states (per layer h, then per layer c for the LSTM; each (B,H)), copied out. */
  getState(): Float64Array;
  setState(state: ArrayLike<number>): void;

  /** Zeroes the generation state (one stream, separate from the training states). */
  resetGen(): void;
  /** Sets the generation state to the carried training state of stream b (the seed samples from hprev). */
  genFromStream(b: number): void;
  /** Feeds symbol x to the generation stream; returns the V logits of the next symbol (a view, reused). */
  forwardOne(x: number): FloatArray;
  /** The generation states, copied out / in. */
  genState: Float64Array;

  /** The dropout RNG states, one per thread (checkpoints); undefined without dropout. */
  getDropoutStates(): RngState[] | undefined;
  /** Restores them (as many as the model has threads). */
  setDropoutStates(states: readonly RngState[]): void;
  /** Ends whatever the model runs besides this thread (worker threads); a no-op for one thread. */
  close(): void;
}

/** The shape of a model (any cell) and how to run it. */
export interface RecurrentConfig {
  /** V: vocabulary size */
  vocabSize: number;
  /** H: hidden units per layer */
  hidden: number;
  /** N: stacked layers */
  layers: number;
  /** E: embedding size; 0 feeds the one-hot symbol to the first layer (a row gather, like the seed) */
  embedding: number;
  /** B: streams per window */
  batch: number;
  /** T: BPTT steps per window */
  seqLength: number;
  /** inverted dropout on each layer's output (char-rnn: before the next layer and the decoder); 0 = off */
  dropout: number;
  dtype: Dtype;
  backend?: BackendName;
  /** seeds the dropout RNG */
  dropoutSeed?: number;
  /** 'torch' (default): PyTorch's uniform init; 'seed': min-char-rnn's randn * 0.01 and zero biases */
  init?: 'torch' | 'seed';
  /** LSTM only: the forget-gate bias at a 'torch' init (default 1); the other biases are uniform like PyTorch */
  forgetBias?: number;
  /** arrays of numParams floats to reserve in the kernel memory for the optimizer (see `optimizerSlots`) */
  paramCopies?: number;
  /** further arrays to reserve in the kernel memory */
  extraFloats?: readonly number[];
}
