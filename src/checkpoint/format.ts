// The checkpoint format, version 2: one safetensors file for every model and preset.
//
//   tensors   the parameters by the model's names (`l0.WihT` or `l0.Wih`, `l0.Whh`, `l0.b` or `l0.bih`
//             and `l0.bhn`, ..., `embed`, `Why`, `by`), in the model's dtype; the optimizer's state
//             arrays `optim.<slot>` (flat, laid out like the parameters); `state` (F64), the carried
//             states of every stream
//   metadata  format `charrnn-checkpoint`, version `2`, model (the cell, for people reading the file),
//             and JSON: vocab (code points in id order), config (the whole TrainConfig), progress (iter,
//             position, smoothLoss, bestValLoss, trainSeconds, optimizerSteps), rng (the Mersenne Twister's
//             state), dropoutRngs (one state per thread, when the model has dropout)
//
// Every JSON value goes through one encoding of numbers: the ones JSON cannot spell (Infinity, -Infinity,
// NaN) are written as those words in a string, and read back as numbers where the reader expects a number.
// `readCheckpoint` reads version 2, and version 1 through v1.ts, into one `Checkpoint`; every missing or
// malformed field is one line naming it.

import { Vocab } from '../data/text.js';
import { CharrnnError } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import type { RngState } from '../rng.js';
import { type ConfigKey, OPTIONS, resolveConfig, type TrainConfig } from '../training/config.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensors, type Tensor } from './safetensors.js';
import { readV1 } from './v1.js';

export const CHECKPOINT_FORMAT = 'charrnn-checkpoint';
export const CHECKPOINT_VERSION = 2;

/** Where a run is: what the loop needs besides the weights to go on exactly. */
export interface Progress {
  /** iterations done */
  iter: number;
  /** the next window of the pass over the text; undefined (version 1 recipes): iter modulo the windows */
  position: number | undefined;
  smoothLoss: number;
  /** the lowest validation loss so far (Infinity: none yet) */
  bestValLoss: number;
  /** seconds spent training (evaluation excluded) */
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
  return encodeSafetensors({ tensors, metadata });
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

  count(key: string, from?: Record<string, unknown>): number {
    const v = this.number(key, from);
    if (!Number.isSafeInteger(v) || v < 0) throw this.bad(`metadata '${key}' is not a whole number`);
    return v;
  }

  vocab(): Vocab {
    const codePoints = this.json('vocab');
    if (
      !Array.isArray(codePoints) ||
      codePoints.length === 0 ||
      !codePoints.every((c) => Number.isSafeInteger(c) && c >= 0 && c <= 0x10ffff)
    ) {
      throw this.bad('its vocabulary is not a list of code points');
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
      jsonNumber(value.gauss) !== undefined;
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
      if (!spec) throw this.bad(`its config has an unknown setting '${key}'`);
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

export function badCheckpoint(what: string, problem: string): CharrnnError {
  return new CharrnnError(
    `${what} is not a valid charrnn checkpoint: ${problem}`,
    'check the path, or save it again',
  );
}

/** Reads a checkpoint file of version 2 (or 1); `what` names it in errors (e.g. its path in quotes). */
export function readCheckpoint(bytes: Uint8Array, what = 'the checkpoint'): Checkpoint {
  const r = new MetaReader(decodeSafetensors(bytes, what), what);
  if (r.meta.format !== CHECKPOINT_FORMAT) throw r.bad('its metadata does not name the charrnn format');
  if (r.meta.version === '1') return readV1(r);
  if (r.meta.version !== String(CHECKPOINT_VERSION)) {
    throw r.bad(
      `format version ${r.meta.version} is not supported (this charrnn reads 1 and ${CHECKPOINT_VERSION}); a newer charrnn wrote it?`,
    );
  }
  const config = r.config(r.record('config'));
  if (r.meta.model !== config.model)
    throw r.bad(`metadata 'model' (${r.meta.model}) does not match its config`);
  const p = r.record('progress');
  const progress: Progress = {
    iter: r.count('iter', p),
    position: r.count('position', p),
    smoothLoss: r.number('smoothLoss', p),
    bestValLoss: r.number('bestValLoss', p, (x) => x > 0 || x === 0),
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
  return {
    version: CHECKPOINT_VERSION,
    config,
    vocab: r.vocab(),
    params,
    slots,
    state: state.data as Float64Array,
    progress,
    rng: r.rngState(r.json('rng'), 'rng'),
    dropoutRngs,
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
