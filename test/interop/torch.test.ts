// The PyTorch layout in the core (src/checkpoint/torch.ts): every model exports to the state_dict's names
// and shapes and imports back to the same weights, bit for bit, and the imported model scores a text as
// the original does from a zero state; files PyTorch itself writes (a non-zero bias_hh, F64, metadata
// missing but the vocab) import; a bad file is one line naming the tensor, the shape or the field.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readCheckpoint, writeCheckpoint } from '../../src/checkpoint/format.js';
import { checkpointBytes, layoutOf, readAnyCheckpoint } from '../../src/checkpoint/interop.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafeTensors,
  type Tensor,
} from '../../src/checkpoint/safetensors.js';
import { exportTorch, importTorch } from '../../src/checkpoint/torch.js';
import { type Corpus, corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';

/** How close the imported model's loss is to the original's (nats/char); the measured difference is 0. */
const SCORE_TOLERANCE = 1e-6;

const TEXT = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs!\n'.repeat(
  12,
);
let corpus: Corpus;
before(async () => {
  await initKernels();
  corpus = corpusFromString(TEXT);
});

const small = { hidden: 12, batch: 2, seqLength: 8, init: 'torch', optimizer: 'adam', lr: 0.01 } as const;
const CASES: [string, Partial<TrainConfig>][] = [
  ["the seed's (min-char-rnn, one stream)", { seed: 1 }],
  ["the seed's in f64", { seed: 1, dtype: 'f64' }],
  ['rnn 1 layer one-hot', { ...small, model: 'rnn', layers: 1, embedding: 0 }],
  ['rnn 2 layers embedding', { ...small, model: 'rnn', layers: 2, embedding: 6 }],
  ['lstm 1 layer one-hot', { ...small, model: 'lstm', layers: 1, embedding: 0 }],
  ['lstm 2 layers embedding', { ...small, model: 'lstm', layers: 2, embedding: 6 }],
  ['gru 1 layer one-hot', { ...small, model: 'gru', layers: 1, embedding: 0 }],
  ['gru 2 layers embedding, f64', { ...small, model: 'gru', layers: 2, embedding: 6, dtype: 'f64' }],
  ['gru 3 layers embedding, dropout', { ...small, model: 'gru', layers: 3, embedding: 6, dropout: 0.1 }],
];

/** A model of `settings` trained a few steps (so every bias and weight has moved), as a checkpoint. */
function trained(settings: Partial<TrainConfig>) {
  const t = Trainer.create(corpus, { seed: 7, sampleEvery: 0, ...settings });
  try {
    for (let i = 0; i < 6; i++) t.step();
    return t.snapshot();
  } finally {
    t.close();
  }
}

/** The loss of the text from a zero state: a checkpoint's model restored with its carried state zeroed. */
function zeroStateLoss(ck: ReturnType<typeof trained>): number {
  const t = Trainer.restore({ ...ck, state: new Float64Array(ck.state.length) });
  try {
    return t.score(corpus).valLoss;
  } finally {
    t.close();
  }
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): { at: number; diff: number } {
  let worst = { at: -1, diff: 0 };
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!(diff <= worst.diff)) worst = { at: i, diff };
  }
  return worst;
}

function torchNames(layers: number, embedding: boolean): string[] {
  const names = embedding ? ['embedding.weight'] : [];
  for (let k = 0; k < layers; k++)
    for (const n of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) names.push(`rnn.${n}_l${k}`);
  return [...names, 'decoder.weight', 'decoder.bias'];
}

