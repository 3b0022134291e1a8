// The ONNX export (src/checkpoint/onnx.ts) run by onnxruntime-node against charrnn's own generation path,
// for every cell (rnn, lstm, gru), 1 and 2 layers, one-hot and embedding input, the seed's min-char-rnn
// (f32 and f64), the char-lstm recipe as it is, and the first release's files: the runtime loads (and so
// validates) each model; its logits over a 1,000-character text from the zero state match charrnn's
// `forwardOne` to 1e-4, and so do hn (cn); streaming one id at a time with hn (cn) fed back gives
// `Trainer.sample`'s texts from the state it starts from, the greedy one (argmax) and one drawn with the
// same seed; a batch of streams gives each stream's own logits; the metadata names the model and its
// vocabulary; a checkpoint whose tensors do not fit its config is refused. Failures name the largest
// difference and where it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { exportOnnx, ONNX_FORMAT, ONNX_OPSET } from '../../src/checkpoint/onnx.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import { MT19937 } from '../../src/rng.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

/** Largest absolute difference allowed between the runtime's float32 logits (and states) and charrnn's. */
const TOL = 1e-4;
/** Characters of the generated texts compared. */
const GENERATED = 300;
const SAMPLE_SEED = 11;

const text = golden.corpus.slice(0, 1000);
const corpus = corpusFromString(golden.corpus.repeat(8));

interface Case {
  name: string;
  /** a checkpoint trained with these settings for `steps`, or a first-release file */
  settings?: Partial<TrainConfig>;
  steps?: number;
  file?: string;
}

const small = (model: TrainConfig['model'], layers: number, embedding: number): Case => ({
  name: `${model} ${layers}x24 ${embedding ? `embedding ${embedding}` : 'one-hot'}`,
  settings: presetConfig('char-lstm', {
    model,
    layers,
    hidden: 24,
    embedding,
    batch: 4,
    seqLength: 16,
    lr: 1e-2,
    sampleEvery: 0,
    seed: 7,
  }),
  steps: 60,
});

const CASES: Case[] = [
  { name: "the seed's min-char-rnn", settings: { seed: 1, sampleEvery: 0 }, steps: 300 },
  { name: "the seed's min-char-rnn, f64", settings: { seed: 2, sampleEvery: 0, dtype: 'f64' }, steps: 300 },
  ...(['rnn', 'lstm', 'gru'] as const).flatMap((m) =>
    [1, 2].flatMap((n) => [0, 8].map((e) => small(m, n, e))),
  ),
  { name: 'gru 2x24 with dropout', settings: { ...small('gru', 2, 8).settings, dropout: 0.3 }, steps: 60 },
  {
    name: 'the char-lstm recipe (2x256, embedding 64)',
    settings: presetConfig('char-lstm', { seed: 3, valFraction: 0 }),
    steps: 2,
  },
  ...['seed.ckpt', 'seed-f64.ckpt', 'lstm.ckpt', 'gru.ckpt', 'rnn-recipe.ckpt'].map((file) => ({
    name: `version 1: ${file}`,
    file,
  })),
];

function checkpointOf(c: Case): Uint8Array {
  if (c.file) return new Uint8Array(readFileSync(new URL(`../fixtures/v1/${c.file}`, import.meta.url)));
  const t = Trainer.create(corpus, c.settings);
  try {
    for (let i = 0; i < (c.steps ?? 0); i++) t.step();
    return t.toCheckpoint();
  } finally {
    t.close();
  }
}

// ---- running the exported model ----

interface Run {
  logits: Float32Array;
  hn: Float32Array;
  cn: Float32Array | undefined;
}

class OnnxModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly layers: number,
    readonly hidden: number,
    readonly lstm: boolean,
  ) {}

  static async load(bytes: Uint8Array, layers: number, hidden: number, lstm: boolean): Promise<OnnxModel> {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new OnnxModel(session, layers, hidden, lstm);
  }

  /** `streams` (B of equal length) from h0 (and c0), each (layers, B, hidden); zeros when absent. */
  async run(streams: ArrayLike<number>[], h0?: Float32Array, c0?: Float32Array): Promise<Run> {
    const [B, T] = [streams.length, streams[0].length];
    const ids = new BigInt64Array(B * T);
    streams.forEach((s, b) => {
      for (let t = 0; t < T; t++) ids[b * T + t] = BigInt(s[t]);
    });
    const dims = [this.layers, B, this.hidden];
    const zeros = () => new Float32Array(this.layers * B * this.hidden);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [B, T]),
      h0: new ort.Tensor('float32', h0 ?? zeros(), dims),
    };
    if (this.lstm) feeds.c0 = new ort.Tensor('float32', c0 ?? zeros(), dims);
    const out = await this.session.run(feeds);
    return {
      logits: out.logits!.data as Float32Array,
      hn: out.hn!.data as Float32Array,
      cn: this.lstm ? (out.cn!.data as Float32Array) : undefined,
    };
  }

  /**
   * `n` symbols after `prime`, as charrnn's `Trainer.sample` makes them: all of the prime but its last id in
   * one run from `start` (per layer h, then per layer c), then one id per run, picked from the logits.
   */
  async generate(
    prime: Int32Array,
    n: number,
    start: Float32Array,
    pick: (logits: Float32Array) => number,
    char: (id: number) => string,
  ): Promise<string> {
    const NH = this.layers * this.hidden;
    let s = await this.run([prime.subarray(0, -1)], start.subarray(0, NH), start.subarray(NH));
    let x = prime[prime.length - 1]!;
    let out = '';
    for (let i = 0; i < n; i++) {
      s = await this.run([[x]], s.hn, s.cn);
      x = pick(s.logits);
      out += char(x);
    }
    return out;
  }
}

