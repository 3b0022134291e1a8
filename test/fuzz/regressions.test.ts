// One focused test for each bug the fuzzers found (test/fuzz/BUGS.md lists them with their reproducers),
// and a check that the allocation meter the fuzzers rely on counts what it should.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { exportTorch, importTorch } from '../../src/checkpoint/torch.js';
import { corpusFromString, encodeCorpus } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { Trainer } from '../../src/training/trainer.js';
import { parseRaw, withHeader } from './container.js';
import { allocationBudget, lineProblem } from './harness.js';
import { installMeter, meterStart, meterStop, OverBudget } from './meter.js';
import { SEED_TEXT, seedFiles } from './seeds.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/v1/${name}`, import.meta.url)));
const seedCorpus = encodeCorpus(
  new Uint8Array(readFileSync(new URL('../fixtures/min-char-rnn-corpus.txt', import.meta.url))),
);
const v2 = (name: string) => seedFiles().checkpoints.find((c) => c.name === `v2/${name}`)!.bytes;
const torchOf = (name: string) => seedFiles().torch.find((c) => c.name === `torch/v2/${name}`)!.bytes;

/** The file with one metadata field changed (a JSON field through `f`, or a string set). */
function withMeta(bytes: Uint8Array, key: string, f: ((v: Record<string, unknown>) => unknown) | string) {
  const raw = parseRaw(bytes);
  const header = JSON.parse(JSON.stringify(raw.header));
  const meta = header.__metadata__;
  meta[key] = typeof f === 'string' ? f : JSON.stringify(f(JSON.parse(meta[key])));
  return withHeader(raw, header);
}

/** The file with one tensor's data changed in place (same dtype and shape). */
function withTensor(bytes: Uint8Array, name: string, f: (data: Float32Array | Float64Array) => void) {
  const st = decodeSafetensors(bytes);
  const t = st.tensors.get(name)!;
  const data = t.data.slice() as Float32Array | Float64Array;
  f(data);
  st.tensors.set(name, { ...t, data });
  return encodeSafetensors(st);
}

/** Runs `f` with the meter on; returns the bytes it allocated and what it threw. */
function metered(f: () => unknown): { bytes: number; error: unknown } {
  installMeter();
  meterStart(2 ** 31);
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  return { bytes: meterStop(), error };
}

/** `f` is refused with one line matching `pattern`, allocating no more than the budget of an `input`-byte file. */
function refusedSmall(f: () => unknown, pattern: RegExp, input: number) {
  const { bytes, error } = metered(f);
  assert.ok(error instanceof CharrnnError, `expected a CharrnnError, got ${String(error)}`);
  assert.equal(lineProblem(error), undefined, error.line);
  assert.match(error.message, pattern);
  assert.ok(bytes <= allocationBudget(input), `allocated ${bytes} bytes for a ${input}-byte file`);
  return error;
}

const load = (bytes: Uint8Array) => () => Trainer.fromCheckpoint(bytes, undefined, { threads: 1 }, 'ckpt');

