// The checkpoint format, version 2: one safetensors file for every model and preset.
//
//   tensors   the parameters by the model's names (`l0.WihT` or `l0.Wih`, `l0.Whh`, `l0.b` or `l0.bih`
//             and `l0.bhn`, ..., `embed`, `Why`, `by`), in the model's dtype; the optimizer's state
//             arrays `optim.<slot>` (flat, laid out like the parameters); `state` (F64), the carried
//             states of every stream
//   metadata  format `charrnn-checkpoint`, version `2`, model (the cell, for people reading the file),
//             and JSON: vocab (code points in id order), config (the whole TrainConfig), progress (iter,
//             position, smoothLoss, bestValLoss, bestValIter, evalsSinceBest, trainSeconds,
//             optimizerSteps, valDigest; the last and the two about the best are absent in older
//             files), rng (the Mersenne
//             Twister's state), dropoutRngs (one state per thread, when the model has dropout)
//
// Every JSON value goes through one encoding of numbers: the ones JSON cannot spell (Infinity, -Infinity,
// NaN) are written as those words in a string, and read back as numbers where the reader expects a number.
// `readCheckpoint` reads version 2, and version 1 through v1.ts, into one `Checkpoint`; every missing or
// malformed field is one line naming it.

import { Vocab } from '../data/text.js';
import { CharrnnError, shown, shownValue } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import { recurrentTensors } from '../models/recurrent.js';
import type { RngState } from '../rng.js';
import { type ConfigKey, OPTIONS, resolveConfig, type TrainConfig } from '../training/config.js';
import { OPTIMIZER_SLOTS } from '../training/optim.js';
import {
  concatBytes,
  decodeSafetensors,
  type SafeTensors,
  safetensorsParts,
  shownShape,
  type Tensor,
} from './safetensors.js';
import { readV1 } from './v1.js';

export const CHECKPOINT_FORMAT = 'charrnn-checkpoint';
/** the format metadata of the PyTorch layout (torch.ts) */
export const TORCH_FORMAT = 'charrnn-torch';
export const CHECKPOINT_VERSION = 2;

const DIGEST = /^[0-9a-f]{8}$/;

/** Where a run is: what the loop needs besides the weights to go on exactly. */
export interface Progress {
  /** iterations done */
  iter: number;
  /** the next window of the pass over the text; undefined (version 1 recipes): iter modulo the windows */
  position: number | undefined;
  smoothLoss: number;
  /** the lowest validation loss so far (Infinity: none yet) */
  bestValLoss: number;
  /** the iteration it was reached at (0: none yet, or a file from before this was kept) */
  bestValIter: number;
  /** evaluations in a row since then that did not beat it (what --patience counts) */
  evalsSinceBest: number;
  /**
   * the fingerprint of the validation split the run was last given (`digestOf`, 8 hex digits), so that a
   * resume on another one starts the best over; absent before any, and in files from before it was kept
   */
  valDigest?: string;
  /** seconds spent training (evaluation and samples excluded) */
  trainSeconds: number;
  /** updates the optimizer has taken (Adam's t) */
  optimizerSteps: number;
}

/** Everything a checkpoint holds, whatever its version. */
export interface Checkpoint {
  /** the version of the file it was read from (written files are always CHECKPOINT_VERSION) */
  version: number;
  config: TrainConfig;
  vocab: Vocab;
  /** the parameters by the model's tensor names */
  params: Map<string, Tensor>;
  /** the optimizer's state arrays by slot name, each laid out like the flat parameters */
  slots: Map<string, FloatArray>;
  /** the carried states (SequenceModel.getState()'s layout) */
  state: Float64Array;
  progress: Progress;
  rng: RngState;
  /** one per thread, shard 0 first; absent without dropout */
  dropoutRngs: RngState[] | undefined;
}

// ---- numbers in JSON ----

const WORDS = new Map<string, number>([
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['NaN', Number.NaN],
]);

/** JSON of `value`, with Infinity, -Infinity and NaN written as those words (JSON has no spelling for them). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** A number as `toJson` writes it: a number, or one of the words; else undefined. */
export function jsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return WORDS.get(v);
  return undefined;
}

// ---- writing ----

export function writeCheckpoint(c: Checkpoint): Uint8Array {
  checkIsCheckpoint(c, 'writeCheckpoint');
  return concatBytes(checkpointParts(c));
}

