// Structured mutations of a valid safetensors file (a charrnn checkpoint or a PyTorch-layout file): each
// makes one kind of damage the issue lists, named, so that a failure says what was done. Raw ones work on
// bytes (the header size, truncation and bit flips at section boundaries, random flips); header ones edit
// the JSON (offsets, shapes, dtypes, entries, nesting, size); metadata ones give fields wrong types and
// out-of-range values; data ones write NaN, infinities and other edge values into tensors or change
// their dtype, shape and size with a consistent header. The fuzz targets add their own on top.
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/checkpoint/safetensors.js';
import { OPTIONS } from '../../src/training/config.js';
import { assemble, boundaries, clone, entries, parseRaw, type RawFile, withHeader } from './container.js';
import type { Rand } from './random.js';

export interface Mutant {
  bytes: Uint8Array;
  mutation: string;
}

type Mutator = (rand: Rand, bytes: Uint8Array) => Mutant;

/** Placeholder for a deeply nested value: JSON.stringify cannot write one (it recurses), so it is spliced in. */
const DEEP = '\u0001deep\u0001';

function deepText(rand: Rand): string {
  const depth = rand.pick([1000, 100_000, 1_000_000]);
  return rand.chance(0.5)
    ? '['.repeat(depth) + ']'.repeat(depth)
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** JSON text of `value` with any DEEP placeholder replaced by deep nesting. */
function stringify(rand: Rand, value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes(JSON.stringify(DEEP)) ? text.split(JSON.stringify(DEEP)).join(deepText(rand)) : text;
}

/** Values of every wrong type and at the edges of ranges, for any JSON field. */
const ODD_VALUES: unknown[] = [
  -1,
  0,
  1,
  2,
  1.5,
  -0.5,
  1e9,
  1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  16384,
  65536,
  100_000,
  '8',
  '',
  'NaN',
  'Infinity',
  '-Infinity',
  'abc',
  'rnn\nsecond line',
  '\u0000',
  null,
  true,
  false,
  [],
  [1, 2],
  {},
  { a: 1 },
  'x'.repeat(5000),
  DEEP,
];

/** Values for a config key: its range's edges and beyond, its choices, and odd values. */
function configValues(key: string): unknown[] {
  const spec = OPTIONS.find((s) => s.key === key);
  if (!spec) return ODD_VALUES;
  const own: unknown[] = [];
  if (spec.min !== undefined) own.push(spec.min, spec.min - 1, spec.min + 0.5);
  if (spec.max !== undefined) own.push(spec.max, spec.max + 1, spec.max * 1000);
  if (spec.choices) own.push(...spec.choices, `${spec.choices[0]}x`, spec.choices[0]!.toUpperCase());
  if (spec.infinity) own.push('Infinity', 'off');
  return [...own, ...own, ...ODD_VALUES];
}

// ---- raw bytes ----

const setHeaderSize: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const n = raw.headerSize;
  const size = rand.pick<bigint>([
    0n,
    1n,
    2n,
    BigInt(n - 1),
    BigInt(n + 1),
    BigInt(bytes.length - 8),
    BigInt(bytes.length - 7),
    BigInt(bytes.length),
    100_000_000n,
    100_000_001n,
    2n ** 32n,
    2n ** 40n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
    BigInt(rand.u32()),
  ]);
  const out = bytes.slice();
  new DataView(out.buffer).setBigUint64(0, size, true);
  return { bytes: out, mutation: `header size ${size}` };
};

const truncateAtBoundary: Mutator = (rand, bytes) => {
  const at = Math.max(0, Math.min(bytes.length - 1, rand.pick(boundaries(bytes)) + rand.range(-3, 3)));
  return { bytes: bytes.slice(0, at), mutation: `truncated to ${at} bytes` };
};