describe('export -> import, every model', () => {
  for (const [name, settings] of CASES) {
    it(`${name}: the state_dict's names, the same weights, the same loss from a zero state`, (t) => {
      const ck = trained(settings);
      const c = ck.config;
      const bytes = exportTorch(ck);
      const st = decodeSafetensors(bytes);
      assert.deepEqual([...st.tensors.keys()], torchNames(c.layers, c.embedding > 0));
      const dtype = c.dtype === 'f64' ? 'F64' : 'F32';
      assert.ok(
        [...st.tensors.values()].every((x) => x.dtype === dtype),
        `every tensor is ${dtype}`,
      );
      assert.deepEqual(st.metadata, {
        format: 'charrnn-torch',
        model: c.model,
        layers: String(c.layers),
        hidden: String(c.hidden),
        embedding: String(c.embedding),
        vocab: JSON.stringify(ck.vocab.codePoints),
        dropout: String(c.dropout),
      });
      const V = ck.vocab.size;
      const G = { rnn: 1, lstm: 4, gru: 3 }[c.model];
      assert.deepEqual(st.tensors.get('rnn.weight_ih_l0')!.shape, [G * c.hidden, c.embedding || V]);
      assert.deepEqual(st.tensors.get('decoder.weight')!.shape, [V, c.hidden]);

      const back = importTorch(bytes);
      assert.deepEqual([...back.params.keys()], [...ck.params.keys()]);
      let worst = 0;
      for (const [key, x] of ck.params) {
        const y = back.params.get(key)!;
        assert.deepEqual([y.dtype, y.shape], [x.dtype, x.shape], key);
        const d = largestDifference(x.data, y.data);
        assert.equal(d.at, -1, `${key} differs at [${d.at}] by ${d.diff}`);
        worst = Math.max(worst, d.diff);
      }
      const want = zeroStateLoss(ck);
      const imported = Trainer.restore(back);
      const got = imported.score(corpus).valLoss;
      imported.close();
      t.diagnostic(
        `${name}: largest weight difference ${worst}, loss ${got} vs ${want} (difference ${Math.abs(got - want)})`,
      );
      assert.ok(Math.abs(got - want) <= SCORE_TOLERANCE, `loss ${got} vs ${want}`);
    });
  }

  it('imports a complete checkpoint: the default preset with the sizes, fresh optimizer, zero state', () => {
    const ck = trained({ ...small, model: 'lstm', layers: 2, embedding: 6 });
    const back = readCheckpoint(writeCheckpoint(importTorch(exportTorch(ck))));
    const c = back.config;
    assert.deepEqual(
      [c.model, c.layers, c.hidden, c.embedding, c.dtype, c.batch, c.seqLength, c.optimizer, c.lr],
      ['lstm', 2, 12, 6, 'f32', 32, 64, 'adam', 0.002],
      'char-lstm with the file sizes',
    );
    assert.deepEqual([...back.slots.keys()], ['m', 'v']);
    const numParams = [...back.params.values()].reduce((n, x) => n + x.data.length, 0);
    assert.ok([...back.slots.values()].every((s) => s.length === numParams && s.every((x) => x === 0)));
    assert.equal(back.state.length, 2 * 2 * 32 * 12, 'h and c of 2 layers, 32 streams');
    assert.ok(back.state.every((x) => x === 0));
    assert.deepEqual([back.progress.iter, back.progress.optimizerSteps], [0, 0]);
    const seed = readCheckpoint(writeCheckpoint(importTorch(exportTorch(trained({ seed: 1 })))));
    assert.deepEqual(
      [seed.config.model, seed.config.batch, seed.config.optimizer, seed.progress.smoothLoss],
      ['rnn', 1, 'adagrad', -Math.log(1 / seed.vocab.size) * 25],
      "the seed's model imports as min-char-rnn",
    );
  });

  it('an import has not started: train --resume may change its --batch and --seq-length', () => {
    const back = importTorch(exportTorch(trained({ ...small, model: 'lstm', layers: 2, embedding: 6 })));
    // the same weights in a checkpoint made with batch 2 and seq-length 8 from the start
    const native = {
      ...back,
      config: { ...back.config, batch: 2, seqLength: 8 },
      state: new Float64Array(2 * 2 * 2 * 12),
    };
    const a = Trainer.restore(back, corpus, { batch: 2, seqLength: 8 });
    const b = Trainer.restore(native, corpus);
    try {
      assert.deepEqual([a.config.batch, a.config.seqLength], [2, 8]);
      assert.deepEqual(a.changedOnResume, ['batch', 'seqLength']);
      for (let i = 0; i < 4; i++) assert.equal(a.step().loss, b.step().loss, `iteration ${i}: the same loss`);
      // once trained, the layout is fixed again
      const later = a.snapshot();
      assert.throws(
        () => Trainer.restore(later, corpus, { batch: 4 }),
        (e: unknown) =>
          e instanceof CharrnnError &&
          /trained with --batch 2; it cannot be changed to 4 on resume/.test(e.line),
      );
    } finally {
      a.close();
      b.close();
    }
    // the seed's window loss: the smooth loss a new run of the new window starts from
    const seed = importTorch(exportTorch(trained({ seed: 1 })));
    const t = Trainer.restore(seed, corpus, { seqLength: 10 });
    assert.equal(t.snapshot().progress.smoothLoss, -Math.log(1 / seed.vocab.size) * 10);
    t.close();
  });

  it('reads either layout through one reader', () => {
    const ck = trained({ ...small, model: 'gru', layers: 1, embedding: 0 });
    const own = writeCheckpoint(ck);
    const torch = exportTorch(ck);
    assert.equal(readAnyCheckpoint(own).progress.iter, 6);
    assert.equal(readAnyCheckpoint(torch).progress.iter, 0);
    assert.equal(checkpointBytes(own), own, 'a checkpoint as it is');
    assert.deepEqual([...readCheckpoint(checkpointBytes(torch)).params.keys()], [...ck.params.keys()]);
    // a PyTorch file without the format, its module named otherwise: read as that layout (eval, sample and
    // info say what to rename), not as a charrnn checkpoint whose metadata lacks the format
    const wrapped = edited(torch, (st) => {
      st.metadata = { vocab: st.metadata.vocab! };
      st.tensors = new Map([...st.tensors].map(([n, x]) => [`module.${n}`, x]));
    });
    assert.throws(
      () => readAnyCheckpoint(wrapped, "'m.safetensors'"),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /^'m\.safetensors' is not a charrnn torch file: its recurrent tensors are named 'module\.rnn\.weight_hh_l0'/.test(
          e.line,
        ),
    );
  });
});

