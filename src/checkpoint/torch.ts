// The PyTorch layout of a charrnn model: one safetensors file whose tensor names are exactly the
// state_dict of interop/pytorch/charrnn_torch.py's module,
//
//   embedding = nn.Embedding(V, E)                                    only with an embedding
//   rnn       = nn.RNN(In, H, layers, batch_first=True) | nn.LSTM | nn.GRU    In = E, or V (one-hot)
//   decoder   = nn.Linear(H, V)
//
// with the metadata (strings) format `charrnn-torch`, model, layers, hidden, embedding, vocab (JSON code
// points in id order) and dropout. charrnn's tensors (README "Checkpoint format") map onto it as
//
//   embed                embedding.weight
//   l0.WihT              rnn.weight_ih_l0 transposed (a one-hot layer 0); l{k}.Wih = rnn.weight_ih_l{k}
//   l{k}.Whh             rnn.weight_hh_l{k}
//   l{k}.b               RNN, LSTM: rnn.bias_ih_l{k} + rnn.bias_hh_l{k} (exported as bias_ih, bias_hh zero)
//   l{k}.bih, l{k}.bhn   GRU: bias_ih with bias_hh's r and z parts folded in; bias_hh's n part
//   Why, by              decoder.weight, decoder.bias
//
// with the gates in PyTorch's order already. `exportTorch` writes the checkpoint's dtype (F32 unless it is
// f64). `importTorch` also reads what PyTorch itself saves (a non-zero bias_hh is folded in; metadata
// missing but the vocab is inferred from the shapes; a vocab in another order than by code point has its
// symbols' rows and columns sorted into charrnn's) into a fresh checkpoint: the cell's default preset
// with the file's sizes, zero optimizer slots and carried state, iteration 0.
import { Vocab } from '../data/text.js';
import { CharrnnError, shown } from '../errors.js';
import type { FloatArray } from '../kernels/types.js';
import { GATES, recurrentTensors } from '../models/recurrent.js';
import { MODEL_KINDS, type ModelKind } from '../models/types.js';
import { MT19937 } from '../rng.js';
import { resolveConfig, type TrainConfig } from '../training/config.js';
import { OPTIMIZER_SLOTS } from '../training/optim.js';
import { defaultPreset } from '../training/presets.js';
import {
  badCheckpoint,
  CHECKPOINT_FORMAT,
  type Checkpoint,
  checkIsCheckpoint,
  firstNonFinite,
  isScalarValue,
  TORCH_FORMAT,
} from './format.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafeTensors,
  shownShape,
  type Tensor,
} from './safetensors.js';

// the layout's name and its test live with the charrnn reader, which names such a file for what it is
export { isTorchLayout, TORCH_FORMAT } from './format.js';

/** What fixes the tensors of a model. */
interface Sizes {
  model: ModelKind;
  vocabSize: number;
  hidden: number;
  layers: number;
  embedding: number;
}

/** The state_dict's tensors, in its order, with their shapes. */
function torchTensors(s: Sizes): [string, number[]][] {
  const { vocabSize: V, hidden: H, embedding: E } = s;
  const GH = GATES[s.model] * H;
  const list: [string, number[]][] = [];
  if (E > 0) list.push(['embedding.weight', [V, E]]);
  for (let k = 0; k < s.layers; k++) {
    list.push(
      [`rnn.weight_ih_l${k}`, [GH, k > 0 ? H : E > 0 ? E : V]],
      [`rnn.weight_hh_l${k}`, [GH, H]],
      [`rnn.bias_ih_l${k}`, [GH]],
      [`rnn.bias_hh_l${k}`, [GH]],
    );
  }
  list.push(['decoder.weight', [V, H]], ['decoder.bias', [V]]);
  return list;
}

/** charrnn's tensors of a model, in theta's order. */
function charrnnTensors(s: Sizes) {
  return recurrentTensors(s.model, { ...s, batch: 1, seqLength: 1, dropout: 0, dtype: 'f64' });
}