const flipAtBoundary: Mutator = (rand, bytes) => {
  const out = bytes.slice();
  const at = Math.max(0, Math.min(out.length - 1, rand.pick(boundaries(bytes)) + rand.range(-8, 8)));
  const bit = rand.int(8);
  out[at]! ^= 1 << bit;
  return { bytes: out, mutation: `bit ${bit} of byte ${at} flipped (at a boundary)` };
};

const randomFlips: Mutator = (rand, bytes) => {
  const out = bytes.slice();
  const n = rand.range(1, 16);
  const headerEnd = 8 + parseRaw(bytes).headerSize;
  const where: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = rand.chance(0.5) ? rand.int(headerEnd) : rand.int(out.length);
    out[at] = rand.chance(0.5) ? out[at]! ^ (1 << rand.int(8)) : rand.int(256);
    where.push(at);
  }
  return { bytes: out, mutation: `${n} random bytes changed at ${where.slice(0, 4).join(',')}…` };
};

const appendBytes: Mutator = (rand, bytes) => {
  const extra = rand.bytes(rand.pick([1, 3, 8, 64]));
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return { bytes: out, mutation: `${extra.length} bytes appended` };
};

// ---- the header as text ----

const truncateHeaderText: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + raw.headerSize));
  const cut = rand.int(text.length);
  // either the size fits the shorter text, or it still claims the old length (the data moves up)
  const fixed = rand.chance(0.5);
  return {
    bytes: assemble(text.slice(0, cut), raw.data, fixed ? undefined : BigInt(raw.headerSize)),
    mutation: `header text cut at ${cut}${fixed ? '' : ' (size not fixed)'}`,
  };
};

const replaceHeader: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const texts = [
    '[]',
    'null',
    '"x"',
    '1',
    'true',
    '{}',
    '{"__metadata__":{}}',
    '{"__metadata__":[]}',
    '{"__metadata__":{"format":1}}',
    '\ufeff{}',
    '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
    ' '.repeat(64),
    '{'.repeat(50),
    deepText(rand),
  ];
  const text = rand.pick(texts);
  return {
    bytes: assemble(text, raw.data),
    mutation: `header replaced by ${JSON.stringify(text.slice(0, 30))}`,
  };
};

const invalidUtf8Header: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const h = bytes.slice(8, 8 + raw.headerSize);
  const at = rand.int(h.length);
  h[at] = rand.pick([0x80, 0xc0, 0xff, 0xed, 0xf5]);
  return { bytes: assemble(h, raw.data), mutation: `header byte ${at} is not UTF-8` };
};

const paddedHeader: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + raw.headerSize));
  const pad = ' '.repeat(rand.pick([1, 7, 4096, 300_000]));
  return {
    bytes: assemble(rand.chance(0.5) ? pad + text : text + pad, raw.data),
    mutation: `header padded with ${pad.length} spaces`,
  };
};

// ---- the header as JSON: tensor entries ----

