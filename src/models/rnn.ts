// The seed's vanilla RNN (src/rnn.ts, unchanged) behind the SequenceModel interface: one stream (B=1),
// the one-hot input, no dropout. Forward-only evaluation runs the generation step over the window.
import type { BackendName, Dtype, FloatArray, Kernels } from '../kernels/types.js';
import type { MT19937 } from '../rng.js';
import { initRnnParams, RNN_PARAM_NAMES, RnnModel, rnnShapes } from '../rnn.js';
import type { SequenceModel, TensorInfo } from './types.js';

export class RnnSequenceModel implements SequenceModel {
  readonly kind = 'rnn' as const;
  readonly model: RnnModel;
  readonly kernels: Kernels;
  readonly theta: FloatArray;
  readonly dtheta: FloatArray;
  readonly tensors: readonly TensorInfo[];
  readonly numParams: number;
  readonly vocabSize: number;
  readonly batch = 1;
  readonly seqLength: number;
  readonly dropoutRng = undefined;
  /** arrays of numParams floats reserved for the optimizer */
  readonly paramCopies: FloatArray[] = [];

  constructor(H: number, V: number, T: number, dtype: Dtype, backend?: BackendName, paramCopies = 0) {
    const P = H * V + H * H + V * H + H + V;
    this.model = new RnnModel(H, V, T, dtype, backend, new Array<number>(paramCopies).fill(P));
    this.kernels = this.model.kernels;
    this.theta = this.model.theta;
    this.dtheta = this.model.dtheta;
    this.numParams = this.model.numParams;
    this.vocabSize = V;
    this.seqLength = T;
    for (let i = 0; i < paramCopies; i++) this.paramCopies.push(this.kernels.alloc(P));
    const shapes = rnnShapes(H, V);
    let offset = 0;
    this.tensors = RNN_PARAM_NAMES.map((name) => {
      const shape = shapes[name];
      const size = shape.reduce((a, b) => a * b, 1);
      const t = { name, shape, offset, size };
      offset += size;
      return t;
    });
  }

  /** The seed's init: randn * 0.01 for the weights, zero biases. */
  init(rng: MT19937): void {
    initRnnParams(this.model.params, rng);
  }

  lossAndGrad(inputs: Int32Array, targets: Int32Array): number {
    return this.model.lossAndGrad(inputs, targets);
  }

  loss(inputs: Int32Array, targets: Int32Array): number {
    const { model, vocabSize: V } = this;
    let loss = 0;
    for (let t = 0; t < this.seqLength; t++) {
      const y = model.forwardOne(model.hprev, inputs[t]);
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, y[j]);
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(y[j] - max);
      loss -= y[targets[t]] - max - Math.log(sum);
    }
    return loss;
  }

  resetState(): void {
    this.model.hprev.fill(0);
  }
  getState(): Float64Array {
    return Float64Array.from(this.model.hprev);
  }
  setState(state: ArrayLike<number>): void {
    if (state.length !== this.model.H)
      throw new RangeError(`rnn: state has ${state.length} numbers, expected ${this.model.H}`);
    this.model.hprev.set(Float64Array.from(state));
  }

  resetGen(): void {
    this.model.genH.fill(0);
  }
  forwardOne(x: number): FloatArray {
    return this.model.forwardOne(this.model.genH, x);
  }
  get genState(): Float64Array {
    return Float64Array.from(this.model.genH);
  }
  set genState(state: Float64Array) {
    this.model.genH.set(state);
  }
}
