// `charrnn info CKPT [--json]` through the real CLI (node dist/cli/main.js; `npm test` builds first): what it
// says of checkpoints of every kind charrnn reads (version 2 from `train`, the version-1 fixtures, the
// PyTorch layout from `export`), against what the runs that made them were told: the sizes and settings
// given, the parameter count from the cells' formulas, the vocabulary of the text, the iterations run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, type Run, runCli, succeeded } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const V1 = join(ROOT, 'test/fixtures/v1');
const dir = mkdtempSync(join(tmpdir(), 'charrnn-info-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir });
}
function ok(...args: string[]): string {
  return succeeded(charrnn(...args), `charrnn ${args.join(' ')}`).stdout;
}
function json(...args: string[]) {
  const out = ok('info', ...args, '--json');
  assert.equal(out.split('\n').length, 2, 'one line of JSON');
  return JSON.parse(out);
}

/**
 * Parameters of a model, from the cells' definitions: per layer G gate blocks of H x (input + H) weights
 * and H biases (G: rnn 1, lstm 4, gru 3, whose candidate's hidden bias b_hn is H more), an embedding of V x E
 * (the input is then E wide, else the V-wide one-hot symbol), and the decoder, V x H and V.
 */
function parameters(model: 'rnn' | 'lstm' | 'gru', layers: number, H: number, E: number, V: number): number {
  const G = { rnn: 1, lstm: 4, gru: 3 }[model];
  let n = E > 0 ? V * E : 0;
  for (let k = 0; k < layers; k++) {
    const input = k > 0 ? H : E > 0 ? E : V;
    n += G * H * (input + H + 1) + (model === 'gru' ? H : 0);
  }
  return n + V * H + V;
}

// A: the seed's RNN on a text whose vocabulary has control, separator and astral characters, a backslash
// and a quote (62 symbols, all in the preview). B: a GRU with validation on every printable ASCII
// character (96 symbols: the preview is the first 64).
const EXTRA = '\x01\t\u00a0\x7f\u{1F642}\\';
const textA = golden.corpus + EXTRA;
const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const textB = `${golden.corpus}${printable}\n`.repeat(4);
const vocabOf = (text: string) => [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);

before(() => {
  writeFileSync(join(dir, 'a.txt'), textA);
  writeFileSync(join(dir, 'b.txt'), textB);
  ok('train', 'a.txt', '--hidden', '24', '--iters', '300', '--seed', '2', '--save', 'a.ckpt', '--quiet');
  ok(
    'train',
    'b.txt',
    ...['--model', 'gru', '--layers', '2', '--hidden', '16', '--embedding', '8', '--batch', '2'],
    ...['--seq-length', '16', '--val-fraction', '0.2', '--eval-every', '20', '--iters', '40'],
    ...['--clip-norm', 'off', '--seed', '3', '--threads', '1', '--save', 'b.ckpt', '--quiet'],
  );
  ok('export', 'b.ckpt', '--format', 'torch', '-o', 'b.torch.safetensors');
});

describe('charrnn info', () => {
  it('prints the model, parameters, vocabulary preview (escaped), iterations, losses and configuration', () => {
    const out = ok('info', 'a.ckpt');
    const row = (name: string) => {
      const line = out.split('\n').find((l) => l.startsWith(`${name} `));
      assert.ok(line, `no line '${name}' in:\n${out}`);
      return line.slice(name.length).trim();
    };
    assert.equal(row('file'), 'a.ckpt: charrnn checkpoint, version 2');
    assert.equal(row('model'), 'rnn 1x24, one-hot input, f32');
    const V = vocabOf(textA).length;
    assert.equal(V, 62);
    assert.equal(row('parameters'), parameters('rnn', 1, 24, 0, V).toLocaleString('en-US'));
    // the preview, escaped by hand: every character shows, none is raw control or blank space but ' '
    const shown: Record<string, string> = {
      '\x01': '\\x01',
      '\t': '\\t',
      '\n': '\\n',
      '"': '\\"',
      '\\': '\\\\',
      '\x7f': '\\x7F',
      '\u00a0': '\\xA0',
    };
    const preview = vocabOf(textA)
      .map((ch) => shown[ch] ?? ch)
      .join('');
    assert.equal(row('vocabulary'), `${V} symbols: "${preview}"`);
    const raw = [...out].filter((ch) => ch !== '\n' && (ch < ' ' || ch === '\x7f' || ch === '\u00a0'));
    assert.deepEqual(raw, [], 'raw control or blank characters in the output');
    assert.equal(row('iterations'), '300');
    assert.match(row('training time'), /^\d+\.\d s \(evaluation and samples excluded\)$/);
    assert.match(row('smooth loss'), /^\d+\.\d{6} \(summed over a window of 25\)$/);
    assert.equal(row('best val loss'), 'none (no validation yet)');
    assert.match(out, /\nconfiguration:\n/);
    for (const [flag, value] of [
      ['--model', 'rnn'],
      ['--hidden', '24'],
      ['--seed', '2'],
      ['--iters', '300'],
      ['--clip', '5'],
      ['--clip-norm', 'off'],
      ['windowing', 'seed'],
    ]) {
      assert.match(out, new RegExp(`\\n  ${flag} +${value}\\n`), `${flag} ${value}`);
    }
  });

  it('--json: one object with the same facts; a preview of the first 64 symbols of a larger vocabulary', () => {
    const a = json('a.ckpt');
    assert.deepEqual(
      [a.layout, a.version, a.model, a.layers, a.hidden, a.embedding, a.dtype],
      ['charrnn', 2, 'rnn', 1, 24, 0, 'f32'],
    );
    assert.equal(a.vocabulary.size, 62);
    assert.equal(a.vocabulary.preview, vocabOf(textA).join(''));
    assert.equal(a.iterations, 300);
    assert.equal(a.bestValLoss, null);
    assert.equal(a.bestValIter, null);
    assert.equal(a.config.clipNorm, 'Infinity', "Infinity as the checkpoint's JSON writes it");
    assert.equal(a.config.backend, null, 'an unset setting is null');

    const b = json('b.ckpt');
    const V = vocabOf(textB).length;
    assert.equal(V, 96);
    assert.deepEqual(
      [b.model, b.layers, b.hidden, b.embedding, b.parameters, b.iterations],
      ['gru', 2, 16, 8, parameters('gru', 2, 16, 8, V), 40],
    );
    assert.deepEqual(b.vocabulary, { size: V, preview: vocabOf(textB).slice(0, 64).join('') });
    assert.ok(b.bestValLoss > 0 && b.bestValLoss < Math.log(V) + 1, `best val loss ${b.bestValLoss}`);
    assert.ok([20, 40].includes(b.bestValIter), `the best at iteration ${b.bestValIter}: an evaluation's`);
    assert.ok(b.trainSeconds > 0);
    assert.deepEqual(
      [b.config.batch, b.config.seqLength, b.config.valFraction, b.config.evalEvery, b.config.clipNorm],
      [2, 16, 0.2, 20, 'Infinity'],
    );
    const text = ok('info', 'b.ckpt');
    assert.match(text, /\nvocabulary +96 symbols: "\\n !\\"#\$%&'.*" \(the first 64\)\n/);
    assert.match(
      text,
      new RegExp(
        String.raw`\nbest val loss +\d\.\d{4} nats/char \(\d\.\d{4} bits/char\) at iteration ${b.bestValIter}\n`,
      ),
    );
    assert.match(text, /\nsmooth loss +\d\.\d{6} \(nats\/char\)\n/);
  });

  it('reads every checkpoint charrnn reads: version 1 (the seed and a recipe) and the PyTorch layout', () => {
    const seed = json(join(V1, 'seed.ckpt')); // make-v1.sh: --seed 3 --hidden 24 --iters 300
    assert.deepEqual(
      [seed.layout, seed.version, seed.model, seed.layers, seed.hidden, seed.iterations, seed.config.seed],
      ['charrnn', 1, 'rnn', 1, 24, 300, 3],
    );
    assert.equal(seed.parameters, parameters('rnn', 1, 24, 0, seed.vocabulary.size));
    // --model lstm --layers 2 --hidden 16 --embedding 8 --batch 4 --seq-length 16 --dropout 0.1 --iters 60
    const lstm = json(join(V1, 'lstm.ckpt'));
    assert.deepEqual(
      [lstm.version, lstm.model, lstm.layers, lstm.hidden, lstm.embedding, lstm.iterations],
      [1, 'lstm', 2, 16, 8, 60],
    );
    assert.deepEqual([lstm.config.batch, lstm.config.dropout], [4, 0.1]);
    assert.equal(lstm.parameters, parameters('lstm', 2, 16, 8, lstm.vocabulary.size));
    assert.equal(typeof lstm.bestValLoss, 'number', 'it validated every 20 iterations');

    const torch = json('b.torch.safetensors');
    assert.deepEqual(
      [
        torch.layout,
        torch.version,
        torch.model,
        torch.layers,
        torch.hidden,
        torch.embedding,
        torch.iterations,
      ],
      ['torch', null, 'gru', 2, 16, 8, 0],
    );
    assert.equal(torch.parameters, json('b.ckpt').parameters);
    assert.equal(torch.vocabulary.size, 96);
    assert.match(
      ok('info', 'b.torch.safetensors'),
      /^file +b\.torch\.safetensors: a model in the PyTorch layout/,
    );
  });

  it('a missing or corrupt file is one line on stderr; a missing argument a usage error', () => {
    writeFileSync(join(dir, 'not.ckpt'), 'plain text, not a checkpoint');
    for (const [args, status, pattern] of [
      [['info', 'missing.ckpt'], 1, /missing\.ckpt/],
      [['info', 'not.ckpt'], 1, /not\.ckpt/],
      [['info'], 2, /missing required argument/],
    ] as const) {
      const r = charrnn(...args);
      assert.equal(r.status, status, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^charrnn: /);
      assert.match(lines[0], pattern);
    }
  });
});