function tensorEdit(rand: Rand, raw: RawFile): { header: Record<string, unknown>; what: string } {
  const header = clone(raw.header);
  const list = entries(header);
  const e = rand.pick(list);
  const entry = header[e.name] as Record<string, unknown>;
  const dataLength = raw.data.length;
  const kind = rand.int(12);
  switch (kind) {
    case 0: {
      const dtype = rand.pick<unknown>([
        'F16',
        'BF16',
        'F8_E4M3',
        'I64',
        'U8',
        'BOOL',
        'f32',
        'F32 ',
        42,
        null,
        'I32',
      ]);
      entry.dtype = dtype;
      return { header, what: `tensor ${e.name} dtype ${JSON.stringify(dtype)}` };
    }
    case 1: {
      const shape = rand.pick<unknown>([
        [2 ** 26, 2 ** 26, 2 ** 26],
        [2 ** 53 - 1, 2],
        [2 ** 53 - 1, 2 ** 53 - 1],
        [2 ** 31, 2 ** 31, 4],
        [0, 2 ** 52],
        [-1],
        [-1, -e.shape.reduce((a, b) => a * b, 1)],
        [1.5],
        ['3'],
        [null],
        [],
        null,
        'x',
        {},
        [2 ** 64],
        [1e308, 1e308],
        [...e.shape, 0],
        [...e.shape, ...new Array<number>(5000).fill(1)],
        [DEEP],
      ]);
      entry.shape = shape;
      return { header, what: `tensor ${e.name} shape ${JSON.stringify(shape)?.slice(0, 40)}` };
    }
    case 2: {
      // a shape of the same size, other dimensions
      const n = e.shape.reduce((a, b) => a * b, 1);
      const shape = rand.pick([[n], [1, n], [n, 1], [...e.shape].reverse(), [...e.shape, 1]]);
      entry.shape = shape;
      return { header, what: `tensor ${e.name} reshaped to [${shape}]` };
    }
    case 3: {
      // overlapping: start inside the previous tensor, or share another's span
      const other = rand.pick(list);
      const offsets = rand.chance(0.5)
        ? [other.begin, other.begin + (e.end - e.begin)]
        : [Math.max(0, e.begin - 4), e.end - 4];
      entry.data_offsets = offsets;
      return { header, what: `tensor ${e.name} offsets ${offsets} (overlap)` };
    }
    case 4: {
      entry.data_offsets = [e.end, e.begin];
      return { header, what: `tensor ${e.name} offsets backwards` };
    }
    case 5: {
      const past = rand.pick([1, 4, 8, 2 ** 32, 2 ** 53]);
      entry.data_offsets = rand.chance(0.5)
        ? [e.begin, dataLength + past]
        : [dataLength + past, dataLength + past + 4];
      return { header, what: `tensor ${e.name} offsets past the end by ${past}` };
    }
    case 6: {
      const offsets = rand.pick<unknown>([
        [-4, e.end],
        [e.begin + 0.5, e.end],
        [String(e.begin), e.end],
        [e.begin],
        [e.begin, e.end, e.end],
        null,
        [2 ** 53, 2 ** 53 + 4],
        [1e308, 1e308],
        [e.begin, null],
      ]);
      entry.data_offsets = offsets;
      return { header, what: `tensor ${e.name} offsets ${JSON.stringify(offsets)}` };
    }
    case 7: {
      delete header[e.name];
      return { header, what: `tensor ${e.name} entry removed` };
    }
    case 8: {
      const name = rand.pick([
        'extra',
        'optim.bogus',
        'optim.m',
        'optim.mem',
        'optim.v',
        'l7.Whh',
        'embed',
        'state',
        'Why',
        'rnn.weight_hh_l0',
        'rnn.weight_hh_l3',
        'decoder.weight',
        'bad\nname',
        'x'.repeat(3000),
        '__proto__',
        'constructor',
        '',
      ]);
      const value = header[e.name];
      delete header[e.name];
      header[name] = value;
      return { header, what: `tensor ${e.name} renamed ${JSON.stringify(name.slice(0, 20))}` };
    }
    case 9: {
      header[e.name] = rand.pick<unknown>([null, [], 'x', 1, {}, { dtype: 'F32' }, DEEP]);
      return { header, what: `tensor ${e.name} entry replaced` };
    }
    case 10: {
      // an extra empty tensor (no bytes, so nothing overlaps)
      const name = rand.pick(['extra', 'optim.extra', 'l0.Wih', 'embed', 'rnn.bias_ih_l9', 'state2']);
      header[name] = { dtype: 'F32', shape: [0], data_offsets: [dataLength, dataLength] };
      return { header, what: `empty tensor ${name} added` };
    }
    default: {
      // every entry's offsets shifted, so the first leaves a gap
      for (const x of list) {
        (header[x.name] as Record<string, unknown>).data_offsets = [x.begin + 4, x.end + 4];
      }
      return { header, what: 'all offsets shifted by 4' };
    }
  }
}

const editTensorEntry: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const { header, what } = tensorEdit(rand, raw);
  return { bytes: assemble(stringify(rand, header), raw.data), mutation: what };
};

