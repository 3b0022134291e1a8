// Version-1 checkpoints, as the first release wrote them, read into the one in-memory `Checkpoint`.
// That release had two schemas under one version number:
//  - the seed's (no `trainer` key): tensors Wxh (H,V), Whh, Why, bh, by and their Adagrad memories
//    mWxh..mby; metadata config (hidden, seqLength, lr, clip, eps, sampleEvery, sampleLength, seed,
//    dtype; an Infinity clip was written as null), iter, pointer, smoothLoss, hprev, rng;
//  - the recipes' (`trainer` `recipe`): the model's tensors (for `rnn` the seed's names and order),
//    `optim.*`, `state`; metadata config (Infinity written as "Infinity"), iter, smoothLoss, bestValLoss,
//    trainSeconds, optimizerSteps, rng, dropoutRngs.
// Both become a version-2 model: the seed's Wxh is stored transposed as l0.WihT, bh is l0.b, and the
// settings version 1 did not have take the values that release ran with.
import { shown } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import { recurrentTensors } from '../models/recurrent.js';
import type { TensorInfo } from '../models/types.js';
import type { TrainConfig } from '../training/config.js';
import { findPreset } from '../training/presets.js';
import type { Checkpoint, MetaReader } from './format.js';
import { shownShape, type Tensor } from './safetensors.js';

/** The seed's tensor names in its flat order, and their v2 names. */
const SEED_NAMES = [
  ['Wxh', 'l0.WihT'],
  ['Whh', 'l0.Whh'],
  ['Why', 'Why'],
  ['bh', 'l0.b'],
  ['by', 'by'],
] as const;

/** The settings of the seed's version-1 config. */
const SEED_SETTINGS = [
  'hidden',
  'seqLength',
  'lr',
  'clip',
  'eps',
  'sampleEvery',
  'sampleLength',
  'seed',
  'dtype',
];

export function readV1(r: MetaReader): Checkpoint {
  return r.meta.trainer === 'recipe' ? readRecipe(r) : readSeed(r);
}

function readSeed(r: MetaReader): Checkpoint {
  if (r.meta.model !== 'rnn') throw r.bad(`model type '${shown(String(r.meta.model))}' is not supported`);
  const saved = r.record('config');
  // the seed's model is fixed (one one-hot layer, one stream, Adagrad): its file has these settings only
  const other = Object.keys(saved).find((k) => !SEED_SETTINGS.includes(k));
  if (other !== undefined)
    throw r.bad(`its config has a setting the seed's version-1 files do not have, '${shown(other)}'`);
  const { eps: _eps, ...rest } = saved;
  if (rest.clip === null) rest.clip = 'Infinity'; // that release wrote an Infinity clip as null
  const config = r.config(rest, { threads: 1 });
  const vocab = r.vocab();
  const H = config.hidden;
  const V = vocab.size;
  const T = config.seqLength;
  const dtype = config.dtype === 'f64' ? 'F64' : 'F32';
  const v2 = tensorsOf(config, V);
  const numParams = v2.reduce((n, t) => n + t.size, 0);
  // every tensor checked against the config before anything of the config's size is allocated
  for (const [old] of SEED_NAMES) {
    seedTensor(r, old, dtype, H, V);
    seedTensor(r, `m${old}`, dtype, H, V);
  }
  const params = new Map<string, Tensor>();
  const mem = allocLike(dtype, numParams);
  for (const [old, name] of SEED_NAMES) {
    const info = v2.find((t) => t.name === name)!;
    const w = seedTensor(r, old, dtype, H, V);
    const m = seedTensor(r, `m${old}`, dtype, H, V);
    const data = allocLike(dtype, info.size);
    if (old === 'Wxh') {
      transpose(w, data, H, V);
      transpose(m, mem.subarray(info.offset, info.offset + info.size), H, V);
    } else {
      data.set(w);
      mem.set(m, info.offset);
    }
    params.set(name, { dtype, shape: [...info.shape], data });
  }
  const iter = r.count('iter');
  const pointer = r.count('pointer');
  const hprev = r.json('hprev');
  if (!Array.isArray(hprev) || hprev.length !== H || !hprev.every((x) => typeof x === 'number')) {
    throw r.bad(`metadata 'hprev' is not ${H} numbers`);
  }
  return {
    version: 1,
    config,
    vocab,
    params,
    slots: new Map([['mem', mem]]),
    state: Float64Array.from(hprev as number[]),
    progress: {
      iter,
      position: Math.floor(pointer / T),
      smoothLoss: r.number('smoothLoss'),
      bestValLoss: Infinity,
      bestValIter: 0,
      evalsSinceBest: 0,
      trainSeconds: 0,
      optimizerSteps: iter,
    },
    rng: r.rngState(r.json('rng'), 'rng'),
    dropoutRngs: undefined,
  };
}

