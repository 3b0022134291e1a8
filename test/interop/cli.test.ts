// `charrnn export` and `charrnn import` as a user runs them (the build: `npm run build`): the files they
// write, the torch layout read directly by sample and eval, and one line for every mistake (exit 2 for
// usage, 1 otherwise).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import { Trainer } from '../../src/training/trainer.js';
import { assertOneLineError } from '../helpers/cli.js';
import { charrnn, evalLoss } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const TEXT = 'to be, or not to be, that is the question: whether tis nobler in the mind to suffer\n'.repeat(
  6,
);

before(async () => {
  await initKernels();
  writeFileSync(at('text.txt'), TEXT);
  const t = Trainer.create(corpusFromString(TEXT), {
    ...{ model: 'lstm', hidden: 8, embedding: 4, batch: 2, seqLength: 8, seed: 2, sampleEvery: 0 },
  });
  for (let i = 0; i < 5; i++) t.step();
  writeFileSync(at('lstm.ckpt'), t.toCheckpoint());
  t.close();
});

describe('charrnn export and import', () => {
  it('export --format torch writes the state_dict; sample and eval read it; import makes a checkpoint', () => {
    const r = charrnn(dir, 'export', 'lstm.ckpt', '--format', 'torch', '-o', 'lstm.torch.safetensors');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const st = decodeSafetensors(new Uint8Array(readFileSync(at('lstm.torch.safetensors'))));
    assert.equal(st.metadata.format, 'charrnn-torch');
    assert.ok(st.tensors.has('rnn.weight_hh_l0') && st.tensors.has('embedding.weight'));
    // a model of two streams scores from zero, as the exported one does
    const want = evalLoss(charrnn(dir, 'eval', 'lstm.ckpt', 'text.txt'));
    assert.equal(evalLoss(charrnn(dir, 'eval', 'lstm.torch.safetensors', 'text.txt')), want);
    const s = charrnn(
      dir,
      'sample',
      'lstm.torch.safetensors',
      '--length',
      '40',
      '--seed',
      '1',
      '--prime',
      'to',
    );
    assert.equal(s.status, 0, s.stderr);
    assert.equal([...s.stdout].length, 43, 'the prime, 40 characters and a newline');
    const i = charrnn(dir, 'import', 'lstm.torch.safetensors', '-o', 'imported.ckpt');
    assert.equal(i.status, 0, i.stderr);
    assert.match(
      i.stderr,
      /^charrnn: wrote 'imported\.ckpt': lstm 1x8, embedding 4, \d+ symbols, f32; .*char-lstm/,
    );
    const ck = readCheckpoint(new Uint8Array(readFileSync(at('imported.ckpt'))));
    assert.deepEqual([ck.config.model, ck.config.hidden, ck.progress.iter], ['lstm', 8, 0]);
    assert.equal(evalLoss(charrnn(dir, 'eval', 'imported.ckpt', 'text.txt')), want);
    // trained on by charrnn: a text too short for the preset's 32 streams of 64 takes another layout; the
    // import has no seed (its RNG is a fresh one), which the training line shows as '-'
    const resumed = charrnn(
      dir,
      ...['train', 'text.txt', '--resume', 'imported.ckpt', '--batch', '2', '--seq-length', '8'],
      ...['--iters', '3', '--save', 'resumed.ckpt', '--sample-every', '0'],
    );
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /changed on resume: --batch 2, --seq-length 8/);
    const line = resumed.stderr.split('\n').find((l) => l.startsWith('charrnn: training '));
    assert.ok(line, resumed.stderr);
    assert.match(line, /; seed -; /);
    assert.doesNotMatch(resumed.stderr, /undefined/);
  });

  it('export without --format takes it from -o: .onnx, .safetensors (any case)', () => {
    for (const [name, format] of [
      ['named.onnx', 'onnx'],
      ['named.torch.safetensors', 'torch'],
      ['NAMED.SAFETENSORS', 'torch'],
    ]) {
      const r = charrnn(dir, 'export', 'lstm.ckpt', '-o', name);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`wrote '${name}' \\(${format}\\)`));
      assert.equal(
        charrnn(dir, 'export', 'lstm.ckpt', '--format', format, '-o', `given.${format}`).status,
        0,
      );
      assert.deepEqual(
        readFileSync(at(name)),
        readFileSync(at(`given.${format}`)),
        `${name}: as --format ${format}`,
      );
    }
  });

  it('every mistake is one line: exit 2 for usage, 1 for a bad file', () => {
    assertOneLineError(
      charrnn(dir, 'export', 'lstm.ckpt', '--format', 'tflite', '-o', 'x'),
      2,
      /--format 'tflite' is not a format; choose one of: torch, onnx/,
    );
    assertOneLineError(
      charrnn(dir, 'export', 'lstm.ckpt', '-o', 'x'),
      2,
      /no --format, and -o 'x' ends in neither \.onnx nor \.safetensors; give --format torch or onnx/,
    );
    assertOneLineError(
      charrnn(dir, 'export', 'lstm.ckpt', '--format', 'torch', '-o', 'x.onnx'),
      2,
      /--format torch contradicts -o 'x\.onnx', whose name says onnx; give -o a name ending in \.torch\.safetensors, or --format onnx/,
    );
    assert.ok(!existsSync(at('x.onnx')), 'a refused export wrote nothing');
    assertOneLineError(charrnn(dir, 'export', 'lstm.ckpt', '--format', 'torch'), 2, /-o, --output/);
    assertOneLineError(
      charrnn(dir, 'export', 'missing.ckpt', '--format', 'torch', '-o', 'x'),
      1,
      /the checkpoint 'missing\.ckpt' does not exist/,
    );
    assertOneLineError(
      charrnn(dir, 'export', 'lstm.ckpt', '--format', 'torch', '-o', join('no-such-folder', 'x')),
      1,
      /cannot write the torch export '.*no-such-folder.*': its folder does not exist/,
    );
    assertOneLineError(
      charrnn(dir, 'import', 'lstm.ckpt', '-o', 'x.ckpt'),
      1,
      /'lstm\.ckpt' is not a charrnn torch file: it is a charrnn checkpoint already/,
    );
    const st = decodeSafetensors(new Uint8Array(readFileSync(at('lstm.torch.safetensors'))));
    delete st.metadata.vocab;
    writeFileSync(at('novocab.safetensors'), encodeSafetensors(st));
    assertOneLineError(
      charrnn(dir, 'import', 'novocab.safetensors', '-o', 'x.ckpt'),
      1,
      /'novocab\.safetensors' is not a charrnn torch file: metadata 'vocab' is missing/,
    );
    // -o the input itself (by another path too): refused, the input left as it was
    const ckpt = readFileSync(at('lstm.ckpt'));
    const torchFile = readFileSync(at('lstm.torch.safetensors'));
    for (const format of ['onnx', 'torch']) {
      assertOneLineError(
        charrnn(dir, 'export', 'lstm.ckpt', '--format', format, '-o', `./lstm.ckpt`),
        2,
        /-o '\.\/lstm\.ckpt' is the checkpoint 'lstm\.ckpt' itself: writing it would replace it; give -o another path/,
      );
    }
    symlinkSync('lstm.ckpt', at('link.ckpt'));
    assertOneLineError(
      charrnn(dir, 'export', 'link.ckpt', '--format', 'torch', '-o', 'lstm.ckpt'),
      2,
      /-o 'lstm\.ckpt' is the checkpoint 'link\.ckpt' itself/,
    );
    assertOneLineError(
      charrnn(dir, 'import', 'lstm.torch.safetensors', '-o', 'lstm.torch.safetensors'),
      2,
      /-o 'lstm\.torch\.safetensors' is the torch file 'lstm\.torch\.safetensors' itself/,
    );
    assert.ok(readFileSync(at('lstm.ckpt')).equals(ckpt), 'the checkpoint is as it was');
    assert.ok(readFileSync(at('lstm.torch.safetensors')).equals(torchFile), 'the torch file is as it was');
    assertOneLineError(
      charrnn(dir, 'train', 'text.txt', '--resume', 'lstm.torch.safetensors'),
      2,
      /is a model in the PyTorch layout, not a checkpoint to resume; make one with charrnn import/,
    );
  });
});