const declaredHuge: Mutator = (rand, bytes) => {
  // a header that claims more than the 100 MB safetensors allows, the bytes not there
  const raw = parseRaw(bytes);
  const out = withHeader(raw, raw.header);
  const size = rand.pick([100_000_001n, 100_000_008n, 1n << 33n]);
  new DataView(out.buffer).setBigUint64(0, size, true);
  return { bytes: out, mutation: `header size ${size} declared (over 100 MB)` };
};

// ---- metadata ----

/** Mutates one value of a JSON object (delete it, or set it to an odd value). */
function mutateObject(
  rand: Rand,
  obj: Record<string, unknown>,
  valuesFor: (key: string) => unknown[],
): string {
  const keys = Object.keys(obj);
  const r = rand.int(10);
  if (r === 0 && keys.length > 0) {
    const k = rand.pick(keys);
    delete obj[k];
    return `${k} removed`;
  }
  if (r === 1) {
    const k = rand.pick(['bogus', '__proto__', 'constructor', 'toString', 'eps', 'HIDDEN']);
    obj[k] = rand.pick(ODD_VALUES);
    return `${k} added`;
  }
  const k = keys.length > 0 ? rand.pick(keys) : 'x';
  const v = rand.pick(valuesFor(k));
  obj[k] = v;
  return `${k} = ${JSON.stringify(v)?.slice(0, 30)}`;
}

function mutateRng(rand: Rand, rng: unknown): string {
  if (rand.chance(0.1)) return 'replaced';
  const s = rng as { mt: unknown[]; pos: unknown; hasGauss: unknown; gauss: unknown };
  switch (rand.int(6)) {
    case 0: {
      const n = rand.pick([0, 1, 623, 625, 1248]);
      s.mt = Array.from({ length: n }, (_, i) => (s.mt[i % 624] as number) ?? 0);
      return `mt of length ${n}`;
    }
    case 1: {
      const i = rand.int(624);
      const v = rand.pick<unknown>([-1, 2 ** 32, 1.5, 'NaN', null, '1', 0xffffffff, 0]);
      s.mt[i] = v;
      return `mt[${i}] = ${JSON.stringify(v)}`;
    }
    case 2: {
      const v = rand.pick<unknown>([-1, 625, 624, 0, 1.5, '3', null, 'NaN']);
      s.pos = v;
      return `pos = ${JSON.stringify(v)}`;
    }
    case 3: {
      const v = rand.pick<unknown>(['true', 1, null, 0, true, false]);
      s.hasGauss = v;
      return `hasGauss = ${JSON.stringify(v)}`;
    }
    case 4: {
      const v = rand.pick<unknown>(['NaN', 'Infinity', '-Infinity', null, '0.5', 1e308, -0, true]);
      s.gauss = v;
      s.hasGauss = true;
      return `gauss = ${JSON.stringify(v)}`;
    }
    default: {
      const k = rand.pick(['mt', 'pos', 'hasGauss', 'gauss']);
      delete (s as Record<string, unknown>)[k];
      return `${k} removed`;
    }
  }
}

