// ONNX's ModelProto in protobuf's wire format, written without a protobuf library: a byte writer (varints,
// tags, length-delimited fields, little-endian raw data) and one encoder per message the exporter uses,
// with the field numbers of onnx/onnx.proto (proto2; its repeated ints are not declared packed, so they are
// written one field each). Only writing, and only the fields charrnn needs:
//
//   ModelProto            ir_version 1, producer_name 2, doc_string 6, graph 7,
//                         opset_import 8, metadata_props 14
//   OperatorSetIdProto    domain 1, version 2
//   StringStringEntry     key 1, value 2
//   GraphProto            node 1, name 2, initializer 5, input 11, output 12
//   NodeProto             input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto        name 1, i 3, ints 8, type 20 (INT 2, INTS 7)
//   TensorProto           dims 1, data_type 2, name 8, raw_data 9 (fixed-width little-endian)
//   ValueInfoProto        name 1, type 2, doc_string 3
//   TypeProto             tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1 | dim_param 2
//
// Browser-safe: Uint8Array, DataView and TextEncoder only.

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** A constant tensor (an initializer): float32 or int64 values, row-major. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** A node attribute: one int or a list of ints (all that charrnn's graph needs). */
export type OnnxAttribute = { name: string; int: number } | { name: string; ints: readonly number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  /** value names; '' leaves an optional input out */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

/** A graph input or output: a tensor whose dims are sizes or symbolic names (dynamic). */
export interface OnnxValueInfo {
  name: string;
  elemType: DataType;
  dims: readonly (number | string)[];
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** the version of the default ('ai.onnx') operator set */
  opset: number;
  producerName: string;
  doc?: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

// ---- the wire format ----

const VARINT = 0;
const LENGTH_DELIMITED = 2;

const utf8 = new TextEncoder();

/** A growing byte buffer with protobuf's field writers. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  /** An unsigned varint; a negative int64 is its 64-bit two's complement (ten bytes), as protobuf has it. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: ${v} is not a safe integer`);
    if (v < 0) {
      let u = BigInt.asUintN(64, BigInt(v));
      this.reserve(10);
      while (u >= 0x80n) {
        this.buf[this.length++] = Number(u & 0x7fn) | 0x80;
        u >>= 7n;
      }
      this.buf[this.length++] = Number(u);
      return;
    }
    this.reserve(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An int32/int64/enum field. */
  int(field: number, v: number): void {
    this.tag(field, VARINT);
    this.varint(v);
  }

  /** A bytes field, or an embedded message already encoded. */
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  /** An embedded message, written by `write` into a writer of its own. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const w = new ProtoWriter();
    write(w);
    this.bytes(field, w.finish());
  }

  /** A bytes field holding `data` as fixed-width little-endian values (TensorProto.raw_data). */
  rawLittleEndian(field: number, data: Float32Array | BigInt64Array): void {
    const n = data.byteLength;
    this.tag(field, LENGTH_DELIMITED);
    this.varint(n);
    this.reserve(n);
    const at = this.length;
    if (data instanceof Float32Array)
      for (let i = 0; i < data.length; i++) this.view.setFloat32(at + 4 * i, data[i], true);
    else for (let i = 0; i < data.length; i++) this.view.setBigInt64(at + 8 * i, data[i], true);
    this.length += n;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

// ---- ONNX's messages ----

const AttributeType = { INT: 2, INTS: 7 } as const;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new RangeError(`onnx: tensor '${t.name}' has ${t.data.length} values for dims [${t.dims}]`);
  }
  for (const d of t.dims) w.int(1, d); // repeated int64, unpacked as onnx.proto (proto2) declares it
  w.int(2, t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64);
  w.string(8, t.name);
  w.rawLittleEndian(9, t.data);
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if ('int' in a) {
    w.int(20, AttributeType.INT);
    w.int(3, a.int);
  } else {
    w.int(20, AttributeType.INTS);
    for (const v of a.ints) w.int(8, v);
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const x of n.inputs) w.string(1, x);
  for (const y of n.outputs) w.string(2, y);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (m) => writeAttribute(m, a));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.dims) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
  if (v.doc) w.string(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** The ModelProto file of `model`. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  if (model.doc !== undefined) w.string(6, model.doc);
  w.message(7, (m) => writeGraph(m, model.graph));
  w.message(8, (m) => {
    m.string(1, ''); // the default operator set, ai.onnx
    m.int(2, model.opset);
  });
  for (const [key, value] of Object.entries(model.metadata)) {
    w.message(14, (m) => {
      m.string(1, key);
      m.string(2, value);
    });
  }
  return w.finish();
}