/** b (rows, cols) row-major, transposed into a new (cols, rows) array of its type. */
function transposed(b: FloatArray, rows: number, cols: number): FloatArray {
  const a = new (b.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * rows + i] = b[i * cols + j];
  return a;
}

// ---- export ----

/** The model of `ck` in the PyTorch layout, in its dtype; `what` names the checkpoint in errors. */
export function exportTorch(ck: Checkpoint, what = 'the checkpoint'): Uint8Array {
  checkIsCheckpoint(ck, 'exportTorch');
  const c = ck.config;
  const sizes: Sizes = { ...c, vocabSize: ck.vocab.size };
  const { vocabSize: V, hidden: H, embedding: E } = sizes;
  const dtype = c.dtype === 'f64' ? 'F64' : 'F32';
  const zeros = (n: number): FloatArray => (dtype === 'F64' ? new Float64Array(n) : new Float32Array(n));
  const p = new Map<string, FloatArray>();
  for (const info of charrnnTensors(sizes)) {
    const x = ck.params.get(info.name);
    if (!x) throw badCheckpoint(what, `tensor '${info.name}' is missing`);
    if (x.shape.join(',') !== info.shape.join(',')) {
      throw badCheckpoint(what, `tensor '${info.name}' has shape [${x.shape}], expected [${info.shape}]`);
    }
    const copy = zeros(info.size);
    copy.set(x.data);
    p.set(info.name, copy);
  }
  const GH = GATES[c.model] * H;
  const data = new Map<string, FloatArray>();
  if (E > 0) data.set('embedding.weight', p.get('embed')!);
  for (let k = 0; k < c.layers; k++) {
    const Wih = k === 0 && E === 0 ? transposed(p.get('l0.WihT')!, V, GH) : p.get(`l${k}.Wih`)!;
    const bhh = zeros(GH);
    if (c.model === 'gru') bhh.set(p.get(`l${k}.bhn`)!, 2 * H); // r, z parts are in bih already
    data.set(`rnn.weight_ih_l${k}`, Wih);
    data.set(`rnn.weight_hh_l${k}`, p.get(`l${k}.Whh`)!);
    data.set(`rnn.bias_ih_l${k}`, p.get(c.model === 'gru' ? `l${k}.bih` : `l${k}.b`)!);
    data.set(`rnn.bias_hh_l${k}`, bhh);
  }
  data.set('decoder.weight', p.get('Why')!);
  data.set('decoder.bias', p.get('by')!);
  const tensors = new Map<string, Tensor>();
  for (const [name, shape] of torchTensors(sizes)) tensors.set(name, { dtype, shape, data: data.get(name)! });
  const metadata: Record<string, string> = {
    format: TORCH_FORMAT,
    model: c.model,
    layers: String(c.layers),
    hidden: String(H),
    embedding: String(E),
    vocab: JSON.stringify(ck.vocab.codePoints),
    dropout: String(c.dropout),
  };
  return encodeSafetensors({ tensors, metadata });
}

// ---- import ----

export function badTorchFile(
  what: string,
  problem: string,
  hint = 'write it with charrnn export or interop/pytorch/charrnn_torch.py',
): CharrnnError {
  return new CharrnnError(`${what} is not a charrnn torch file: ${problem}`, hint);
}

/** What to do about a tensor dtype the container refuses, in PyTorch's words. */
export function dtypeHint(problem: string): string | undefined {
  if (/^tensor '.*' has dtype (F16|BF16),/.test(problem))
    return 'charrnn reads F32 or F64: save the state_dict as float32 ({k: v.float() for k, v in sd.items()})';
  const m = /^tensor '(.*)' has dtype /.exec(problem);
  if (m) return `charrnn reads the model's F32 or F64 tensors only: save the state_dict without '${m[1]}'`;
  return undefined;
}

/** Reads a file in the PyTorch layout into a fresh charrnn checkpoint; `what` names it in errors. */
export function importTorch(bytes: Uint8Array, what = 'the torch file'): Checkpoint {
  let st: SafeTensors;
  try {
    st = decodeSafetensors(bytes, what);
  } catch (e) {
    const prefix = `${what} is not a valid charrnn checkpoint: `;
    if (e instanceof CharrnnError && e.message.startsWith(prefix)) {
      const problem = e.message.slice(prefix.length);
      throw badTorchFile(what, problem, dtypeHint(problem));
    }
    throw e;
  }
  return torchCheckpoint(st, what);
}