function mutateVocab(rand: Rand, vocab: number[]): { value: unknown; what: string } {
  const v = [...vocab];
  switch (rand.int(11)) {
    case 0:
      v.push(Math.max(...v) + 1);
      return { value: v, what: 'one symbol more' };
    case 1:
      v.pop();
      return { value: v, what: 'one symbol less' };
    case 2: {
      const x = rand.pick<unknown>([-1, 0x110000, 0xd800, 0xdfff, 1.5, '65', null, 2 ** 53, [65]]);
      v[rand.int(v.length)] = x as number;
      return { value: v, what: `a symbol ${JSON.stringify(x)}` };
    }
    case 3:
      return { value: v.reverse(), what: 'reversed' };
    case 4:
      v[1] = v[0]!;
      return { value: v, what: 'a duplicate' };
    case 5:
      return { value: [], what: 'empty' };
    case 6:
      return { value: rand.pick<unknown>([null, 'abc', {}, 42, DEEP]), what: 'not a list' };
    case 7: {
      const n = rand.pick([70_000, 300_000]);
      return { value: Array.from({ length: n }, (_, i) => i), what: `${n} symbols` };
    }
    case 8: {
      // a surrogate in sorted position
      const out = v.filter((c) => c < 0xd800);
      out.push(0xd800);
      return { value: out.slice(-v.length), what: 'a surrogate, same size' };
    }
    case 9: {
      // same size, other symbols (still sorted): loads and samples other characters
      return { value: v.map((c, i) => 0x4e00 + i + (c % 1)), what: 'other symbols, same size' };
    }
    default:
      v[rand.int(v.length)]! += rand.pick([-1, 1]);
      return { value: v, what: 'a symbol moved by one' };
  }
}

const PROGRESS_VALUES: unknown[] = [
  -1,
  0,
  1.5,
  2 ** 53,
  2 ** 53 - 1,
  1e308,
  'NaN',
  'Infinity',
  '-Infinity',
  '5',
  null,
  true,
  -0,
  ...ODD_VALUES,
];

const editMetadata: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const header = clone(raw.header);
  const meta = (header.__metadata__ ?? {}) as Record<string, unknown>;
  header.__metadata__ = meta;
  const keys = Object.keys(meta);
  const key = rand.chance(0.1)
    ? rand.pick(['dropoutRngs', 'trainer', 'format', 'version', 'model', 'vocab', 'bogus'])
    : rand.pick(keys);
  const text = typeof meta[key] === 'string' ? (meta[key] as string) : undefined;
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  let what: string;
  const r = rand.int(10);
  if (r === 0) {
    delete meta[key];
    what = 'removed';
  } else if (r === 1) {
    meta[key] = rand.pick<unknown>([1, null, [], {}, true]);
    what = `not a string: ${JSON.stringify(meta[key])}`;
  } else if (r === 2 || parsed === undefined || typeof parsed !== 'object' || parsed === null) {
    const v = rand.pick<unknown>([
      ...ODD_VALUES,
      '2',
      '1',
      '3',
      '02',
      '2.0',
      ' 2',
      'charrnn-checkpoint',
      'charrnn-torch',
      'lstm',
      'gru',
      'rnn',
      'recipe',
    ]);
    meta[key] = typeof v === 'string' && v !== DEEP ? v : stringify(rand, v);
    what = `= ${JSON.stringify(meta[key]).slice(0, 40)}`;
  } else if (key === 'vocab' && Array.isArray(parsed)) {
    const m = mutateVocab(rand, parsed as number[]);
    meta[key] = stringify(rand, m.value);
    what = m.what;
  } else if (key === 'rng') {
    what = mutateRng(rand, parsed);
    meta[key] = what === 'replaced' ? stringify(rand, rand.pick(ODD_VALUES)) : JSON.stringify(parsed);
  } else if (key === 'dropoutRngs' && Array.isArray(parsed)) {
    const r2 = rand.int(4);
    if (r2 === 0) parsed.length = 0;
    else if (r2 === 1) parsed.push(...Array.from({ length: rand.pick([1, 7, 300]) }, () => parsed[0]));
    else if (r2 === 2) parsed[0] = rand.pick(ODD_VALUES);
    else mutateRng(rand, parsed[rand.int(parsed.length)]);
    what = `list edit ${r2}`;
    meta[key] = stringify(rand, parsed);
  } else if (Array.isArray(parsed)) {
    // v1's hprev and the like
    const i = rand.int(parsed.length + 1);
    parsed[i] = rand.pick(PROGRESS_VALUES);
    if (rand.chance(0.3)) parsed.pop();
    what = `[${i}] = ${JSON.stringify(parsed[i])?.slice(0, 20)}`;
    meta[key] = stringify(rand, parsed);
  } else {
    const obj = parsed as Record<string, unknown>;
    const n = rand.chance(0.2) ? rand.range(2, 4) : 1;
    const parts: string[] = [];
    for (let i = 0; i < n; i++)
      parts.push(mutateObject(rand, obj, key === 'config' ? configValues : () => PROGRESS_VALUES));
    what = parts.join(', ');
    meta[key] = stringify(rand, obj);
  }
  return { bytes: withHeader(raw, header), mutation: `metadata ${key}: ${what}` };
};