/**
 * The largest |got - want| (`relative`: divided by max(1, |want|)), whether it is within `tol`, and where
 * (index i described by `where`).
 */
function largestDiff(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  where: (i: number) => string,
  tol = TOL,
  relative = false,
) {
  assert.equal(got.length, want.length, 'lengths differ');
  let at = 0;
  let diff = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]) / (relative ? Math.max(1, Math.abs(want[i])) : 1);
    if (!(d <= diff)) [diff, at] = [d, i];
  }
  const message = `largest ${relative ? 'relative ' : ''}difference ${diff.toExponential(3)} at ${where(at)}: onnxruntime ${got[at]}, charrnn ${want[at]} (tolerance ${tol})`;
  return { diff, ok: diff <= tol, message };
}

const show = (s: string) => JSON.stringify(s);

// ---- the tests ----

before(async () => {
  await initKernels();
});

describe('ONNX export, run by onnxruntime-node', () => {
  const results: string[] = [];

  for (const c of CASES) {
    it(`${c.name}: loads; logits, states, greedy and drawn texts match charrnn's`, async () => {
      const bytes = checkpointOf(c);
      const ck = readCheckpoint(bytes);
      const { layers: N, hidden: H, model } = ck.config;
      const lstm = model === 'lstm';
      const onnx = await OnnxModel.load(exportOnnx(ck), N, H, lstm);
      const t = Trainer.fromCheckpoint(bytes);
      const V = t.vocab.size;
      const ids = t.vocab.encode(text, 'the text');

      // logits over the whole text as one stream from the zero state, in one run
      t.model.resetGen();
      const want = new Float64Array(ids.length * V);
      for (let i = 0; i < ids.length; i++) want.set(t.model.forwardOne(ids[i]), i * V);
      const got = await onnx.run([ids]);
      const at = (i: number) => {
        const [pos, v] = [Math.floor(i / V), i % V];
        return `character ${pos} (${show(text[pos])}), the logit of ${show(t.vocab.char(v))}`;
      };
      const logits = largestDiff(got.logits, want, at);
      assert.ok(logits.ok, `${c.name}: logits: ${logits.message}`);
      // the states after it: charrnn's generation state is per layer h, then per layer c
      const gen = t.model.genState;
      const layer = (i: number) => `layer ${Math.floor(i / H)}, unit ${i % H}`;
      const hn = largestDiff(got.hn, gen.subarray(0, N * H), layer);
      assert.ok(hn.ok, `${c.name}: hn: ${hn.message}`);
      // c is not bounded as h is (|c| reaches 100 in these models): its difference counts relative to |c| > 1
      const cn = lstm ? largestDiff(got.cn!, gen.subarray(N * H), layer, TOL, true) : undefined;
      if (cn) assert.ok(cn.ok, `${c.name}: cn: ${cn.message}`);

      // generation, streaming one id at a time with hn (cn) fed back, from the state charrnn samples from
      // (the carried state of a one-stream checkpoint, the seed's; else zero): the greedy text, and since
      // greedy texts of small models soon loop, a text drawn with the same seed (numpy's choice)
      const prime = text.slice(0, 20);
      const start =
        t.config.batch === 1 ? Float32Array.from(ck.state) : new Float32Array(t.model.stateBuffers * H);
      const generate = (pick: (logits: Float32Array) => number) =>
        onnx.generate(t.vocab.encode(prime, 'the prime'), GENERATED, start, pick, (id) => t.vocab.char(id));
      const greedy = await generate(argmax);
      sameText(c.name, 'greedy', greedy, [...t.sample(GENERATED, prime, { argmax: true })].join(''));
      const rng = new MT19937(SAMPLE_SEED);
      const cdf = new Float64Array(V);
      const drawn = await generate((logits) => rng.choice(softmax(logits), V, cdf));
      t.rng.seed(SAMPLE_SEED);
      sameText(c.name, 'drawn', drawn, [...t.sample(GENERATED, prime)].join(''));
      results.push(
        `${c.name}: logits ${logits.diff.toExponential(2)}, hn ${hn.diff.toExponential(2)}${cn ? `, cn ${cn.diff.toExponential(2)} (relative)` : ''}; greedy and drawn texts agree (${GENERATED} characters each)`,
      );
      t.close();
    });
  }

  it('runs a batch of streams: each stream gets its own logits and states', async () => {
    const bytes = checkpointOf(small('lstm', 2, 8));
    const ck = readCheckpoint(bytes);
    const onnx = await OnnxModel.load(exportOnnx(ck), 2, 24, true);
    const ids = ck.vocab.encode(text, 'the text');
    const streams = [ids.subarray(0, 50), ids.subarray(300, 350), ids.subarray(700, 750)];
    const both = await onnx.run(streams);
    const V = ck.vocab.size;
    for (let b = 0; b < streams.length; b++) {
      const alone = await onnx.run([streams[b]]);
      const d = largestDiff(
        both.logits.subarray(b * 50 * V, (b + 1) * 50 * V),
        alone.logits,
        (i) => `character ${Math.floor(i / V)}, symbol ${i % V}`,
        1e-6,
      );
      assert.ok(d.ok, `stream ${b}: logits: ${d.message}`);
      for (let l = 0; l < 2; l++) {
        const [h, hAlone] = [
          both.hn.subarray((l * 3 + b) * 24, (l * 3 + b + 1) * 24),
          alone.hn.subarray(l * 24, (l + 1) * 24),
        ];
        const dh = largestDiff(h, hAlone, (i) => `unit ${i}`, 1e-6);
        assert.ok(dh.ok, `stream ${b}, layer ${l}: hn: ${dh.message}`);
      }
    }
  });

  it('names its inputs, outputs, opset and metadata: the checkpoint vocabulary, the model, format charrnn-onnx', async () => {
    for (const [c, names] of [
      [small('lstm', 2, 8), ['input_ids', 'h0', 'c0', 'logits', 'hn', 'cn']],
      [small('gru', 1, 0), ['input_ids', 'h0', 'logits', 'hn']],
    ] as const) {
      const ck = readCheckpoint(checkpointOf(c));
      const bytes = exportOnnx(ck);
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual([...session.inputNames, ...session.outputNames], names);
      const m = readModelProto(bytes);
      assert.equal(m.opset, ONNX_OPSET);
      assert.ok(ONNX_OPSET >= 17);
      assert.deepEqual(m.metadata, {
        format: ONNX_FORMAT,
        model: ck.config.model,
        layers: String(ck.config.layers),
        hidden: String(ck.config.hidden),
        embedding: String(ck.config.embedding),
        vocab: JSON.stringify(ck.vocab.codePoints),
      });
    }
  });

  it('refuses a checkpoint whose tensors do not fit its config, naming the tensor', () => {
    const ck = readCheckpoint(checkpointOf(small('rnn', 1, 0)));
    const Why = ck.params.get('Why')!;
    ck.params.set('Why', { ...Why, shape: [Why.shape[1]!, Why.shape[0]!] });
    assert.throws(
      () => exportOnnx(ck),
      (e) => e instanceof CharrnnError && /tensor 'Why'/.test(e.message),
    );
    ck.params.delete('l0.Whh');
    assert.throws(
      () => exportOnnx(ck),
      (e) => e instanceof CharrnnError && /'l0.Whh' is missing/.test(e.message),
    );
  });

  it('reports the largest differences per model', () => {
    for (const line of results) console.log(`  ${line}`);
  });
});

