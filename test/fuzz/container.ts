// The fuzzers' own view of a safetensors file, written independently of src/checkpoint/safetensors.ts so
// that mutations can make files the library's encoder never would: the raw parts (the 8-byte header size,
// the header text, the data), a header edited as JSON and written back with its size fixed, and the
// section boundaries (where the header and each tensor start and end) that truncations and bit flips aim at.

export interface RawFile {
  headerSize: number;
  header: Record<string, unknown>;
  data: Uint8Array;
}

const utf8 = new TextEncoder();

export function parseRaw(bytes: Uint8Array): RawFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)));
  return { headerSize, header, data: bytes.subarray(8 + headerSize) };
}

/** A file of this header text (its size written as `declared`, by default its length) and data. */
export function assemble(headerText: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const h = typeof headerText === 'string' ? utf8.encode(headerText) : headerText;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** The file with its header replaced by `header` serialized (data kept as it is). */
export function withHeader(raw: RawFile, header: unknown, data = raw.data): Uint8Array {
  return assemble(JSON.stringify(header), data);
}

/** A deep copy of a JSON value. */
export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** The tensor entries of a header, in data order: name, dtype, shape, offsets. */
export function entries(header: Record<string, unknown>) {
  const list: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    list.push({ name, dtype: e.dtype, shape: e.shape, begin: e.data_offsets[0], end: e.data_offsets[1] });
  }
  return list.sort((a, b) => a.begin - b.begin);
}

/** Every byte offset where one section of the file ends and the next begins. */
export function boundaries(bytes: Uint8Array): number[] {
  const raw = parseRaw(bytes);
  const start = 8 + raw.headerSize;
  const set = new Set<number>([0, 8, start, bytes.length]);
  for (const e of entries(raw.header)) {
    set.add(start + e.begin);
    set.add(start + e.end);
  }
  return [...set].sort((a, b) => a - b);
}

/** The metadata of a header (string values). */
export function metadataOf(header: Record<string, unknown>): Record<string, string> {
  return (header.__metadata__ ?? {}) as Record<string, string>;
}
