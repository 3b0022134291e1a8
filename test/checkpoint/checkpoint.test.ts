// Checkpoints (version 2): the safetensors container, strict validation of every field, one encoding of
// numbers (Infinity included), and exact restore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { exportOnnx } from '../../src/checkpoint/onnx.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/checkpoint/safetensors.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { Trainer } from '../../src/training/trainer.js';
import { assertSameCheckpoint } from '../helpers/checkpoints.js';

const corpus = corpusFromString('the quick brown fox jumps over the lazy dog. '.repeat(8));

function small(): Trainer {
  return Trainer.create(corpus, {
    hidden: 16,
    seqLength: 8,
    seed: 3,
    sampleEvery: 7,
    sampleLength: 10,
    backend: 'ref',
  });
}

/** A file with its header replaced (data kept), to forge bad headers. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors and metadata; data is 8-byte aligned', () => {
    const tensors = new Map<string, Tensor>([
      ['a', { dtype: 'F64', shape: [2, 3], data: Float64Array.of(1, -0, 3.5, Number.MIN_VALUE, 5, 6) }],
      ['b', { dtype: 'F32', shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) }],
      ['c', { dtype: 'I32', shape: [], data: Int32Array.of(-7) }],
    ]);
    const bytes = encodeSafetensors({ tensors, metadata: { k: 'v' } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
    const back = decodeSafetensors(bytes);
    assert.deepEqual(back.metadata, { k: 'v' });
    for (const [name, t] of tensors) {
      const u = back.tensors.get(name)!;
      assert.equal(u.dtype, t.dtype);
      assert.deepEqual(u.shape, t.shape);
      assert.deepEqual(Array.from(u.data), Array.from(t.data));
    }
    assert.ok(Object.is(back.tensors.get('a')!.data[1], -0));
  });

  it("aligns the data by the header's UTF-8 bytes, not its JavaScript characters", () => {
    const tensors = new Map<string, Tensor>([['x', { dtype: 'F32', shape: [1], data: Float32Array.of(1) }]]);
    // 'é' is one JavaScript character and two UTF-8 bytes, '𝄞' two characters and four bytes
    for (const v of ['é', 'éé', 'ééé', '𝄞', 'é𝄞', '训练']) {
      const bytes = encodeSafetensors({ tensors, metadata: { note: v } });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      assert.equal((8 + n) % 8, 0, `metadata ${JSON.stringify(v)}: the data starts at byte ${8 + n}`);
      assert.equal(bytes.length, 8 + n + 4);
      assert.deepEqual(decodeSafetensors(bytes).metadata, { note: v });
    }
  });

  const good = small().toCheckpoint();
  const cases: [string, Uint8Array, RegExp][] = [
    ['an empty file', new Uint8Array(0), /shorter than the 8-byte header size/],
    ['a truncated file', good.subarray(0, good.length - 10), /truncated|offsets outside/],
    [
      'a huge header size',
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
        return b;
      })(),
      /header size/,
    ],
    [
      'a header that is not JSON',
      (() => {
        const b = good.slice();
        b[9] = 0x7b;
        b[10] = 0x7b;
        return b;
      })(),
      /not valid JSON/,
    ],
    [
      'an unknown dtype',
      withHeader(good, (h) => {
        (h['l0.WihT'] as { dtype: string }).dtype = 'BF16';
      }),
      /dtype BF16/,
    ],
    [
      'overlapping tensors',
      withHeader(good, (h) => {
        (h['l0.Whh'] as { data_offsets: number[] }).data_offsets = (
          h['l0.WihT'] as { data_offsets: number[] }
        ).data_offsets;
      }),
      /overlaps|does not match/,
    ],
    [
      'a shape that does not match the data',
      withHeader(good, (h) => {
        (h['l0.b'] as { shape: number[] }).shape = [3];
      }),
      /does not match its shape/,
    ],
    [
      'a metadata value that is not a string',
      withHeader(good, (h) => {
        (h.__metadata__ as Record<string, unknown>).progress = 5;
      }),
      /is not a string/,
    ],
    [
      'another format',
      withHeader(good, (h) => {
        (h.__metadata__ as Record<string, unknown>).format = 'other';
      }),
      /does not name the charrnn format/,
    ],
    [
      'a wrong shape for the model',
      withHeader(good, (h) => {
        const cfg = JSON.parse((h.__metadata__ as Record<string, string>).config);
        cfg.hidden = 17;
        (h.__metadata__ as Record<string, string>).config = JSON.stringify(cfg);
      }),
      /has shape \[\d+,16\], expected \[\d+,17\]/,
    ],
    [
      'a broken vocabulary',
      withHeader(good, (h) => {
        (h.__metadata__ as Record<string, string>).vocab = '[3,2,1]';
      }),
      /vocabulary/,
    ],
    // files that are not safetensors at all are named by what they look like
    [
      'an ONNX model',
      exportOnnx(readCheckpoint(good)),
      /^ckpt is not a valid charrnn checkpoint: it is an ONNX model/,
    ],
    [
      'an ONNX model cut short (its first 100 bytes, and all but its last 10)',
      exportOnnx(readCheckpoint(good)).subarray(0, 100),
      /^ckpt is not a valid charrnn checkpoint: it is the start of an ONNX model, cut short/,
    ],
    [
      'an ONNX model cut short near its end',
      (() => {
        const onnx = exportOnnx(readCheckpoint(good));
        return onnx.subarray(0, onnx.length - 10);
      })(),
      /^ckpt is not a valid charrnn checkpoint: it is the start of an ONNX model, cut short/,
    ],
    [
      "a zip archive (torch.save's .pt)",
      Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...good.subarray(0, 60)]),
      /it is a zip archive, as torch.save writes/,
    ],
    ['a text file', new TextEncoder().encode('Première ligne.\n'.repeat(40)), /it is a text file/],
    ['a short text file', new TextEncoder().encode('hi\n'), /it is a text file/],
    [
      'other bytes (not named)',
      Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) % 256),
      /its header size \d+ does not fit in a file of 300 bytes/,
    ],
  ];
  it('a truncated checkpoint is not taken for another kind of file', () => {
    for (const n of [8, 100, 1000, good.length - 10]) {
      assert.throws(
        () => readCheckpoint(good.subarray(0, n), 'ckpt'),
        (e: unknown) => e instanceof CharrnnError && !/it is (an ONNX|a zip|a text)/.test(e.message),
      );
    }
  });
  for (const [what, bytes, pattern] of cases) {
    it(`refuses ${what} with one clear line`, () => {
      assert.throws(
        () => Trainer.fromCheckpoint(bytes, corpus, {}, 'ckpt'),
        (e: unknown) => e instanceof CharrnnError && pattern.test(e.message) && !e.line.includes('\n'),
      );
    });
  }
});

describe('exact restore', () => {
  it('N steps, checkpoint, restore, N more: bit for bit the same as 2N straight', () => {
    const straight = small();
    const events: string[] = [];
    for (let i = 0; i < 40; i++) events.push(JSON.stringify(straight.step()));
    const first = small();
    const resumedEvents: string[] = [];
    for (let i = 0; i < 20; i++) resumedEvents.push(JSON.stringify(first.step()));
    const resumed = Trainer.fromCheckpoint(first.toCheckpoint(), corpus, { backend: 'ref' });
    for (let i = 0; i < 20; i++) resumedEvents.push(JSON.stringify(resumed.step()));
    assert.deepEqual(resumedEvents, events);
    assertSameCheckpoint(resumed.toCheckpoint(), straight.toCheckpoint());
  });

  it('refuses text with symbols outside the checkpoint vocabulary', () => {
    assert.throws(
      () =>
        Trainer.fromCheckpoint(small().toCheckpoint(), corpusFromString('the quick brown fox! '.repeat(3))),
      (e: unknown) =>
        e instanceof CharrnnError &&
        /1 symbol outside the model's vocabulary \('!' \(U\+0021\)\)/.test(e.message),
    );
  });
});

describe('checkpoint bytes from Node', () => {
  it('decodes a Node Buffer (whose slice shares memory) as well as a Uint8Array', async () => {
    const { Buffer } = await import('node:buffer');
    const bytes = small().toCheckpoint();
    const padded = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    const t = Trainer.fromCheckpoint(padded, corpus, { backend: 'ref' });
    assertSameCheckpoint(t.toCheckpoint(), bytes);
  });
});

describe('version 2: one format for every model', () => {
  const models: [string, Parameters<typeof Trainer.create>[1]][] = [
    ["the seed's rnn, clip off (Infinity)", { hidden: 12, seqLength: 8, clip: Infinity, seed: 4 }],
    [
      'an rnn with 2 layers, embedding, batch 2, dropout and a cosine schedule',
      {
        hidden: 8,
        layers: 2,
        embedding: 4,
        batch: 2,
        seqLength: 8,
        dropout: 0.2,
        schedule: 'cosine',
        iters: 50,
        seed: 5,
      },
    ],
    [
      'an lstm, adam, validation',
      { model: 'lstm', hidden: 8, batch: 2, seqLength: 8, optimizer: 'adam', valFraction: 0.2, seed: 6 },
    ],
    [
      'a gru, one-hot, rmsprop',
      { model: 'gru', hidden: 8, seqLength: 8, optimizer: 'rmsprop', lr: 0.01, seed: 7 },
    ],
  ];
  for (const [what, settings] of models) {
    it(`${what}: restores every setting, tensor and state exactly`, () => {
      const t = Trainer.create(corpus, { ...settings, backend: 'ref', sampleEvery: 0 });
      for (let i = 0; i < 5; i++) t.step();
      const bytes = t.toCheckpoint();
      const ck = readCheckpoint(bytes);
      assert.equal(ck.version, 2);
      const { backend: _b, ...config } = t.config;
      const { backend: _c, ...restored } = ck.config;
      assert.deepEqual(restored, config);
      const again = Trainer.fromCheckpoint(bytes, corpus, { backend: 'ref' });
      assert.deepEqual(again.config.clip, t.config.clip);
      assertSameCheckpoint(again.toCheckpoint(), bytes);
      assert.deepEqual(again.step(), t.step());
    });
  }

  const good = Trainer.create(corpus, { hidden: 8, seqLength: 8, seed: 3, backend: 'ref' }).toCheckpoint();
  const cases: [string, (h: Record<string, unknown>) => void, RegExp][] = [
    [
      'a newer version',
      (h) => {
        (h.__metadata__ as Record<string, string>).version = '3';
      },
      /format version 3 is not supported \(this charrnn reads 1 and 2\)/,
    ],
    [
      'an RNG state of the wrong length',
      (h) => {
        const m = h.__metadata__ as Record<string, string>;
        m.rng = m.rng.replace('"mt":[', '"mt":[1,');
      },
      /metadata 'rng' is not a valid RNG state/,
    ],
    [
      'a negative iteration',
      (h) => {
        const m = h.__metadata__ as Record<string, string>;
        m.progress = m.progress.replace('"iter":0', '"iter":-3');
      },
      /'iter' is not a whole number/,
    ],
    [
      'a config setting it does not know',
      (h) => {
        const m = h.__metadata__ as Record<string, string>;
        m.config = m.config.replace('{', '{"turbo":true,');
      },
      /its config has an unknown setting 'turbo'/,
    ],
    [
      'a config value out of range',
      (h) => {
        const m = h.__metadata__ as Record<string, string>;
        m.config = m.config.replace('"lr":0.1', '"lr":-1');
      },
      /its config: --lr must be a number > 0/,
    ],
    [
      'a vocabulary that is not code points',
      (h) => {
        (h.__metadata__ as Record<string, string>).vocab = '[1.5, 2]';
      },
      /its vocabulary is not a list of code points/,
    ],
    [
      'a tensor the model does not have',
      (h) => {
        h['l9.Whh'] = h['l0.Whh'];
        delete h['l0.Whh'];
      },
      /tensor 'l9\.Whh' is not a parameter of this model/,
    ],
  ];
  for (const [what, edit, pattern] of cases) {
    it(`refuses ${what} with one line that names it`, () => {
      assert.throws(
        () => Trainer.fromCheckpoint(withHeader(good, edit), corpus, {}, 'ckpt'),
        (e: unknown) =>
          e instanceof CharrnnError &&
          pattern.test(e.message) &&
          /^ckpt is not a valid charrnn checkpoint/.test(e.message),
      );
    });
  }
});