/**
 * Throws a usage error when `ck` would make a file that readCheckpoint refuses (a count of 1.5, a loss of
 * NaN, a tensor of the wrong shape: a program that set a Trainer's fields by hand), so that what is written
 * can always be read back. Checked before a byte is written, so a save that fails keeps the file before it.
 */
function checkWritable(ck: Checkpoint): void {
  try {
    checkCheckpoint(ck, 'the checkpoint to write');
  } catch (e) {
    if (!(e instanceof CharrnnError)) throw e;
    throw new CharrnnError(
      e.message.replace(/: the run that wrote it diverged$/, ''),
      'a file with it could not be read back, so nothing was written: check the values the program gave its trainer',
      'usage',
    );
  }
}

/**
 * Throws a usage error when `ck`, passed to `who`, is not a Checkpoint: the bytes of one, above all (the
 * readers make a Checkpoint of them).
 */
export function checkIsCheckpoint(ck: Checkpoint, who: string): void {
  const c = ck as Partial<Checkpoint> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    !ArrayBuffer.isView(c) &&
    typeof c.config === 'object' &&
    typeof c.vocab?.size === 'number' &&
    c.params instanceof Map;
  if (!ok) {
    throw new CharrnnError(
      `${who} takes a Checkpoint (readAnyCheckpoint(bytes) or trainer.snapshot()), got ${shownValue(ck)}`,
      '',
      'usage',
    );
  }
}

/**
 * The checkpoint file as its pieces in order (see `safetensorsParts`): the tensors' pieces are views of the
 * checkpoint's arrays, valid while those are unchanged. A host writes them one after the other.
 */
export function checkpointParts(c: Checkpoint): Uint8Array[] {
  checkIsCheckpoint(c, 'checkpointParts');
  checkWritable(c);
  const tensors = new Map<string, Tensor>(c.params);
  const dtype = c.config.dtype === 'f64' ? 'F64' : 'F32';
  for (const [name, data] of c.slots) tensors.set(`optim.${name}`, { dtype, shape: [data.length], data });
  tensors.set('state', { dtype: 'F64', shape: [c.state.length], data: c.state });
  const { backend: _backend, ...config } = c.config;
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    model: c.config.model,
    vocab: JSON.stringify(c.vocab.codePoints),
    config: toJson(config),
    progress: toJson(c.progress),
    rng: toJson(c.rng),
  };
  if (c.dropoutRngs) metadata.dropoutRngs = toJson(c.dropoutRngs);
  return safetensorsParts({ tensors, metadata });
}

// ---- reading ----

/** The metadata of a decoded checkpoint, read field by field; every problem is one line naming the field. */
export class MetaReader {
  readonly meta: Record<string, string>;

  constructor(
    readonly st: SafeTensors,
    readonly what: string,
  ) {
    this.meta = st.metadata;
  }

  bad(problem: string): CharrnnError {
    return badCheckpoint(this.what, problem);
  }

  /** A metadata field parsed as JSON. */
  json(key: string): unknown {
    const text = this.meta[key];
    if (text === undefined) throw this.bad(`metadata '${key}' is missing`);
    try {
      return JSON.parse(text);
    } catch {
      throw this.bad(`metadata '${key}' is not valid JSON`);
    }
  }

  /** A JSON object field. */
  record(key: string): Record<string, unknown> {
    const v = this.json(key);
    if (!isRecord(v)) throw this.bad(`metadata '${key}' is not a JSON object`);
    return v;
  }

  /** A number: a metadata field of its own (`key`), or a field of a parsed object (`from`). */
  number(key: string, from?: Record<string, unknown>, check: (x: number) => boolean = () => true): number {
    const raw = from ? from[key] : this.meta[key];
    const v = from ? jsonNumber(raw) : raw === undefined ? undefined : (jsonNumber(raw) ?? Number(raw));
    if (v === undefined || Number.isNaN(v) || !check(v)) {
      throw this.bad(
        `${from ? 'progress' : 'metadata'} '${key}' is ${raw === undefined ? 'missing' : 'not a valid number'}`,
      );
    }
    return v;
  }

  /** A fingerprint: 8 lowercase hex digits. */
  digest(key: string, from: Record<string, unknown>): string {
    const v = from[key];
    if (typeof v !== 'string' || !DIGEST.test(v)) throw this.bad(`progress '${key}' is not 8 hex digits`);
    return v;
  }

