// The ONNX export (src/checkpoint/onnx.ts) against the specification's own validator: Debian's python3-onnx
// runs `onnx.checker.check_model(model, full_check=True)` on every kind of model charrnn exports (each
// cell, 1, 2 and 3 layers, one-hot and embedding input, dropout, f32 and f64, the first release's files).
// full_check adds strict shape inference, so a node whose inputs, attributes or declared outputs disagree
// in type or shape fails here even where onnxruntime would still run it (test/checkpoint/onnx.test.ts runs
// the same exports in onnxruntime-node and compares their numbers). Needs `apt-get install python3-onnx`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { exportOnnx, ONNX_OPSET } from '../../src/checkpoint/onnx.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-onnx-checker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Debian's Python first (`python3` on PATH may be a pyenv shim without it); fails with how to install. */
function onnxPython(): string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import onnx'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return assert.fail(
    'no Python with the onnx package (tried /usr/bin/python3 and python3): apt-get install python3-onnx',
  );
}

// One line of JSON per file: its name, the IR version, the opsets it imports, and what the checker said.
const CHECK = `
import json, sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    try:
        onnx.checker.check_model(m, full_check=True)
        error = None
    except Exception as e:
        error = ' '.join(str(e).split())[:500]
    print(json.dumps({'path': path, 'ir': m.ir_version,
                      'opsets': [[o.domain, o.version] for o in m.opset_import], 'error': error}))
`;

const corpus = corpusFromString(golden.corpus.repeat(4));

const small = (
  model: TrainConfig['model'],
  layers: number,
  embedding: number,
  more: Partial<TrainConfig> = {},
) =>
  presetConfig('char-lstm', {
    model,
    layers,
    hidden: 16,
    embedding,
    batch: 2,
    seqLength: 8,
    sampleEvery: 0,
    seed: 5,
    ...more,
  });

const CASES: { name: string; settings?: Partial<TrainConfig>; file?: string }[] = [
  { name: 'seed', settings: { seed: 1, sampleEvery: 0 } },
  { name: 'seed-f64', settings: { seed: 1, sampleEvery: 0, dtype: 'f64' } },
  ...(['rnn', 'lstm', 'gru'] as const).flatMap((m) =>
    [1, 2, 3].flatMap((n) => [0, 8].map((e) => ({ name: `${m}-${n}x16-e${e}`, settings: small(m, n, e) }))),
  ),
  { name: 'gru-dropout', settings: small('gru', 2, 8, { dropout: 0.3 }) },
  { name: 'lstm-f64', settings: small('lstm', 2, 8, { dtype: 'f64' }) },
  ...['seed.ckpt', 'lstm.ckpt', 'gru.ckpt', 'rnn-recipe.ckpt'].map((file) => ({ name: `v1-${file}`, file })),
];

const files: string[] = [];

before(async () => {
  await initKernels();
  for (const c of CASES) {
    let bytes: Uint8Array;
    if (c.file) {
      bytes = new Uint8Array(readFileSync(new URL(`../fixtures/v1/${c.file}`, import.meta.url)));
    } else {
      const t = Trainer.create(corpus, c.settings);
      try {
        for (let i = 0; i < 3; i++) t.step();
        bytes = t.toCheckpoint();
      } finally {
        t.close();
      }
    }
    const path = join(dir, `${c.name}.onnx`);
    writeFileSync(path, exportOnnx(readCheckpoint(bytes)));
    files.push(path);
  }
});

describe("ONNX export, checked by the onnx package's checker", () => {
  it('every exported model passes check_model with full_check (strict shape inference)', () => {
    const r = spawnSync(onnxPython(), ['-c', CHECK, ...files], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const results = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(results.length, files.length, r.stdout);
    const failed = results.filter((x) => x.error !== null).map((x) => `${x.path}: ${x.error}`);
    assert.deepEqual(
      failed,
      [],
      `the checker refused ${failed.length} of ${files.length}:\n${failed.join('\n')}`,
    );
    for (const x of results) assert.deepEqual(x.opsets, [['', ONNX_OPSET]], x.path);
  });
});
