// Checkpoints: the safetensors container, strict validation of every field, and exact restore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CharrnnError } from '../src/errors.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../src/safetensors.js';
import { corpusFromString } from '../src/text.js';
import { Trainer } from '../src/train.js';

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
        (h.Wxh as { dtype: string }).dtype = 'BF16';
      }),
      /dtype BF16/,
    ],
    [
      'overlapping tensors',
      withHeader(good, (h) => {
        (h.Whh as { data_offsets: number[] }).data_offsets = (
          h.Wxh as { data_offsets: number[] }
        ).data_offsets;
      }),
      /overlaps|does not match/,
    ],
    [
      'a shape that does not match the data',
      withHeader(good, (h) => {
        (h.bh as { shape: number[] }).shape = [3];
      }),
      /does not match its shape/,
    ],
    [
      'a metadata value that is not a string',
      withHeader(good, (h) => {
        (h.__metadata__ as Record<string, unknown>).iter = 5;
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
      /has shape \[16,\d+\], expected \[17/,
    ],
    [
      'a broken vocabulary',
      withHeader(good, (h) => {
        (h.__metadata__ as Record<string, string>).vocab = '[3,2,1]';
      }),
      /vocabulary/,
    ],
  ];
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
    assert.deepEqual(resumed.toCheckpoint(), straight.toCheckpoint());
  });

  it('refuses text with symbols outside the checkpoint vocabulary', () => {
    assert.throws(
      () =>
        Trainer.fromCheckpoint(small().toCheckpoint(), corpusFromString('the quick brown fox! '.repeat(3))),
      (e: unknown) =>
        e instanceof CharrnnError && /1 symbol outside the model's vocabulary \("!"\)/.test(e.message),
    );
  });
});

describe('checkpoint bytes from Node', () => {
  it('decodes a Node Buffer (whose slice shares memory) as well as a Uint8Array', async () => {
    const { Buffer } = await import('node:buffer');
    const bytes = small().toCheckpoint();
    const padded = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    const t = Trainer.fromCheckpoint(padded, corpus, { backend: 'ref' });
    assert.deepEqual(t.toCheckpoint(), bytes);
  });
});