/** The checkpoint of a decoded file in the PyTorch layout. */
export function torchCheckpoint(st: SafeTensors, what: string): Checkpoint {
  const bad = (problem: string, hint?: string) => badTorchFile(what, problem, hint);
  const meta = st.metadata;
  if (meta.format === CHECKPOINT_FORMAT) throw bad('it is a charrnn checkpoint already: use it as it is');
  if (meta.format !== undefined && meta.format !== TORCH_FORMAT) {
    throw bad(`its metadata 'format' is '${shown(meta.format)}', expected '${TORCH_FORMAT}'`);
  }
  const { vocab, order } = readVocab(meta.vocab, bad);
  const names = [...st.tensors.keys()];
  // recurrent modules charrnn has no cell for, told by the tensors PyTorch gives them
  const reverse = names.find((n) => /^rnn\.\w+_l\d+_reverse$/.test(n));
  if (reverse) {
    throw bad(
      `it is a bidirectional RNN (tensor '${shown(reverse)}'), and charrnn's cells read the text one way`,
      'train it with bidirectional=False',
    );
  }
  const projection = names.find((n) => /^rnn\.weight_hr_l\d+$/.test(n));
  if (projection) {
    throw bad(
      `it is an LSTM with proj_size > 0 (tensor '${shown(projection)}'), and charrnn's LSTM has no projection`,
      'train it with proj_size=0',
    );
  }
  if (meta.nonlinearity !== undefined && meta.nonlinearity !== 'tanh') {
    throw bad(
      `its metadata 'nonlinearity' is '${shown(meta.nonlinearity)}', and charrnn's RNN is tanh`,
      "train it with nonlinearity='tanh'",
    );
  }
  const Whh0 = st.tensors.get('rnn.weight_hh_l0');
  if (!Whh0) {
    const other = names.find((n) => n.endsWith('weight_hh_l0'));
    if (other) {
      throw bad(
        `its recurrent tensors are named '${shown(other)}' and so on, not 'rnn.weight_hh_l0'`,
        'name them as the layout does (embedding.weight, rnn.*, decoder.*); of a DDP or DataParallel model save model.module.state_dict()',
      );
    }
    throw bad("tensor 'rnn.weight_hh_l0' is missing");
  }
  const dtype = Whh0.dtype;
  if (dtype === 'I32') throw bad("tensor 'rnn.weight_hh_l0' is I32, expected F32 or F64");

  // the sizes: from the metadata, else from the shapes (checked against every tensor below)
  const [rows = 0, cols = 0] = Whh0.shape;
  const hidden = count(meta, 'hidden', cols, bad);
  const inferred = MODEL_KINDS.find((m) => Whh0.shape.length === 2 && GATES[m] * cols === rows);
  const model = meta.model ?? inferred;
  if (model === undefined) {
    throw bad(
      `tensor 'rnn.weight_hh_l0' has shape ${shownShape(Whh0.shape)}, which is no RNN, LSTM or GRU; give metadata 'model'`,
    );
  }
  if (!MODEL_KINDS.includes(model as ModelKind)) {
    throw bad(`its metadata 'model' is '${shown(model)}', expected one of ${MODEL_KINDS.join(', ')}`);
  }
  let layers = 0;
  while (st.tensors.has(`rnn.weight_hh_l${layers}`)) layers++;
  const embeddingWeight = st.tensors.get('embedding.weight');
  const sizes: Sizes = {
    model: model as ModelKind,
    vocabSize: vocab.size,
    hidden,
    layers: count(meta, 'layers', layers, bad),
    embedding: count(meta, 'embedding', embeddingWeight?.shape[1] ?? 0, bad),
  };
  const dropout = meta.dropout === undefined ? 0 : Number(meta.dropout);
  // the sizes in range before anything is built from them (a million layers is refused, not listed)
  let config: TrainConfig;
  try {
    const { settings } = defaultPreset(sizes.model);
    const { model: m, layers: N, hidden: H, embedding: E } = sizes;
    const own: Partial<TrainConfig> = { model: m, layers: N, hidden: H, embedding: E, dropout };
    config = resolveConfig({ ...own, dtype: dtype === 'F64' ? 'f64' : 'f32' }, settings);
  } catch (e) {
    throw e instanceof CharrnnError ? bad(`its model: ${e.message}`) : e;
  }

  const zeros = (n: number): FloatArray => (dtype === 'F64' ? new Float64Array(n) : new Float32Array(n));
  // every tensor of the state_dict, and nothing else, in one dtype, every number finite
  const expected = torchTensors(sizes);
  for (const name of st.tensors.keys()) {
    if (!expected.some(([n]) => n === name)) {
      throw bad(
        `tensor '${shown(name)}' is not in a state_dict of a ${sizes.layers}-layer ${model}` +
          `${sizes.embedding > 0 ? ' with an embedding' : ' without an embedding'}`,
        "if it is the model's, name it as the layout does (embedding.weight, rnn.*, decoder.*); else save the state_dict without it",
      );
    }
  }
  // a cell built with bias=False has no bias_ih or bias_hh in any layer: its biases are zero
  const biasFree = !names.some((n) => /^rnn\.bias_(ih|hh)_l\d+$/.test(n));
  const t = new Map<string, FloatArray>();
  for (const [name, shape] of expected) {
    if (biasFree && name.startsWith('rnn.bias_')) {
      t.set(name, zeros(shape[0]));
      continue;
    }
    const x = st.tensors.get(name);
    if (!x) throw bad(`tensor '${name}' is missing`);
    if (x.dtype !== dtype) throw bad(`tensor '${name}' is ${x.dtype}, but 'rnn.weight_hh_l0' is ${dtype}`);
    if (x.shape.join(',') !== shape.join(','))
      throw bad(`tensor '${name}' has shape ${shownShape(x.shape)}, expected [${shape}]`);
    const i = firstNonFinite(x.data);
    if (i >= 0) throw bad(`tensor '${name}' holds ${x.data[i]} at index ${i}`);
    t.set(name, x.data as FloatArray);
  }
  // a vocabulary in another order than charrnn's (by code point): the symbols' rows and columns sorted
  if (order) {
    const V = vocab.size;
    const rows = (name: string) => {
      const x = t.get(name)!;
      const n = x.length / V;
      const y = zeros(x.length);
      for (let j = 0; j < V; j++) y.set(x.subarray(order[j] * n, (order[j] + 1) * n), j * n);
      t.set(name, y);
    };
    if (sizes.embedding > 0) rows('embedding.weight');
    else {
      const x = t.get('rnn.weight_ih_l0')!; // (G·H, V): the one-hot symbol's columns
      const y = zeros(x.length);
      for (let i = 0; i < x.length / V; i++) for (let j = 0; j < V; j++) y[i * V + j] = x[i * V + order[j]];
      t.set('rnn.weight_ih_l0', y);
    }
    rows('decoder.weight');
    rows('decoder.bias');
  }

  // charrnn's tensors from the state_dict
  const { vocabSize: V, hidden: H, embedding: E } = sizes;
  const GH = GATES[sizes.model] * H;
  const data = new Map<string, FloatArray>();
  if (E > 0) data.set('embed', t.get('embedding.weight')!);
  for (let k = 0; k < sizes.layers; k++) {
    const Wih = t.get(`rnn.weight_ih_l${k}`)!;
    const bih = t.get(`rnn.bias_ih_l${k}`)!;
    const bhh = t.get(`rnn.bias_hh_l${k}`)!;
    if (k === 0 && E === 0) data.set('l0.WihT', transposed(Wih, GH, V));
    else data.set(`l${k}.Wih`, Wih);
    data.set(`l${k}.Whh`, t.get(`rnn.weight_hh_l${k}`)!);
    // the RNN's and LSTM's one bias is b_ih + b_hh; the GRU's b_hr and b_hz only ever add to b_ir and
    // b_iz, so they fold in too, and b_hn (inside r * (.)) stays apart
    const folded = zeros(GH);
    const fold = sizes.model === 'gru' ? 2 * H : GH;
    for (let i = 0; i < GH; i++) folded[i] = i < fold ? bih[i] + bhh[i] : bih[i];
    if (sizes.model === 'gru') {
      data.set(`l${k}.bih`, folded);
      data.set(`l${k}.bhn`, bhh.slice(2 * H));
    } else data.set(`l${k}.b`, folded);
  }
  data.set('Why', t.get('decoder.weight')!);
  data.set('by', t.get('decoder.bias')!);
  const params = new Map<string, Tensor>();
  const infos = charrnnTensors(sizes);
  for (const info of infos)
    params.set(info.name, { dtype, shape: [...info.shape], data: data.get(info.name)! });

  const numParams = infos.reduce((n, info) => n + info.size, 0);
  const slots = new Map<string, FloatArray>(
    OPTIMIZER_SLOTS[config.optimizer].map((s) => [s, zeros(numParams)]),
  );
  const stateBuffers = sizes.layers * (sizes.model === 'lstm' ? 2 : 1); // h per layer, and the LSTM's c
  return {
    version: 2,
    config,
    vocab,
    params,
    slots,
    state: new Float64Array(stateBuffers * config.batch * H),
    progress: {
      iter: 0,
      position: 0,
      // the loss of a uniform guess, as a new trainer starts from
      smoothLoss: -Math.log(1 / V) * (config.lossUnit === 'window' ? config.seqLength : 1),
      bestValLoss: Infinity,
      bestValIter: 0,
      evalsSinceBest: 0,
      trainSeconds: 0,
      optimizerSteps: 0,
    },
    rng: new MT19937(0).getState(), // as a trainer without a seed starts
    dropoutRngs: undefined,
  };
}