/** A config edit that keeps the tensors: a size claimed bigger than the tensors (a huge model from a small file). */
const claimHugeModel: Mutator = (rand, bytes) => {
  const raw = parseRaw(bytes);
  const header = clone(raw.header);
  const meta = header.__metadata__ as Record<string, string>;
  if (meta.config === undefined) return editMetadata(rand, bytes);
  const config = JSON.parse(meta.config) as Record<string, unknown>;
  const claims: [string, number][] = [
    ['hidden', 16384],
    ['hidden', 4096],
    ['layers', 64],
    ['embedding', 16384],
    ['batch', 65536],
    ['seqLength', 100_000],
    ['hidden', 100_000],
    ['hidden', 1e9],
  ];
  const parts: string[] = [];
  for (let i = rand.range(1, 3); i > 0; i--) {
    const [k, v] = rand.pick(claims);
    config[k] = v;
    parts.push(`${k} ${v}`);
  }
  meta.config = JSON.stringify(config);
  return { bytes: withHeader(raw, header), mutation: `config claims ${parts.join(', ')}` };
};

// ---- tensor data, with a consistent header ----

function decoded(bytes: Uint8Array) {
  return decodeSafetensors(bytes);
}

const EDGE_VALUES = [Number.NaN, Infinity, -Infinity, -0, 3.4e38, -3.4e38, 1e-45, 1e300, -1, 1e10];

const oddValueInTensor: Mutator = (rand, bytes) => {
  const st = decoded(bytes);
  const names = [...st.tensors.keys()].filter((n) => st.tensors.get(n)!.data.length > 0);
  const name = rand.pick(names);
  const t = st.tensors.get(name)!;
  const data = t.data.slice();
  const i = rand.int(data.length);
  const v = rand.pick(EDGE_VALUES);
  data[i] = v;
  if (rand.chance(0.2)) data.fill(v);
  st.tensors.set(name, { ...t, data });
  return { bytes: encodeSafetensors(st), mutation: `tensor ${name}[${i}] = ${v}` };
};

const nanPayload: Mutator = (rand, bytes) => {
  // a NaN with other payload bits (and a signalling one), written straight into the bytes
  const raw = parseRaw(bytes);
  const list = entries(raw.header).filter((e) => e.end > e.begin && e.dtype !== 'I32');
  const e = rand.pick(list);
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const start = 8 + raw.headerSize + e.begin;
  const width = e.dtype === 'F64' ? 8 : 4;
  const at = start + width * rand.int((e.end - e.begin) / width);
  if (width === 4)
    view.setUint32(at, rand.pick([0x7f800001, 0xffc00000, 0x7fbfffff, 0x7f800000, 0xff800000]), true);
  else
    view.setBigUint64(at, rand.pick([0x7ff0000000000001n, 0xfff8000000000000n, 0x7ff0000000000000n]), true);
  return { bytes: out, mutation: `raw NaN/Inf bits in ${e.name}` };
};

const retypeTensor: Mutator = (rand, bytes) => {
  const st = decoded(bytes);
  const name = rand.pick([...st.tensors.keys()]);
  const t = st.tensors.get(name)!;
  const dtype = rand.pick(['F32', 'F64', 'I32'] as const);
  const data =
    dtype === 'F64'
      ? Float64Array.from(t.data)
      : dtype === 'F32'
        ? Float32Array.from(t.data)
        : Int32Array.from(t.data);
  st.tensors.set(name, { dtype, shape: t.shape, data });
  return { bytes: encodeSafetensors(st), mutation: `tensor ${name} as ${dtype}` };
};

