// The safetensors container: 8-byte little-endian header size, a JSON header, then raw little-endian
// tensors. Encoding and strict decoding of bytes only (no files here): every field of a file is
// checked before use, and a bad file is refused with one line that says what is wrong.
import { CharrnnError, shown, shownValue } from '../errors.js';
import { fileKind } from './sniff.js';

export type TensorDtype = 'F32' | 'F64' | 'I32';
export type TensorData = Float32Array | Float64Array | Int32Array;

export interface Tensor {
  dtype: TensorDtype;
  shape: number[];
  data: TensorData;
}

export interface SafeTensors {
  /** in file order */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const WIDTH: Record<TensorDtype, number> = { F32: 4, F64: 8, I32: 4 };
/** a header larger than this is not a charrnn checkpoint (safetensors itself caps it at 100 MB) */
const MAX_HEADER = 100_000_000;

export function dtypeOf(data: TensorData): TensorDtype {
  return data instanceof Float64Array ? 'F64' : data instanceof Float32Array ? 'F32' : 'I32';
}

export function encodeSafetensors(st: SafeTensors): Uint8Array {
  return concatBytes(safetensorsParts(st));
}

/**
 * The same file as `encodeSafetensors`, as its pieces in order: the header, then each tensor's bytes. On a
 * little-endian machine a tensor's piece is a view of its data, not a copy, so writing a large file costs no
 * second buffer of its size; the pieces are only valid while the tensors are unchanged.
 */
export function safetensorsParts(st: SafeTensors): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: st.metadata };
  let offset = 0;
  for (const [name, t] of st.tensors) {
    const bytes = t.data.length * WIDTH[t.dtype];
    if (product(t.shape) !== t.data.length) throw new Error(`tensor ${name}: shape does not match its data`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json8 = new TextEncoder().encode(JSON.stringify(header));
  // padded with spaces so that the tensor data is 8-byte aligned: counted in UTF-8 bytes, as the file is
  const size = json8.length + ((8 - (json8.length % 8)) % 8);
  const head = new Uint8Array(8 + size).fill(0x20, 8 + json8.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(size), true);
  head.set(json8, 8);
  return [head, ...[...st.tensors.values()].map((t) => littleEndianBytes(t.data))];
}

/** The pieces one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decodes and validates a safetensors file; `what` names it in errors (e.g. its path). */
export function decodeSafetensors(bytes: Uint8Array, what = 'the checkpoint'): SafeTensors {
  const bad = (problem: string, hint = 'check the path, or save it again') =>
    new CharrnnError(`${what} is not a valid charrnn checkpoint: ${problem}`, hint);
  // any realm's Uint8Array (a Node Buffer is one); an ArrayBuffer, say from fetch, would be a TypeError below
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw new CharrnnError(
      `${what} must be given as a Uint8Array of the file's bytes, got ${bytes instanceof ArrayBuffer ? 'an ArrayBuffer' : shownValue(bytes)}`,
      'wrap an ArrayBuffer as new Uint8Array(buffer)',
      'usage',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = bytes.length < 8 ? 0 : Number(view.getBigUint64(0, true));
  if (headerSize < 2 || headerSize > MAX_HEADER || 8 + headerSize > bytes.length) {
    // not a safetensors file: say what it looks like, else what does not fit
    const kind = fileKind(bytes);
    // another kind of file is not damaged: saving it again would not help
    if (kind) throw bad(`it is ${kind}`, 'give a checkpoint that charrnn train --save wrote');
    if (bytes.length < 8) throw bad(`it is ${bytes.length} bytes long, shorter than the 8-byte header size`);
    throw bad(`its header size ${headerSize} does not fit in a file of ${bytes.length} bytes (truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerSize)));
  } catch {
    throw bad('its header is not valid JSON');
  }
  if (!isRecord(header)) throw bad('its header is not a JSON object');
  const dataStart = 8 + headerSize;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(entry)) throw bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw bad(`metadata '${shown(k)}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const named = `tensor '${shown(name)}'`;
    if (!isRecord(entry)) throw bad(`${named} has no description`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (dtype !== 'F32' && dtype !== 'F64' && dtype !== 'I32')
      throw bad(
        `${named} has dtype ${typeof dtype === 'string' ? shown(dtype) : shownValue(dtype)}, not one of F32, F64, I32`,
      );
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`${named} has an invalid shape`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLength
    ) {
      throw bad(`${named} has data offsets outside the file (truncated?)`);
    }
    const [begin, end] = offsets as [number, number];
    const count = product(shape as number[]);
    if (end - begin !== count * WIDTH[dtype]) throw bad(`${named}: its data size does not match its shape`);
    spans.push([begin, end, name]);
    tensors.set(name, {
      dtype,
      shape: shape as number[],
      data: readLittleEndian(bytes, dataStart + begin, count, dtype),
    });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== covered) throw bad(`tensor '${shown(name)}' overlaps another or leaves a gap`);
    covered = end;
  }
  if (covered !== dataLength) throw bad(`${dataLength - covered} bytes after the last tensor`);
  return { tensors, metadata };
}

/** A shape as a message shows it: at most 8 dimensions. */
export function shownShape(shape: readonly number[]): string {
  return shape.length > 8 ? `[${shape.slice(0, 8)},… (${shape.length} dimensions)]` : `[${shape}]`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The data's bytes in little-endian order: a view of them on a little-endian machine, else a swapped copy. */
function littleEndianBytes(data: TensorData): Uint8Array {
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN) return src;
  const out = new Uint8Array(src.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < src.length; i += w) for (let b = 0; b < w; b++) out[i + b] = src[i + w - 1 - b];
  return out;
}

function readLittleEndian(bytes: Uint8Array, at: number, count: number, dtype: TensorDtype): TensorData {
  const w = WIDTH[dtype];
  const copy = new Uint8Array(count * w); // a fresh, aligned buffer (slice would share a Node Buffer's)
  copy.set(bytes.subarray(at, at + count * w));
  if (!LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += w) copy.subarray(i, i + w).reverse();
  return dtype === 'F64'
    ? new Float64Array(copy.buffer)
    : dtype === 'F32'
      ? new Float32Array(copy.buffer)
      : new Int32Array(copy.buffer);
}