/**
 * The file with tensor `name` (replaced or added) of a dtype charrnn's encoder does not write: its entry
 * in the header edited by hand, 2 or 8 bytes an element, two elements of zeros.
 */
function withRawTensor(bytes: Uint8Array, name: string, dtype: string): Uint8Array {
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size)));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [n, entry] of Object.entries(header) as [string, { data_offsets: number[] }][]) {
    if (n === '__metadata__' || n === name) continue;
    const [b, e] = entry.data_offsets;
    chunks.push(bytes.subarray(8 + size + b, 8 + size + e));
    entry.data_offsets = [offset, offset + e - b];
    offset += e - b;
  }
  const width = dtype === 'I64' ? 8 : 2;
  const tail = new Uint8Array(2 * width);
  header[name] = { dtype, shape: [2], data_offsets: [offset, offset + tail.length] };
  chunks.push(tail);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + offset + tail.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The file with its tensors and metadata changed by `edit`. */
function edited(bytes: Uint8Array, edit: (st: SafeTensors) => void): Uint8Array {
  const st = decodeSafetensors(bytes);
  edit(st);
  return encodeSafetensors(st);
}

describe('files PyTorch writes', () => {
  it('a non-zero bias_hh folds in (the GRU keeps its n part apart); no metadata but the vocab; F64', () => {
    for (const settings of [
      { ...small, model: 'rnn', layers: 2, embedding: 0 },
      { ...small, model: 'lstm', layers: 1, embedding: 6 },
      { ...small, model: 'gru', layers: 2, embedding: 6 },
      { ...small, model: 'gru', layers: 1, embedding: 0, dtype: 'f64' },
    ] as Partial<TrainConfig>[]) {
      const ck = trained(settings);
      const H = ck.config.hidden;
      const gru = ck.config.model === 'gru';
      // split each bias between bias_ih and bias_hh as training in PyTorch would leave it; the GRU's
      // bias_hh n part is its own parameter (bhn), and stays as exported
      const split = edited(exportTorch(ck), (st) => {
        for (const [name, x] of st.tensors) {
          if (!name.startsWith('rnn.bias_ih_l')) continue;
          const hh = st.tensors.get(name.replace('bias_ih', 'bias_hh'))!;
          const n = gru ? 2 * H : x.data.length;
          for (let i = 0; i < n; i++) {
            const d = 0.25 * Math.sin(i + 1);
            x.data[i] -= d;
            hh.data[i] += d;
          }
        }
        st.metadata = { vocab: st.metadata.vocab! };
      });
      const back = importTorch(split);
      assert.equal(back.config.model, ck.config.model, 'the cell from the shapes');
      assert.deepEqual(
        [back.config.layers, back.config.hidden, back.config.embedding, back.config.dtype],
        [ck.config.layers, H, ck.config.embedding, ck.config.dtype],
      );
      const want = zeroStateLoss(ck);
      const t = Trainer.restore(back);
      const got = t.score(corpus).valLoss;
      t.close();
      assert.ok(Math.abs(got - want) <= SCORE_TOLERANCE, `${ck.config.model}: loss ${got} vs ${want}`);
      if (gru) {
        // the n part of bias_hh sits inside r * (.): moving it into bias_ih changes the model
        const moved = edited(split, (st) => {
          const ih = st.tensors.get('rnn.bias_ih_l0')!;
          const hh = st.tensors.get('rnn.bias_hh_l0')!;
          for (let i = 2 * H; i < 3 * H; i++) {
            ih.data[i] += hh.data[i];
            hh.data[i] = 0;
          }
        });
        const u = Trainer.restore(importTorch(moved));
        assert.ok(Math.abs(u.score(corpus).valLoss - want) > 1e-4, "b_hn is not b_in's");
        u.close();
      }
    }
  });
});