/**
 * The vocabulary of the metadata, sorted by code point as charrnn's are; `order` (when the file's is in
 * another order, as a PyTorch user's may be) gives each sorted id's id in the file.
 */
function readVocab(
  text: string | undefined,
  bad: (problem: string, hint?: string) => CharrnnError,
): { vocab: Vocab; order?: number[] } {
  if (text === undefined)
    throw bad("metadata 'vocab' is missing (the characters, as JSON code points in id order)");
  let codePoints: unknown;
  try {
    codePoints = JSON.parse(text);
  } catch {
    throw bad("metadata 'vocab' is not valid JSON");
  }
  if (Array.isArray(codePoints) && codePoints.length > 0 && codePoints.every((c) => typeof c === 'string')) {
    throw bad(
      "metadata 'vocab' is a list of characters, where charrnn reads their code points",
      'write it as json.dumps([ord(c) for c in vocab])',
    );
  }
  if (!Array.isArray(codePoints) || codePoints.length === 0 || !codePoints.every(isScalarValue)) {
    throw bad("metadata 'vocab' is not a list of code points (U+0000 to U+10FFFF, no surrogates)");
  }
  const cps = codePoints as number[];
  const order = cps.map((_, i) => i).sort((a, b) => cps[a] - cps[b]);
  const sorted = order.map((i) => cps[i]);
  const dup = sorted.findIndex((cp, j) => j > 0 && cp === sorted[j - 1]);
  if (dup >= 0) {
    const cp = sorted[dup];
    throw bad(
      `metadata 'vocab' lists U+${cp.toString(16).toUpperCase().padStart(4, '0')} twice (each symbol has one id)`,
    );
  }
  const vocab = new Vocab(sorted);
  return order.every((i, j) => i === j) ? { vocab } : { vocab, order };
}

/** A whole-number metadata field, else `inferred` (from the shapes) when it is missing. */
function count(
  meta: Record<string, string>,
  key: string,
  inferred: number,
  bad: (problem: string) => CharrnnError,
): number {
  const raw = meta[key];
  if (raw === undefined) return inferred;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw bad(`metadata '${key}' is '${shown(raw)}', not a whole number`);
  return n;
}