function sameText(name: string, what: string, got: string, want: string): void {
  const [a, b] = [[...got], [...want]];
  const first = a.findIndex((ch, i) => ch !== b[i]);
  assert.equal(
    first,
    -1,
    `${name}: the ${what} texts differ first at character ${first}: onnxruntime ${show(a.slice(first, first + 40).join(''))}, charrnn ${show(b.slice(first, first + 40).join(''))}`,
  );
  assert.equal(a.length, b.length);
}

/** The probabilities of `logits`, in float64 (charrnn's kernels do it in the model's dtype). */
function softmax(logits: ArrayLike<number>): Float64Array {
  const p = Float64Array.from(logits);
  const max = Math.max(...p);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i] = Math.exp(p[i]! - max);
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

// ---- reading back the top of a ModelProto (onnx.proto: opset_import 8, metadata_props 14) ----

function readModelProto(bytes: Uint8Array): { opset: number; metadata: Record<string, string> } {
  const metadata: Record<string, string> = {};
  let opset = 0;
  for (const f of fields(bytes)) {
    if (f.field === 8 && f.bytes) {
      for (const g of fields(f.bytes)) if (g.field === 2) opset = g.value;
    }
    if (f.field === 14 && f.bytes) {
      const kv = Object.fromEntries(
        [...fields(f.bytes)].map((g) => [g.field, new TextDecoder().decode(g.bytes)]),
      );
      metadata[kv[1]!] = kv[2]!;
    }
  }
  return { opset, metadata };
}

function* fields(buf: Uint8Array): Generator<{ field: number; value: number; bytes?: Uint8Array }> {
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = buf[i++]!;
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) yield { field, value: varint() };
    else if (wire === 2) {
      const n = varint();
      yield { field, value: n, bytes: buf.subarray(i, i + n) };
      i += n;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`wire type ${wire}`);
  }
}