describe('a cell built with bias=False', () => {
  it('has no bias_ih or bias_hh in any layer: imports with zero biases, scoring as PyTorch would', () => {
    for (const settings of [
      { ...small, model: 'lstm', layers: 2, embedding: 0 },
      { ...small, model: 'gru', layers: 2, embedding: 6 },
    ] as Partial<TrainConfig>[]) {
      const ck = trained(settings);
      // the same model with its recurrent biases zeroed is what PyTorch's bias=False module computes
      const zeroed = new Map(ck.params);
      for (const [name, x] of ck.params)
        if (/^l\d+\.(b|bih|bhn)$/.test(name)) zeroed.set(name, { ...x, data: x.data.map(() => 0) } as Tensor);
      const want = zeroStateLoss({ ...ck, params: zeroed });
      const biasFree = edited(exportTorch(ck), (st) => {
        for (const name of [...st.tensors.keys()]) if (name.startsWith('rnn.bias_')) st.tensors.delete(name);
      });
      const back = importTorch(biasFree);
      const t = Trainer.restore(back);
      const got = t.score(corpus).valLoss;
      t.close();
      assert.ok(Math.abs(got - want) <= SCORE_TOLERANCE, `${settings.model}: loss ${got} vs ${want}`);
      assert.ok(Math.abs(got - zeroStateLoss(ck)) > 1e-4, 'the biases did matter');
    }
  });

  it('one layer without its biases is still refused', () => {
    const bytes = edited(exportTorch(trained({ ...small, model: 'lstm', layers: 2, embedding: 0 })), (st) => {
      st.tensors.delete('rnn.bias_ih_l1');
      st.tensors.delete('rnn.bias_hh_l1');
    });
    assert.throws(
      () => importTorch(bytes, "'m.safetensors'"),
      (e: unknown) => e instanceof CharrnnError && /tensor 'rnn\.bias_ih_l1' is missing/.test(e.line),
    );
  });
});

describe("a vocabulary in another order than charrnn's", () => {
  // a PyTorch user's ids are often in order of first appearance: the file's rows are in its vocab's order
  for (const settings of [
    { ...small, model: 'lstm', layers: 2, embedding: 0 },
    { ...small, model: 'gru', layers: 1, embedding: 6, dtype: 'f64' },
  ] as Partial<TrainConfig>[]) {
    it(`${settings.model}, ${settings.embedding ? 'embedding' : 'one-hot'}: imports sorted, scoring as before`, () => {
      const ck = trained(settings);
      const V = ck.vocab.size;
      // the file's id i is charrnn's id perm[i] (a fixed shuffle: every symbol moves)
      const perm = Array.from({ length: V }, (_, i) => (i * 7 + 3) % V);
      assert.equal(new Set(perm).size, V);
      const shuffled = edited(exportTorch(ck), (st) => {
        const rows = (name: string) => {
          const x = st.tensors.get(name)!;
          const n = x.data.length / V;
          const y = x.data.slice();
          for (let i = 0; i < V; i++) y.set(x.data.subarray(perm[i] * n, (perm[i] + 1) * n), i * n);
          st.tensors.set(name, { ...x, data: y } as Tensor);
        };
        if (ck.config.embedding > 0) rows('embedding.weight');
        else {
          const x = st.tensors.get('rnn.weight_ih_l0')!;
          const y = x.data.slice();
          for (let r = 0; r < x.data.length / V; r++)
            for (let i = 0; i < V; i++) y[r * V + i] = x.data[r * V + perm[i]];
          st.tensors.set('rnn.weight_ih_l0', { ...x, data: y } as Tensor);
        }
        rows('decoder.weight');
        rows('decoder.bias');
        st.metadata.vocab = JSON.stringify(perm.map((j) => ck.vocab.codePoints[j]));
      });
      const back = importTorch(shuffled);
      assert.deepEqual(back.vocab.codePoints, ck.vocab.codePoints, 'the vocabulary sorted');
      for (const [name, x] of ck.params) {
        const { at, diff } = largestDifference(back.params.get(name)!.data, x.data);
        assert.equal(diff, 0, `${name}: the largest difference ${diff} at index ${at}`);
      }
      const want = zeroStateLoss(ck);
      const t = Trainer.restore(back);
      const got = t.score(corpus).valLoss;
      t.close();
      assert.ok(Math.abs(got - want) <= SCORE_TOLERANCE, `loss ${got} vs ${want}`);
    });
  }

  it('a symbol listed twice is one line that names it', () => {
    const bytes = edited(exportTorch(trained({ ...small, model: 'gru', layers: 1, embedding: 6 })), (st) => {
      const cps = JSON.parse(st.metadata.vocab!) as number[];
      cps[cps.length - 1] = cps[0];
      st.metadata.vocab = JSON.stringify(cps);
    });
    assert.throws(
      () => importTorch(bytes, "'m.safetensors'"),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /^'m\.safetensors' is not a charrnn torch file: metadata 'vocab' lists U\+000A twice/.test(e.line),
    );
  });
});