const resizeTensor: Mutator = (rand, bytes) => {
  const st = decoded(bytes);
  const name = rand.pick([...st.tensors.keys()]);
  const t = st.tensors.get(name)!;
  const delta = rand.pick([-1, 1, -t.data.length, t.data.length, 7]);
  const n = Math.max(0, t.data.length + delta);
  const data = new (t.data.constructor as Float64ArrayConstructor)(n);
  data.set(t.data.subarray(0, Math.min(n, t.data.length)));
  st.tensors.set(name, { dtype: t.dtype, shape: t.shape.length <= 1 ? [n] : [1, n], data } as Tensor);
  return { bytes: encodeSafetensors(st), mutation: `tensor ${name} resized to ${n}` };
};

const dropOrAddTensor: Mutator = (rand, bytes) => {
  const st = decoded(bytes);
  if (rand.chance(0.5)) {
    const name = rand.pick([...st.tensors.keys()]);
    st.tensors.delete(name);
    return { bytes: encodeSafetensors(st), mutation: `tensor ${name} removed` };
  }
  const like = rand.pick([...st.tensors.values()]);
  const name = rand.pick([
    'optim.m',
    'optim.v',
    'optim.mem',
    'optim.ms',
    'optim.bogus',
    'extra',
    'l3.Whh',
    'state',
  ]);
  st.tensors.set(name, like);
  return { bytes: encodeSafetensors(st), mutation: `tensor ${name} added (a copy)` };
};

const swapTensors: Mutator = (rand, bytes) => {
  const st = decoded(bytes);
  const names = [...st.tensors.keys()];
  const a = rand.pick(names);
  const b = rand.pick(names);
  const ta = st.tensors.get(a)!;
  st.tensors.set(a, st.tensors.get(b)!);
  st.tensors.set(b, ta);
  return { bytes: encodeSafetensors(st), mutation: `tensors ${a} and ${b} swapped` };
};

/** The mutators with their weights. */
export const MUTATORS: readonly (readonly [number, string, Mutator])[] = [
  [3, 'header size', setHeaderSize],
  [1, 'header declared over 100 MB', declaredHuge],
  [4, 'truncated at a boundary', truncateAtBoundary],
  [4, 'bit flip at a boundary', flipAtBoundary],
  [6, 'random byte flips', randomFlips],
  [1, 'bytes appended', appendBytes],
  [2, 'header text truncated', truncateHeaderText],
  [2, 'header replaced', replaceHeader],
  [1, 'header not UTF-8', invalidUtf8Header],
  [1, 'header padded', paddedHeader],
  [10, 'tensor entry edited', editTensorEntry],
  [14, 'metadata edited', editMetadata],
  [3, 'config claims a huge model', claimHugeModel],
  [6, 'odd value in a tensor', oddValueInTensor],
  [2, 'NaN bits in a tensor', nanPayload],
  [2, 'tensor retyped', retypeTensor],
  [2, 'tensor resized', resizeTensor],
  [2, 'tensor dropped or added', dropOrAddTensor],
  [2, 'tensors swapped', swapTensors],
];

/** One to three mutations of a valid file (a later one applies to what the earlier made, while it parses). */
export function mutate(rand: Rand, bytes: Uint8Array): Mutant {
  const n = rand.weighted([
    [6, 1],
    [2, 2],
    [1, 3],
  ]);
  let current: Mutant = { bytes, mutation: '' };
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const [, name, f] = rand.weighted(MUTATORS.map((m) => [m[0], m] as const));
    let next: Mutant;
    try {
      next = f(rand, current.bytes);
    } catch {
      break; // the file no longer parses for this mutator: keep what there is
    }
    names.push(`${name}: ${next.mutation}`);
    current = next;
  }
  return { bytes: current.bytes, mutation: names.join(' + ') || 'none' };
}