  count(key: string, from?: Record<string, unknown>): number {
    const v = this.number(key, from);
    if (!Number.isSafeInteger(v) || v < 0) throw this.bad(`metadata '${key}' is not a whole number`);
    return v;
  }

  vocab(): Vocab {
    const codePoints = this.json('vocab');
    if (!Array.isArray(codePoints) || codePoints.length === 0 || !codePoints.every(isScalarValue)) {
      throw this.bad('its vocabulary is not a list of code points (U+0000 to U+10FFFF, no surrogates)');
    }
    try {
      return new Vocab(codePoints as number[]);
    } catch {
      throw this.bad('its vocabulary is not sorted and unique');
    }
  }

  rngState(value: unknown, key: string): RngState {
    const ok =
      isRecord(value) &&
      Array.isArray(value.mt) &&
      value.mt.length === 624 &&
      value.mt.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      Number.isInteger(value.pos) &&
      (value.pos as number) >= 0 &&
      (value.pos as number) <= 624 &&
      typeof value.hasGauss === 'boolean' &&
      Number.isFinite(jsonNumber(value.gauss));
    if (!ok) throw this.bad(`metadata '${key}' is not a valid RNG state`);
    const v = value as Record<string, unknown>;
    return {
      mt: v.mt as number[],
      pos: v.pos as number,
      hasGauss: v.hasGauss as boolean,
      gauss: jsonNumber(v.gauss)!,
    };
  }

  /** A configuration: `base` with the file's values on top, every value checked. */
  config(saved: Record<string, unknown>, base: Partial<TrainConfig> = {}): TrainConfig {
    const values: Partial<TrainConfig> = {};
    for (const [key, raw] of Object.entries(saved)) {
      const spec = OPTIONS.find((s) => s.key === key);
      if (!spec) throw this.bad(`its config has an unknown setting '${shown(key)}'`);
      const value =
        spec.type === 'choice' ? raw : raw === null && spec.optional ? undefined : jsonNumber(raw);
      (values as Record<string, unknown>)[key as ConfigKey] = value;
    }
    try {
      return resolveConfig(values, base);
    } catch (e) {
      throw e instanceof CharrnnError ? this.bad(`its config: ${e.message}`) : e;
    }
  }

  tensor(name: string): Tensor {
    const t = this.st.tensors.get(name);
    if (!t) throw this.bad(`tensor '${name}' is missing`);
    return t;
  }
}

/**
 * Whether a decoded file is in the PyTorch layout (torch.ts): its metadata says so, or it has none and the
 * tensors are a PyTorch recurrent module's (`rnn.weight_hh_l0`, or under another name, which the import
 * then names).
 */
export function isTorchLayout(st: SafeTensors): boolean {
  const format = st.metadata.format;
  if (format === TORCH_FORMAT) return true;
  if (format !== undefined) return false;
  for (const name of st.tensors.keys()) if (/(^|\.)weight_hh_l0$/.test(name)) return true;
  return false;
}

export function badCheckpoint(what: string, problem: string): CharrnnError {
  return new CharrnnError(
    `${what} is not a valid charrnn checkpoint: ${problem}`,
    'check the path, or save it again',
  );
}