describe('a bad torch file is one line that names the problem', () => {
  const file = () => exportTorch(trained({ ...small, model: 'lstm', layers: 2, embedding: 6 }));
  const cases: [string, (st: SafeTensors) => void, RegExp][] = [
    [
      'a missing tensor',
      (st) => st.tensors.delete('rnn.weight_hh_l1'),
      /^'m\.safetensors' is not a charrnn torch file: tensor 'rnn\.weight_hh_l1' is missing; /,
    ],
    [
      'a missing bias',
      (st) => st.tensors.delete('decoder.bias'),
      /^'m\.safetensors' is not a charrnn torch file: tensor 'decoder\.bias' is missing;/,
    ],
    [
      'a wrong shape',
      (st) => {
        const x = st.tensors.get('rnn.weight_hh_l1')!;
        st.tensors.set('rnn.weight_hh_l1', { ...x, shape: [24, 24], data: x.data.slice(0, 576) } as Tensor);
      },
      /tensor 'rnn\.weight_hh_l1' has shape \[24,24\], expected \[48,12\]/,
    ],
    [
      'an unknown model',
      (st) => {
        st.metadata.model = 'transformer';
      },
      /its metadata 'model' is 'transformer', expected one of rnn, lstm, gru/,
    ],
    [
      'no vocabulary',
      (st) => {
        delete st.metadata.vocab;
      },
      /metadata 'vocab' is missing/,
    ],
    [
      'a vocabulary of characters, not code points',
      (st) => {
        st.metadata.vocab = JSON.stringify([...'abcdef']);
      },
      /metadata 'vocab' is a list of characters, where charrnn reads their code points; write it as json\.dumps\(\[ord\(c\) for c in vocab\]\)$/,
    ],
    [
      'a vocabulary that does not fit the decoder',
      (st) => {
        st.metadata.vocab = '[97,98,99]';
      },
      /tensor 'embedding\.weight' has shape \[\d+,6\], expected \[3,6\]/,
    ],
    [
      'a tensor of another model',
      (st) => {
        st.tensors.set('rnn.weight_ih_l2', st.tensors.get('decoder.bias')!);
      },
      /tensor 'rnn\.weight_ih_l2' is not in a state_dict of a 2-layer lstm with an embedding/,
    ],
    [
      'mixed dtypes',
      (st) => {
        const x = st.tensors.get('decoder.bias')!;
        st.tensors.set('decoder.bias', { ...x, dtype: 'F64', data: Float64Array.from(x.data) });
      },
      /tensor 'decoder\.bias' is F64, but 'rnn\.weight_hh_l0' is F32/,
    ],
    [
      'a bidirectional RNN',
      (st) => {
        for (const name of ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0'])
          st.tensors.set(`${name}_reverse`, st.tensors.get(name)!);
      },
      /: it is a bidirectional RNN \(tensor 'rnn\.weight_ih_l0_reverse'\), .*; train it with bidirectional=False$/,
    ],
    [
      'an LSTM with proj_size',
      (st) => {
        const x = st.tensors.get('rnn.weight_hh_l0')!;
        st.tensors.set('rnn.weight_hr_l0', { ...x, shape: [6, 12], data: x.data.slice(0, 72) } as Tensor);
      },
      /: it is an LSTM with proj_size > 0 \(tensor 'rnn\.weight_hr_l0'\), .*; train it with proj_size=0$/,
    ],
    [
      "an RNN whose metadata says nonlinearity='relu'",
      (st) => {
        st.metadata.nonlinearity = 'relu';
      },
      /: its metadata 'nonlinearity' is 'relu', and charrnn's RNN is tanh; train it with nonlinearity='tanh'$/,
    ],
    [
      "a DDP model's state_dict (every name prefixed 'module.')",
      (st) => {
        st.tensors = new Map([...st.tensors].map(([n, x]) => [`module.${n}`, x]));
      },
      /: its recurrent tensors are named 'module\.rnn\.weight_hh_l0' and so on, not 'rnn\.weight_hh_l0'; .*model\.module\.state_dict\(\)$/,
    ],
    [
      'an extra tensor',
      (st) => {
        st.tensors.set('rnn.weight_extra', st.tensors.get('decoder.bias')!);
      },
      /tensor 'rnn\.weight_extra' is not in a state_dict of a 2-layer lstm with an embedding; if it is the model's, name it as the layout does .*; else save the state_dict without it$/,
    ],
    [
      'a decoder named otherwise',
      (st) => {
        st.tensors.set('fc.weight', st.tensors.get('decoder.weight')!);
        st.tensors.delete('decoder.weight');
      },
      /tensor 'fc\.weight' is not in a state_dict of a 2-layer lstm with an embedding; if it is the model's, name it as the layout does \(embedding\.weight, rnn\.\*, decoder\.\*\)/,
    ],
    [
      'a charrnn checkpoint',
      (st) => {
        st.metadata.format = 'charrnn-checkpoint';
      },
      /it is a charrnn checkpoint already/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    it(what, () => {
      const bytes = edited(file(), edit);
      assert.throws(
        () => importTorch(bytes, "'m.safetensors'"),
        (e: unknown) => e instanceof CharrnnError && !e.line.includes('\n') && message.test(e.line),
      );
    });
  }

  // PyTorch writes dtypes charrnn's container does not read: half floats, and int64 buffers
  for (const [what, name, dtype, message] of [
    [
      'F16 weights',
      'decoder.bias',
      'F16',
      /has dtype F16, .*; charrnn reads F32 or F64: save the state_dict as float32/,
    ],
    [
      'BF16 weights',
      'decoder.bias',
      'BF16',
      /has dtype BF16, .*; charrnn reads F32 or F64: save the state_dict as float32/,
    ],
    [
      "a BatchNorm's num_batches_tracked",
      'num_batches_tracked',
      'I64',
      /tensor 'num_batches_tracked' has dtype I64, .*; .*save the state_dict without 'num_batches_tracked'$/,
    ],
  ] as const) {
    it(what, () => {
      const bytes = withRawTensor(file(), name, dtype);
      assert.throws(
        () => importTorch(bytes, "'m.safetensors'"),
        (e: unknown) =>
          e instanceof CharrnnError &&
          !e.line.includes('\n') &&
          /^'m\.safetensors' is not a charrnn torch file: /.test(e.line) &&
          message.test(e.line),
      );
      // eval, sample, info and the page read it through readAnyCheckpoint (and layoutOf, checkpointBytes):
      // the same advice there
      for (const read of [readAnyCheckpoint, checkpointBytes, layoutOf]) {
        assert.throws(
          () => read(bytes, "'m.safetensors'"),
          (e: unknown) =>
            e instanceof CharrnnError &&
            !e.line.includes('\n') &&
            /^'m\.safetensors' is not a valid charrnn checkpoint: /.test(e.line) &&
            message.test(e.line),
          read.name,
        );
      }
    });
  }

  it('a truncated file says so in the same words', () => {
    assert.throws(
      () => importTorch(file().subarray(0, 100), "'m.safetensors'"),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /^'m\.safetensors' is not a charrnn torch file: its header size \d+ does not fit in a file of 100 bytes/.test(
          e.line,
        ),
    );
  });
});
