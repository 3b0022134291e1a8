// ONNX export of a checkpoint's model (opset 17, float32 whatever the checkpoint's dtype), for runtimes
// that optimise ONNX's own recurrent operators: one RNN / LSTM / GRU node per layer.
//
//   inputs    input_ids int64 (batch, seq); h0 float32 (layers, batch, hidden); c0 likewise (LSTM)
//   outputs   logits float32 (batch, seq, V): the next character's, at every position; hn (and cn) the
//             states after the last position, to feed back as h0 (and c0) for streaming generation
//   metadata  format `charrnn-onnx`, model, layers, hidden, embedding, and vocab: the checkpoint's JSON
//             (code points in id order)
//
// The graph: input_ids -> Transpose (seq, batch) -> OneHot (V) or Gather from `embed` -> per layer the
// cell's op (layout 0: (seq, batch, in)), its Y squeezed to the next layer's input -> Transpose to
// (batch, seq, H) -> MatMul Why^T, Add by. Each layer's h0 (and c0) is a Split of the input along layers,
// and hn (cn) a Concat of the layers' Y_h (Y_c).
//
// charrnn keeps PyTorch's gate order (LSTM i,f,g,o; GRU r,z,n) and ONNX wants LSTM i,o,f,c and GRU z,r,h,
// so the gate blocks of W, R and B are reordered here. ONNX's B is [Wb, Rb]: Wb is charrnn's one bias
// (`l{k}.b`, or the GRU's `l{k}.bih`, into which PyTorch's b_hr and b_hz are folded), and Rb is zero but
// for the GRU's h block, `l{k}.bhn`: with linear_before_reset=1, h = tanh(Wh x + Wbh + r*(Rh h + Rbh)),
// PyTorch's n gate.
import { CharrnnError } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import { GATES, recurrentTensors } from '../models/recurrent.js';
import type { ModelKind } from '../models/types.js';
import { type Checkpoint, checkIsCheckpoint } from './format.js';
import { DataType, encodeModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './protobuf.js';

export const ONNX_FORMAT = 'charrnn-onnx';
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
const IR_VERSION = 8;

/** ONNX's gate blocks, each named by its index in charrnn's: LSTM i,o,f,c of i,f,g,o; GRU z,r,h of r,z,n. */
export const ONNX_GATE_ORDER: Readonly<Record<ModelKind, readonly number[]>> = {
  rnn: [0],
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
};

const OP_TYPE: Readonly<Record<ModelKind, string>> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** The model of `ck` as an ONNX ModelProto (opset 17): input_ids, h0 (and c0) in; logits, hn (and cn) out. */
export function exportOnnx(ck: Checkpoint): Uint8Array {
  checkIsCheckpoint(ck, 'exportOnnx');
  const { model: kind, layers: N, hidden: H, embedding: E } = ck.config;
  const V = ck.vocab.size;
  const lstm = kind === 'lstm';
  const p = readParams(ck);
  const init: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const node = (opType: string, inputs: string[], outputs: string[], attributes?: OnnxNode['attributes']) => {
    nodes.push({
      opType,
      name: `${opType}_${nodes.length}`,
      inputs,
      outputs,
      ...(attributes ? { attributes } : {}),
    });
  };
  const int64 = (name: string, values: number[]) => {
    init.push({ name, dims: [values.length], data: BigInt64Array.from(values, BigInt) });
    return name;
  };

  // the input of layer 0, (seq, batch, In): the one-hot symbol, or its row of the embedding
  node('Transpose', ['input_ids'], ['ids_tm'], [{ name: 'perm', ints: [1, 0] }]);
  if (E > 0) {
    init.push({ name: 'embed', dims: [V, E], data: f32(p('embed')) });
    node('Gather', ['embed', 'ids_tm'], ['x0'], [{ name: 'axis', int: 0 }]);
  } else {
    init.push({ name: 'onehot_values', dims: [2], data: Float32Array.of(0, 1) });
    node(
      'OneHot',
      ['ids_tm', int64('onehot_depth', [V]), 'onehot_values'],
      ['x0'],
      [{ name: 'axis', int: -1 }],
    );
  }

  // each layer's initial states: slices of h0 (and c0) along the layers
  const states = (name: string) => {
    if (N === 1) return [name];
    const parts = Array.from({ length: N }, (_, l) => `${name}_l${l}`);
    node('Split', [name], parts, [{ name: 'axis', int: 0 }]);
    return parts;
  };
  const h0 = states('h0');
  const c0 = lstm ? states('c0') : [];

  let x = 'x0';
  const hn: string[] = [];
  const cn: string[] = [];
  const GH = GATES[kind] * H;
  const axis1 = int64('axis1', [1]);
  for (let l = 0; l < N; l++) {
    const { W, R, B } = layerWeights(kind, H, p, l, l === 0 && E === 0);
    init.push(
      { name: `W${l}`, dims: [1, GH, W.length / GH], data: W },
      { name: `R${l}`, dims: [1, GH, H], data: R },
      { name: `B${l}`, dims: [1, 2 * GH], data: B },
    );
    const hOut = N === 1 ? 'hn' : `hn_l${l}`;
    const cOut = N === 1 ? 'cn' : `cn_l${l}`;
    const inputs = [x, `W${l}`, `R${l}`, `B${l}`, '', h0[l]];
    const outputs = [`y${l}`, hOut];
    if (lstm) {
      inputs.push(c0[l]);
      outputs.push(cOut);
    }
    const attributes = [{ name: 'hidden_size', int: H }];
    if (kind === 'gru') attributes.push({ name: 'linear_before_reset', int: 1 }); // PyTorch's n gate
    node(OP_TYPE[kind], inputs, outputs, attributes);
    hn.push(hOut);
    cn.push(cOut);
    x = `x${l + 1}`;
    node('Squeeze', [`y${l}`, axis1], [x]); // (seq, 1, batch, H) -> (seq, batch, H)
  }
  if (N > 1) {
    node('Concat', hn, ['hn'], [{ name: 'axis', int: 0 }]);
    if (lstm) node('Concat', cn, ['cn'], [{ name: 'axis', int: 0 }]);
  }

  // the decoder: logits (batch, seq, V) = top @ Why^T + by
  init.push({ name: 'WhyT', dims: [H, V], data: transpose(p('Why'), V, H) });
  init.push({ name: 'by', dims: [V], data: f32(p('by')) });
  node('Transpose', [x], ['top'], [{ name: 'perm', ints: [1, 0, 2] }]);
  node('MatMul', ['top', 'WhyT'], ['scores']);
  node('Add', ['scores', 'by'], ['logits']);

  const state = (name: string, doc: string): OnnxValueInfo => ({
    name,
    elemType: DataType.FLOAT,
    dims: [N, 'batch', H],
    doc,
  });
  const inputs: OnnxValueInfo[] = [
    {
      name: 'input_ids',
      elemType: DataType.INT64,
      dims: ['batch', 'seq'],
      doc: 'symbol ids (see the vocab metadata)',
    },
    state('h0', 'the hidden state of every layer (zeros to start)'),
  ];
  const outputs: OnnxValueInfo[] = [
    { name: 'logits', elemType: DataType.FLOAT, dims: ['batch', 'seq', V], doc: "the next symbol's logits" },
    state('hn', 'the hidden state after the last position (the next h0)'),
  ];
  if (lstm) {
    inputs.push(state('c0', 'the cell state of every layer (zeros to start)'));
    outputs.push(state('cn', 'the cell state after the last position (the next c0)'));
  }
  return encodeModel({
    irVersion: IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'charrnn',
    doc: `charrnn ${kind}, ${N} layer${N > 1 ? 's' : ''} of ${H}, ${E > 0 ? `embedding ${E}` : 'one-hot input'}, ${V} symbols`,
    graph: { name: `charrnn-${kind}`, nodes, initializers: init, inputs, outputs },
    metadata: {
      format: ONNX_FORMAT,
      model: kind,
      layers: String(N),
      hidden: String(H),
      embedding: String(E),
      vocab: JSON.stringify(ck.vocab.codePoints),
    },
  });
}

/** The checkpoint's parameters by name, each checked against the shape the model's config gives it. */
function readParams(ck: Checkpoint): (name: string) => FloatArray {
  const { model, hidden, layers, embedding, dtype } = ck.config;
  const shapes = new Map<string, readonly number[]>();
  const size = {
    vocabSize: ck.vocab.size,
    hidden,
    layers,
    embedding,
    batch: 1,
    seqLength: 1,
    dropout: 0,
    dtype,
  };
  for (const t of recurrentTensors(model, size)) shapes.set(t.name, t.shape);
  return (name) => {
    const t = ck.params.get(name);
    const shape = shapes.get(name)!;
    if (!t || t.dtype === 'I32' || t.shape.join(',') !== shape.join(',')) {
      throw new CharrnnError(
        `cannot export the checkpoint to ONNX: tensor '${name}' is ${t ? `${t.dtype} [${t.shape}]` : 'missing'}, expected [${shape}]`,
        'check the checkpoint, or save it again',
      );
    }
    return t.data as FloatArray;
  };
}

/**
 * One layer's ONNX weights: W (G·H, In) and R (G·H, H) with their gate blocks in ONNX's order, and B
 * (2·G·H) = [Wb, Rb]. A one-hot layer 0 stores its input weights transposed, (V, G·H): W is that transposed.
 */
function layerWeights(
  kind: ModelKind,
  H: number,
  p: (name: string) => FloatArray,
  l: number,
  oneHot: boolean,
) {
  const order = ONNX_GATE_ORDER[kind];
  const GH = order.length * H;
  const Wih = oneHot ? p('l0.WihT') : p(`l${l}.Wih`);
  const In = Wih.length / GH;
  const Win = oneHot ? transpose(Wih, In, GH) : f32(Wih);
  const bias = p(kind === 'gru' ? `l${l}.bih` : `l${l}.b`);
  const B = new Float32Array(2 * GH);
  B.set(reorderRows(bias, order, H, 1));
  if (kind === 'gru') B.set(f32(p(`l${l}.bhn`)), GH + 2 * H); // Rb's h block (z, r, h)
  return { W: reorderRows(Win, order, H, In), R: reorderRows(p(`l${l}.Whh`), order, H, H), B };
}

/** `a` (G·H, cols) with its gate blocks of H rows in `order` (block j of the result is block order[j] of a). */
function reorderRows(a: ArrayLike<number>, order: readonly number[], H: number, cols: number): Float32Array {
  const block = H * cols;
  const out = new Float32Array(order.length * block);
  order.forEach((from, j) => {
    for (let i = 0; i < block; i++) out[j * block + i] = a[from * block + i];
  });
  return out;
}

/** `a` (rows, cols) transposed, (cols, rows), as float32. */
function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
