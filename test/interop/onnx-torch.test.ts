// The two exports against each other, on what the other interop tests do not reach: three layers, a
// vocabulary of more than 256 symbols (astral ones among them), every cell, one-hot and embedding input,
// f64. Each model goes out through the real CLI as ONNX and as PyTorch; PyTorch (charrnn_torch.py's
// module, in float64) runs batches of 3 streams, one step and 40 steps long, from random non-zero h0 (and
// c0), and onnxruntime-node runs the same ids from the same states: the logits, hn and cn agree within
// TOL. Needs Debian's PyTorch and the build (`npm run build`).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';
import { charrnnAsync, INTEROP, run, torchPython } from './helpers.js';

/** Largest absolute difference between onnxruntime's float32 and PyTorch's float64 (measured: below 5e-6) */
const TOL = 1e-4;
const HIDDEN = 12;
const LAYERS = 3;
const SHAPES: [batch: number, steps: number][] = [
  [3, 1],
  [3, 40],
];

const dir = mkdtempSync(join(tmpdir(), 'charrnn-onnx-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 300 symbols past the ASCII text: Greek, Cyrillic, CJK and emoji (astral), each at least once
const extra = [
  ...Array.from({ length: 50 }, (_, i) => 0x391 + i),
  ...Array.from({ length: 60 }, (_, i) => 0x410 + i),
  ...Array.from({ length: 120 }, (_, i) => 0x4e00 + i),
  ...Array.from({ length: 70 }, (_, i) => 0x1f600 + i),
].map((cp) => String.fromCodePoint(cp));
const TEXT = Array.from(
  { length: 3000 },
  (_, i) =>
    'the quick brown fox jumps over the lazy dog, '[i % 45] + (i % 5 === 0 ? extra[(i / 5) % 300] : ''),
).join('');

const CASES: [string, Partial<TrainConfig>][] = [
  ['rnn-onehot', { model: 'rnn', embedding: 0 }],
  ['lstm-embed', { model: 'lstm', embedding: 6 }],
  ['lstm-onehot-f64', { model: 'lstm', embedding: 0, dtype: 'f64' }],
  ['gru-embed-dropout', { model: 'gru', embedding: 6, dropout: 0.2 }],
];

// PyTorch's side: per model and shape, random ids and states (float32, so both sides start from the same
// numbers), and the float64 logits, hn and cn, as raw little-endian files
const PYTORCH = `
import sys, torch
sys.path.insert(0, sys.argv[1])
import charrnn_torch as ct
torch.manual_seed(0)
shapes = [(3, 1), (3, 40)]
for path in sys.argv[2:]:
    m = ct.load(path).double().eval()
    for B, T in shapes:
        ids = torch.randint(0, m.V, (B, T))
        h0 = (torch.randn(m.layers, B, m.hidden) * 0.5).float()
        c0 = (torch.randn(m.layers, B, m.hidden) * 0.5).float()
        state = (h0.double(), c0.double()) if m.kind == 'lstm' else h0.double()
        with torch.no_grad():
            logits, s = m(ids, state)
        hn, cn = s if m.kind == 'lstm' else (s, torch.zeros(0))
        out = f'{path}.{B}x{T}'
        for name, t, dtype in (('ids', ids, '<i8'), ('h0', h0, '<f4'), ('c0', c0, '<f4'),
                               ('logits', logits, '<f8'), ('hn', hn, '<f8'), ('cn', cn, '<f8')):
            t.numpy().astype(dtype).tofile(f'{out}.{name}')
    print(path, m.V)
`;

before(async () => {
  await initKernels();
  const corpus = corpusFromString(TEXT);
  assert.ok(corpus.vocab.size > 256, `${corpus.vocab.size} symbols`);
  for (const [name, settings] of CASES) {
    const t = Trainer.create(corpus, {
      ...{ layers: LAYERS, hidden: HIDDEN, batch: 2, seqLength: 16, init: 'torch', optimizer: 'adam' },
      ...{ lr: 0.01, seed: 5, sampleEvery: 0, ...settings },
    });
    for (let i = 0; i < 10; i++) t.step();
    writeFileSync(join(dir, `${name}.ckpt`), t.toCheckpoint());
    t.close();
  }
});

const read = (path: string) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
};

function largest(got: ArrayLike<number>, want: ArrayLike<number>): { diff: number; at: number } {
  assert.equal(got.length, want.length, 'the same number of values');
  let worst = { diff: 0, at: -1 };
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= worst.diff)) worst = { diff, at: i };
  }
  return worst;
}

it('ONNX and PyTorch exports agree: 3 layers, 300+ symbols, batches from non-zero states', async (t) => {
  const python = torchPython();
  const file = (name: string, ext: string) => join(dir, `${name}${ext}`);
  for (const [name] of CASES) {
    for (const format of ['torch', 'onnx']) {
      const ext = format === 'torch' ? '.torch.safetensors' : '.onnx';
      const r = await charrnnAsync(
        dir,
        'export',
        file(name, '.ckpt'),
        '--format',
        format,
        '-o',
        file(name, ext),
      );
      assert.equal(r.status, 0, r.stderr);
    }
  }
  const py = await run(
    python,
    ['-c', PYTORCH, INTEROP, ...CASES.map(([n]) => file(n, '.torch.safetensors'))],
    {
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    },
  );
  assert.equal(py.status, 0, py.stderr);
  for (const [name, settings] of CASES) {
    const session = await ort.InferenceSession.create(file(name, '.onnx'), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    const lstm = settings.model === 'lstm';
    for (const [B, T] of SHAPES) {
      const base = `${file(name, '.torch.safetensors')}.${B}x${T}`;
      const dims = [LAYERS, B, HIDDEN];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', new BigInt64Array(read(`${base}.ids`)), [B, T]),
        h0: new ort.Tensor('float32', new Float32Array(read(`${base}.h0`)), dims),
      };
      if (lstm) feeds.c0 = new ort.Tensor('float32', new Float32Array(read(`${base}.c0`)), dims);
      const out = await session.run(feeds);
      const V = out.logits!.dims[2]!;
      assert.deepEqual(out.logits!.dims, [B, T, V]);
      for (const key of lstm ? ['logits', 'hn', 'cn'] : ['logits', 'hn']) {
        const { diff, at } = largest(
          out[key]!.data as Float32Array,
          new Float64Array(read(`${base}.${key}`)),
        );
        const where =
          key === 'logits'
            ? `stream ${Math.floor(at / (T * V))}, step ${Math.floor(at / V) % T}, symbol ${at % V}`
            : `layer ${Math.floor(at / (B * HIDDEN))}, stream ${Math.floor(at / HIDDEN) % B}, unit ${at % HIDDEN}`;
        t.diagnostic(`${name} ${B}x${T} ${key}: largest difference ${diff.toExponential(2)} (${where})`);
        assert.ok(diff <= TOL, `${name} ${B}x${T} ${key}: largest difference ${diff} at ${where}`);
      }
    }
  }
});