/** Reads a checkpoint file of version 2 (or 1); `what` names it in errors (e.g. its path in quotes). */
export function readCheckpoint(bytes: Uint8Array, what = 'the checkpoint'): Checkpoint {
  const r = new MetaReader(decodeSafetensors(bytes, what), what);
  if (r.meta.format !== CHECKPOINT_FORMAT) {
    if (isTorchLayout(r.st)) {
      // an export, or a PyTorch model: not damaged, and read by the other readers
      throw new CharrnnError(
        `${what} is a model in the PyTorch layout, not a charrnn checkpoint`,
        'read it with readAnyCheckpoint (or importTorch), and Trainer.restore that to train or sample it',
      );
    }
    throw r.bad('its metadata does not name the charrnn format');
  }
  if (r.meta.version === '1') return checked(readV1(r), what);
  if (r.meta.version !== String(CHECKPOINT_VERSION)) {
    throw r.bad(
      `format version ${shown(String(r.meta.version))} is not supported (this charrnn reads 1 and ${CHECKPOINT_VERSION}); a newer charrnn wrote it?`,
    );
  }
  const config = r.config(r.record('config'));
  if (r.meta.model !== config.model)
    throw r.bad(`metadata 'model' (${shown(String(r.meta.model))}) does not match its config`);
  const p = r.record('progress');
  const progress: Progress = {
    iter: r.count('iter', p),
    // absent: not known yet (a version-1 recipe's file, saved again before its text was given)
    position: p.position === undefined ? undefined : r.count('position', p),
    smoothLoss: r.number('smoothLoss', p, Number.isFinite),
    bestValLoss: r.number('bestValLoss', p, (x) => x > 0 || x === 0),
    // absent in files written before --patience
    bestValIter: p.bestValIter === undefined ? 0 : r.count('bestValIter', p),
    evalsSinceBest: p.evalsSinceBest === undefined ? 0 : r.count('evalsSinceBest', p),
    ...(p.valDigest === undefined ? {} : { valDigest: r.digest('valDigest', p) }),
    trainSeconds: r.number('trainSeconds', p, (x) => x >= 0 && Number.isFinite(x)),
    optimizerSteps: r.count('optimizerSteps', p),
  };
  const slots = new Map<string, FloatArray>();
  const params = new Map<string, Tensor>();
  for (const [name, t] of r.st.tensors) {
    if (name === 'state') continue;
    if (name.startsWith('optim.')) {
      if (t.dtype === 'I32') throw r.bad(`tensor '${name}' is I32, expected F32 or F64`);
      slots.set(name.slice('optim.'.length), t.data as FloatArray);
    } else params.set(name, t);
  }
  const state = r.tensor('state');
  if (state.dtype !== 'F64' || state.shape.length !== 1) throw r.bad("tensor 'state' is not a F64 vector");
  let dropoutRngs: RngState[] | undefined;
  if (r.meta.dropoutRngs !== undefined) {
    const list = r.json('dropoutRngs');
    if (!Array.isArray(list) || list.length === 0) throw r.bad("metadata 'dropoutRngs' is not a list");
    dropoutRngs = list.map((s) => r.rngState(s, 'dropoutRngs'));
  }
  return checked(
    {
      version: CHECKPOINT_VERSION,
      config,
      vocab: r.vocab(),
      params,
      slots,
      state: state.data as Float64Array,
      progress,
      rng: r.rngState(r.json('rng'), 'rng'),
      dropoutRngs,
    },
    what,
  );
}

function checked(ck: Checkpoint, what: string): Checkpoint {
  checkCheckpoint(ck, what);
  return ck;
}

/** A code point a text can hold: U+0000 to U+10FFFF, but not a surrogate (UTF-8 cannot encode one). */
export function isScalarValue(c: unknown): boolean {
  return (
    Number.isSafeInteger(c) &&
    (c as number) >= 0 &&
    (c as number) <= 0x10ffff &&
    !((c as number) >= 0xd800 && (c as number) <= 0xdfff)
  );
}

/** The index of the first NaN or infinity in `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** The optimizer slots that hold running means of squares, which cannot be negative. */
const SQUARES = new Set(['mem', 'ms', 'v']);

/**
 * Checks a checkpoint against its own configuration before a model is built from it, so that a file that
 * claims a large model but holds small tensors is refused without allocating that model: the parameters
 * are exactly the model's tensors, in its dtype and shapes; the optimizer's arrays are its optimizer's,
 * one number per parameter; the carried state has one number per layer (two for the LSTM), stream and
 * hidden unit. Every number must be finite (a NaN or an infinity means the run that wrote it diverged,
 * and nothing meaningful can be sampled or trained from it), and running means of squares not negative.
 * Every problem is one line naming the tensor (and the index of a bad number).
 */