describe('regressions the fuzzers found', () => {
  it('a config claiming a bigger model than its tensors is refused before the model is built', () => {
    for (const claim of [{ hidden: 4096 }, { hidden: 16384, layers: 64 }, { embedding: 16384 }]) {
      const bytes = withMeta(v2('rnn-adamw-2layer'), 'config', (c) => ({ ...c, ...claim }));
      refusedSmall(
        load(bytes),
        /tensor '[^']+' (has shape \[.*\], expected|is not a parameter of this model)/,
        bytes.length,
      );
    }
  });

  it('a batch that the carried state does not hold is refused before the model is built', () => {
    const bytes = withMeta(v2('lstm-f64-onehot'), 'config', (c) => ({ ...c, batch: 65536 }));
    refusedSmall(
      load(bytes),
      /tensor 'state' has 20 numbers, expected 655360 \(layers × batch × hidden × 2\)/,
      bytes.length,
    );
  });

  it("version 1: the seed's tensors are checked before its Adagrad memory is allocated", () => {
    const bytes = withMeta(fixture('seed.ckpt'), 'config', (c) => ({ ...c, hidden: 16384 }));
    refusedSmall(load(bytes), /tensor 'Wxh' has shape \[24,\d+\], expected \[16384,/, bytes.length);
  });

  it("version 1: a seed's config with a setting its format never had is refused, not a TypeError", () => {
    const bytes = withMeta(fixture('seed.ckpt'), 'config', (c) => ({ ...c, embedding: 4 }));
    refusedSmall(load(bytes), /a setting the seed's version-1 files do not have, 'embedding'/, bytes.length);
  });

  it('torch layout: a huge layer count is refused before the tensors are listed', () => {
    const bytes = withMeta(torchOf('gru-f64-sgd'), 'layers', '1000000000');
    const started = performance.now();
    refusedSmall(
      () => importTorch(bytes, 'x'),
      /--layers must be an integer >= 1 and <= 64, got 1000000000/,
      bytes.length,
    );
    assert.ok(performance.now() - started < 500);
  });

  it('values from a file are shown escaped and cut short in one line', () => {
    const long = withMeta(torchOf('seed-f32'), 'layers', 'x'.repeat(5000));
    const e1 = refusedSmall(
      () => importTorch(long, 'x'),
      /metadata 'layers' is 'x{40}…', not a whole number/,
      long.length,
    );
    assert.ok(e1.line.length < 300);
    const raw = parseRaw(v2('seed-f32'));
    const header = JSON.parse(JSON.stringify(raw.header));
    header['bad\nname'] = header.by;
    delete header.by;
    const named = withHeader(raw, header);
    refusedSmall(load(named), /tensor 'bad\\u000aname' is not a parameter/, named.length);
    const control = withMeta(v2('seed-f32'), 'config', (c) => ({ ...c, optimizer: 'adam\u0000\u2028' }));
    refusedSmall(load(control), /--optimizer must be one of .*, got 'adam\\u0000\\u2028'/, control.length);
    const deep = withMeta(v2('seed-f32'), 'config', (c) => ({ ...c, model: [[[[[1]]]]] }));
    refusedSmall(load(deep), /--model must be one of rnn, lstm, gru, got a list/, deep.length);
    const dims = parseRaw(v2('seed-f32'));
    const h2 = JSON.parse(JSON.stringify(dims.header));
    h2.by.shape = [...h2.by.shape, ...new Array(5000).fill(1)];
    const many = withHeader(dims, h2);
    const e2 = refusedSmall(
      load(many),
      /tensor 'by' has shape \[\d+(,1){7},… \(5001 dimensions\)\]/,
      many.length,
    );
    assert.ok(e2.line.length < 300);
  });

  it('a NaN or an infinity in the weights, the optimizer state or the carried state is refused, naming where', () => {
    const cases: [Uint8Array, RegExp][] = [
      [
        withTensor(v2('seed-f32'), 'Why', (d) => {
          d[3] = Number.NaN;
        }),
        /ckpt holds NaN in tensor 'Why' at index 3: the run that wrote it diverged/,
      ],
      [
        withTensor(v2('seed-f64'), 'optim.mem', (d) => {
          d[7] = Infinity;
        }),
        /holds Infinity in tensor 'optim.mem' at index 7/,
      ],
      [
        withTensor(v2('lstm-f64-onehot'), 'state', (d) => {
          d[1] = -Infinity;
        }),
        /holds -Infinity in tensor 'state' at index 1/,
      ],
      [
        withTensor(v2('lstm-f64-onehot'), 'optim.v', (d) => {
          d[2] = -1;
        }),
        /tensor 'optim.v' holds -1 at index 2, but it is a mean of squares/,
      ],
      [
        withTensor(v2('rnn-adamw-2layer'), 'state', (d) => {
          d[9] = 1e300;
        }),
        /tensor 'state' holds 1e\+300 at index 9, beyond the range of this f32 model/,
      ],
      [
        withTensor(fixture('seed.ckpt'), 'Whh', (d) => {
          d[0] = Number.NaN;
        }),
        /holds NaN in tensor 'l0.Whh' at index 0/,
      ],
    ];
    for (const [bytes, pattern] of cases) refusedSmall(load(bytes), pattern, bytes.length);
    const torch = withTensor(torchOf('gru-dropout-rmsprop'), 'decoder.weight', (d) => {
      d[3] = Number.NaN;
    });
    refusedSmall(() => importTorch(torch, 'x'), /tensor 'decoder.weight' holds NaN at index 3/, torch.length);
  });

  it("version 1: a recipe's file loaded without its text saves a file that loads, and resumes the same", () => {
    const original = fixture('gru.ckpt');
    const resaved = Trainer.fromCheckpoint(original).toCheckpoint();
    assert.equal(readCheckpoint(resaved).progress.position, undefined); // not known until the text is given
    const a = Trainer.fromCheckpoint(original, seedCorpus);
    const b = Trainer.fromCheckpoint(resaved, seedCorpus);
    for (let i = 0; i < 3; i++) assert.equal(b.step().loss, a.step().loss);
    assert.equal(b.position, a.position);
  });

  it("version 1: a recipe's negative best validation loss is refused, as version 2 refuses it", () => {
    for (const v of ['-1', '-Infinity']) {
      const bytes = withMeta(fixture('gru.ckpt'), 'bestValLoss', v);
      refusedSmall(load(bytes), /progress 'bestValLoss' is -(1|Infinity), not a loss/, bytes.length);
    }
  });

  it('a run at iteration 2^53 - 1 refuses another step, so that what it saves still loads', () => {
    const bytes = withMeta(v2('seed-f32'), 'progress', (p) => ({ ...p, iter: Number.MAX_SAFE_INTEGER }));
    const t = Trainer.fromCheckpoint(bytes, corpusFromString(SEED_TEXT));
    assert.throws(
      () => t.step(),
      /this run is at iteration 9007199254740991, the most a checkpoint can count/,
    );
    assert.equal(Trainer.fromCheckpoint(t.toCheckpoint()).iter, Number.MAX_SAFE_INTEGER);
  });

  it('a temperature so small that 1/T overflows samples the most likely symbol (argmax)', () => {
    const t = Trainer.fromCheckpoint(v2('seed-f64'));
    const greedy = [...t.sample(40, 'The', { argmax: true })].join('');
    for (const temperature of [1e-320, 5e-324]) {
      assert.equal([...t.sample(40, 'The', { temperature })].join(''), greedy);
    }
  });

  it('a vocabulary with a surrogate is refused (no text can hold one)', () => {
    const bytes = withMeta(v2('seed-f32'), 'vocab', JSON.stringify([10, 32, 0xd800]));
    refusedSmall(
      load(bytes),
      /its vocabulary is not a list of code points \(U\+0000 to U\+10FFFF, no surrogates\)/,
      bytes.length,
    );
    const torch = withMeta(torchOf('seed-f32'), 'vocab', JSON.stringify([0xdc00]));
    refusedSmall(() => importTorch(torch, 'x'), /no surrogates/, torch.length);
  });

  it('a model beyond the 4 GiB the kernels address is refused before anything is allocated', () => {
    const corpus = corpusFromString('abc abc abc abc');
    const e = refusedSmall(
      () => Trainer.create(corpus, { model: 'lstm', hidden: 16384, layers: 64, threads: 1, seed: 1 }),
      /a 64-layer lstm of hidden 16384, batch 1 and seq-length 25 needs \d+\.\d GiB, more than the 4 GiB a model can have/,
      0,
    );
    assert.equal(e.kind, 'usage');
  });

  it('a prime with a line separator or a C1 control is named by its code point only', () => {
    const t = Trainer.fromCheckpoint(v2('seed-f32'));
    for (const ch of ['\u2028', '\u0085', '\ud800']) {
      const e = refusedSmall(
        () => [...t.sample(5, `a${ch}`)],
        /the prime text contains U\+[0-9A-F]{4}, which/,
        0,
      );
      assert.ok(!e.line.includes(ch));
    }
  });

  it('an infinite smooth loss, an unknown optimizer array and a non-finite cached gaussian are refused', () => {
    const inf = withMeta(v2('seed-f32'), 'progress', (p) => ({ ...p, smoothLoss: 'Infinity' }));
    refusedSmall(load(inf), /progress 'smoothLoss' is not a valid number/, inf.length);
    const st = decodeSafetensors(v2('seed-f32'));
    st.tensors.set('optim.bogus', st.tensors.get('optim.mem')!);
    const extra = encodeSafetensors(st);
    refusedSmall(
      load(extra),
      /tensor 'optim.bogus' is not a state array of the adagrad optimizer/,
      extra.length,
    );
    const gauss = withMeta(v2('seed-f32'), 'rng', (r) => ({ ...r, hasGauss: true, gauss: 'NaN' }));
    refusedSmall(load(gauss), /metadata 'rng' is not a valid RNG state/, gauss.length);
  });

  it('every v2 seed, v1 fixture and torch export still loads (the checks refuse only what is wrong)', () => {
    for (const f of [...seedFiles().checkpoints, ...seedFiles().torch]) {
      const ck = f.name.startsWith('torch/') ? importTorch(f.bytes) : readCheckpoint(f.bytes);
      Trainer.restore(ck, undefined, { threads: 1 }).close();
    }
    assert.ok(exportTorch(readCheckpoint(v2('gru-f64-sgd'))).length > 0);
  });
});

describe('the allocation meter', () => {
  it('counts typed arrays, buffers and species copies, and stops at its ceiling', () => {
    const { bytes } = metered(() => {
      const a = new Float32Array(1000); // 4000
      a.slice(0, 500); // 2000, through Symbol.species
      Float64Array.from([1, 2, 3]); // 24
      new ArrayBuffer(100); // 100
      a.subarray(0, 10); // a view: 0
    });
    assert.equal(bytes, 6124);
    installMeter();
    meterStart(1000);
    assert.throws(() => new Uint8Array(2000), OverBudget);
    meterStop();
  });
});