function readRecipe(r: MetaReader): Checkpoint {
  const saved = r.record('config');
  // version 1 decayed a cosine without a length over one iteration after the warmup: keep that run's schedule
  if (saved.schedule === 'cosine' && !saved.decayIters && !saved.timeLimit) {
    saved.decayIters = (typeof saved.warmup === 'number' ? saved.warmup : 0) + 1;
  }
  // what version 1's recipe trainer did, in version 2's settings
  const { init, windowing, sampleStart, lossUnit, smoothing } = findPreset('char-lstm')!
    .settings as TrainConfig;
  const config = r.config(saved, { init, windowing, sampleStart, lossUnit, smoothing });
  if (r.meta.model !== config.model)
    throw r.bad(`metadata 'model' (${shown(String(r.meta.model))}) does not match its config`);
  const vocab = r.vocab();
  const dtype = config.dtype === 'f64' ? 'F64' : 'F32';
  const v2 = tensorsOf(config, vocab.size);
  const numParams = v2.reduce((n, t) => n + t.size, 0);
  const params = new Map<string, Tensor>();
  const slots = new Map<string, FloatArray>();
  for (const [name, t] of r.st.tensors) {
    if (name.startsWith('optim.')) {
      if (t.dtype !== dtype || t.data.length !== numParams)
        throw r.bad(`tensor '${shown(name)}' is not ${numParams} ${dtype}`);
      slots.set(name.slice('optim.'.length), t.data as FloatArray);
    } else if (name !== 'state') params.set(name, t);
  }
  if (config.model === 'rnn') {
    // the seed's names and flat order (Wxh, Whh, Why, bh, by): as the seed's file, optimizer state included
    const H = config.hidden;
    const V = vocab.size;
    const seedParams = new Map<string, Tensor>();
    for (const [old, name] of SEED_NAMES) {
      const info = v2.find((t) => t.name === name)!;
      const w = seedTensor(r, old, dtype, H, V);
      const data = allocLike(dtype, info.size);
      if (old === 'Wxh') transpose(w, data, H, V);
      else data.set(w);
      seedParams.set(name, { dtype, shape: [...info.shape], data });
    }
    params.clear();
    for (const [k, v] of seedParams) params.set(k, v);
    for (const [slot, flat] of slots) slots.set(slot, seedOrderToV2(flat, v2, H, V));
  }
  const state = r.tensor('state');
  if (state.dtype !== 'F64') throw r.bad("tensor 'state' is not F64");
  let dropoutRngs: Checkpoint['dropoutRngs'];
  if (r.meta.dropoutRngs !== undefined) {
    const list = r.json('dropoutRngs');
    if (!Array.isArray(list) || list.length === 0) throw r.bad("metadata 'dropoutRngs' is not a list");
    dropoutRngs = list.map((s) => r.rngState(s, 'dropoutRngs'));
  }
  return {
    version: 1,
    config,
    vocab,
    params,
    slots,
    state: state.data as Float64Array,
    progress: {
      iter: r.count('iter'),
      position: undefined, // version 1 took window iter % windows
      smoothLoss: r.number('smoothLoss'),
      bestValLoss: r.number('bestValLoss'),
      bestValIter: 0, // not kept by version 1
      evalsSinceBest: 0,
      trainSeconds: r.number('trainSeconds', undefined, (x) => x >= 0 && Number.isFinite(x)),
      optimizerSteps: r.count('optimizerSteps'),
    },
    rng: r.rngState(r.json('rng'), 'rng'),
    dropoutRngs,
  };
}

/** The version-2 tensors of a configuration (their names, shapes and flat offsets). */
function tensorsOf(config: TrainConfig, V: number): TensorInfo[] {
  return recurrentTensors(config.model, {
    vocabSize: V,
    hidden: config.hidden,
    layers: config.layers,
    embedding: config.embedding,
    batch: config.batch,
    seqLength: config.seqLength,
    dropout: config.dropout,
    dtype: config.dtype,
  });
}

function seedTensor(r: MetaReader, name: string, dtype: 'F32' | 'F64', H: number, V: number): FloatArray {
  const t = r.tensor(name);
  const base = name.startsWith('m') ? name.slice(1) : name;
  const shape = { Wxh: [H, V], Whh: [H, H], Why: [V, H], bh: [H], by: [V] }[base as 'Wxh']!;
  if (t.dtype !== dtype) throw r.bad(`tensor '${name}' is ${t.dtype}, expected ${dtype}`);
  if (t.shape.join(',') !== shape.join(',')) {
    throw r.bad(`tensor '${name}' has shape ${shownShape(t.shape)}, expected [${shape}]`);
  }
  return t.data as FloatArray;
}

/** A flat array in the seed's order (Wxh (H,V), Whh, Why, bh, by) laid out as the v2 tensors instead. */
function seedOrderToV2(flat: FloatArray, v2: TensorInfo[], H: number, V: number): FloatArray {
  const out = allocLike(flat instanceof Float64Array ? 'F64' : 'F32', flat.length);
  const sizes = { Wxh: H * V, Whh: H * H, Why: V * H, bh: H, by: V };
  let at = 0;
  for (const [old, name] of SEED_NAMES) {
    const part = flat.subarray(at, at + sizes[old]);
    at += sizes[old];
    const info = v2.find((t) => t.name === name)!;
    if (old === 'Wxh') transpose(part, out.subarray(info.offset, info.offset + info.size), H, V);
    else out.set(part, info.offset);
  }
  return out;
}

/** dst (cols, rows) = src (rows, cols) transposed. */
function transpose(src: ArrayLike<number>, dst: FloatArray, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

function allocLike(dtype: 'F32' | 'F64', n: number): FloatArray {
  return dtype === 'F64' ? new Float64Array(n) : new Float32Array(n);
}