export function checkCheckpoint(ck: Checkpoint, what = 'the checkpoint'): void {
  const bad = (problem: string) => badCheckpoint(what, problem);
  const c = ck.config;
  const dtype = c.dtype === 'f64' ? 'F64' : 'F32';
  const expected = recurrentTensors(c.model, {
    vocabSize: ck.vocab.size,
    hidden: c.hidden,
    layers: c.layers,
    embedding: c.embedding,
    batch: c.batch,
    seqLength: c.seqLength,
    dropout: c.dropout,
    dtype: c.dtype,
  });
  for (const name of ck.params.keys()) {
    if (!expected.some((t) => t.name === name))
      throw bad(`tensor '${shown(name)}' is not a parameter of this model (a ${c.layers}-layer ${c.model})`);
  }
  for (const info of expected) {
    const x = ck.params.get(info.name);
    if (!x) throw bad(`tensor '${info.name}' is missing`);
    if (x.dtype !== dtype) throw bad(`tensor '${info.name}' is ${x.dtype}, expected ${dtype}`);
    if (x.shape.join(',') !== info.shape.join(',') || x.data.length !== info.size) {
      throw bad(`tensor '${info.name}' has shape ${shownShape(x.shape)}, expected [${info.shape}]`);
    }
  }
  const last = expected[expected.length - 1]!;
  const numParams = last.offset + last.size;
  const slots = OPTIMIZER_SLOTS[c.optimizer];
  for (const name of ck.slots.keys()) {
    if (!slots.includes(name))
      throw bad(`tensor 'optim.${shown(name)}' is not a state array of the ${c.optimizer} optimizer`);
  }
  for (const name of slots) {
    const a = ck.slots.get(name);
    if (!a) throw bad(`tensor 'optim.${name}' is missing (the ${c.optimizer} optimizer's state)`);
    if (a.length !== numParams || !(dtype === 'F64' ? a instanceof Float64Array : a instanceof Float32Array))
      throw bad(`tensor 'optim.${name}' is not ${numParams} ${dtype} numbers, one per parameter`);
  }
  const stateLength = c.layers * (c.model === 'lstm' ? 2 : 1) * c.batch * c.hidden;
  if (ck.state.length !== stateLength) {
    throw bad(
      `tensor 'state' has ${ck.state.length} numbers, expected ${stateLength} (layers × batch × hidden${c.model === 'lstm' ? ' × 2' : ''})`,
    );
  }
  const arrays: [string, ArrayLike<number>][] = [
    ...[...ck.params].map(([name, t]): [string, ArrayLike<number>] => [name, t.data]),
    ...[...ck.slots].map(([name, a]): [string, ArrayLike<number>] => [`optim.${name}`, a]),
    ['state', ck.state],
  ];
  for (const [name, a] of arrays) {
    const i = firstNonFinite(a);
    if (i >= 0) {
      throw new CharrnnError(
        `${what} holds ${a[i]} in tensor '${name}' at index ${i}: the run that wrote it diverged`,
        'resume from an earlier checkpoint, with a lower --lr (or --clip-norm)',
      );
    }
    if (name === 'state' && dtype === 'F32') {
      // stored in float64, carried in the model's float32: a value beyond its range would become infinite
      for (let k = 0; k < a.length; k++)
        if (!Number.isFinite(Math.fround(a[k]!)))
          throw bad(`tensor 'state' holds ${a[k]} at index ${k}, beyond the range of this f32 model`);
    }
    if (name.startsWith('optim.') && SQUARES.has(name.slice('optim.'.length))) {
      for (let k = 0; k < a.length; k++)
        if (a[k]! < 0) throw bad(`tensor '${name}' holds ${a[k]} at index ${k}, but it is a mean of squares`);
    }
  }
  // the progress, whichever version it came from, in the ranges version 2 writes and reads
  const p = ck.progress;
  const counts = {
    iter: p.iter,
    position: p.position ?? 0,
    optimizerSteps: p.optimizerSteps,
    bestValIter: p.bestValIter,
    evalsSinceBest: p.evalsSinceBest,
  };
  for (const [key, v] of Object.entries(counts)) {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw bad(`progress '${key}' is ${v}, not a whole number`);
  }
  if (p.bestValIter > p.iter)
    throw bad(`progress 'bestValIter' is ${p.bestValIter}, after its 'iter' ${p.iter}`);
  if (p.valDigest !== undefined && !DIGEST.test(p.valDigest))
    throw bad(`progress 'valDigest' is ${shown(String(p.valDigest))}, not 8 hex digits`);
  if (!Number.isFinite(p.smoothLoss)) throw bad(`progress 'smoothLoss' is ${p.smoothLoss}`);
  if (!(p.bestValLoss >= 0)) throw bad(`progress 'bestValLoss' is ${p.bestValLoss}, not a loss`);
  if (!(p.trainSeconds >= 0 && Number.isFinite(p.trainSeconds)))
    throw bad(`progress 'trainSeconds' is ${p.trainSeconds}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
