// Outgrowing one machine, on one machine: a GRU charrnn trained goes out with `charrnn export`,
// interop/pytorch/train_ddp.py trains it on as two DistributedDataParallel processes over gloo on
// 127.0.0.1 (started by hand with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT, as torchrun
// would), `charrnn import` makes a checkpoint of the result, whose `charrnn eval` is the loss train_ddp.py
// printed (within RELATIVE), and `charrnn train --resume` goes on training it. Needs Debian's PyTorch and the build (`npm run build`).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { decodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import { Trainer } from '../../src/training/trainer.js';
import { charrnnAsync, evalLoss, INTEROP, relative, root, run, torchPython } from './helpers.js';

/** charrnn eval (4 decimals) against train_ddp.py's loss of the same text */
const RELATIVE = 1e-4;

const dir = mkdtempSync(join(tmpdir(), 'charrnn-ddp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

it('train_ddp.py on two processes, imported, evaluates to its loss and trains on', async (t) => {
  const python = torchPython();
  // 25 KB: enough for the char-gru preset's 32 streams of 64 characters, in training and validation
  const text = readFileSync(join(root, 'test/fixtures/min-char-rnn-corpus.txt'), 'utf8').repeat(25);
  const textPath = join(dir, 'text.txt');
  writeFileSync(textPath, text);
  // the three commands: charrnn export, train_ddp.py from it, charrnn import; the model starts in charrnn
  const start = join(dir, 'start.ckpt');
  const started = await charrnnAsync(
    dir,
    ...['train', textPath, '--model', 'gru', '--layers', '2', '--hidden', '32', '--embedding', '8'],
    ...['--batch', '4', '--seq-length', '32', '--val-fraction', '0', '--lr', '0.01', '--iters', '40'],
    ...['--seed', '1', '--save', start, '--quiet'],
  );
  assert.equal(started.status, 0, started.stderr);
  const startLoss = evalLoss(await charrnnAsync(dir, 'eval', start, textPath));
  const exported = join(dir, 'start.torch.safetensors');
  const exporting = await charrnnAsync(dir, 'export', start, '--format', 'torch', '-o', exported);
  assert.equal(exporting.status, 0, exporting.stderr);
  const model = join(dir, 'ddp.torch.safetensors');
  const port = String(await freePort());
  const ranks = await Promise.all(
    [0, 1].map((rank) =>
      run(
        python,
        [
          join(INTEROP, 'train_ddp.py'),
          textPath,
          ...['--init-from', exported, '--batch', '4', '--seq-length', '32', '--iters', '40', '--lr', '0.01'],
          ...['--log-every', '10'],
          ...['-o', model],
        ],
        {
          cwd: dir,
          env: {
            ...process.env,
            RANK: String(rank),
            LOCAL_RANK: String(rank),
            WORLD_SIZE: '2',
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: port,
            OMP_NUM_THREADS: '1',
          },
        },
      ),
    ),
  );
  for (const [rank, r] of ranks.entries()) assert.equal(r.status, 0, `rank ${rank}: ${r.stderr}`);
  const out = ranks[0]!.stdout;
  t.diagnostic(out.trim().split('\n').join(' | '));
  assert.match(out, /gru 2x32 from .*, 2 processes \(gloo\) x 4 streams x seq 32/);
  const logged = [...out.matchAll(/^iter (\d+), loss: (\d+\.\d+)/gm)].map((m) => Number(m[2]));
  assert.equal(logged.length, 5, 'iterations 0, 10, 20, 30 and 39 logged');
  const torchLoss = Number(out.match(/loss (\d+\.\d+) nats\/char on/)?.[1]);
  t.diagnostic(`charrnn's model before: ${startLoss} nats/char; after train_ddp.py: ${torchLoss}`);
  assert.ok(
    Math.abs(logged[0]! - startLoss) < 0.3,
    `it starts from charrnn's model: ${logged[0]} vs ${startLoss}`,
  );
  assert.ok(torchLoss < startLoss - 0.1, `and trains it: ${torchLoss} vs ${startLoss}`);

  // PyTorch trained both biases of every layer: the import folds bias_hh in
  const st = decodeSafetensors(new Uint8Array(readFileSync(model)));
  assert.ok(
    st.tensors.get('rnn.bias_hh_l1')!.data.some((x) => x !== 0),
    'a trained bias_hh',
  );

  const ckpt = join(dir, 'ddp.ckpt');
  const imported = await charrnnAsync(dir, 'import', model, '-o', ckpt);
  assert.equal(imported.status, 0, imported.stderr);
  const loss = evalLoss(await charrnnAsync(dir, 'eval', ckpt, textPath));
  await initKernels();
  const lib = Trainer.fromCheckpoint(new Uint8Array(readFileSync(ckpt)));
  const exact = lib.score(corpusFromString(text)).valLoss; // the same, to more digits than the CLI prints
  lib.close();
  t.diagnostic(
    `train_ddp.py's loss ${torchLoss} nats/char; charrnn eval ${loss}, from the library ${exact.toFixed(10)} ` +
      `(relative difference ${relative(exact, torchLoss).toExponential(2)})`,
  );
  assert.ok(relative(loss, torchLoss) <= RELATIVE, `charrnn eval ${loss} vs PyTorch ${torchLoss}`);
  assert.ok(relative(exact, torchLoss) <= RELATIVE / 10, `charrnn ${exact} vs PyTorch ${torchLoss}`);

  // charrnn trains on from it: the char-gru preset's settings, the model's weights
  const resumed = join(dir, 'resumed.ckpt');
  const log = join(dir, 'log.jsonl');
  const train = await charrnnAsync(
    dir,
    ...['train', textPath, '--resume', ckpt, '--iters', '15', '--log-every', '1'],
    ...['--log-file', log, '--save', resumed, '--quiet'],
  );
  assert.equal(train.status, 0, train.stderr);
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { iter: number; loss?: number; valLoss?: number });
  const first = lines.find((l) => l.iter === 0 && l.loss !== undefined)!;
  const val = lines.find((l) => l.valLoss !== undefined)!;
  t.diagnostic(
    `charrnn train --resume: first window ${first.loss} nats/char, validation ${val.valLoss} at 15`,
  );
  const uniform = Math.log(readCheckpoint(new Uint8Array(readFileSync(ckpt))).vocab.size);
  assert.ok(first.loss! < torchLoss + 0.3 && first.loss! < uniform - 0.8, 'it starts from the trained model');
  assert.ok(val.valLoss! < torchLoss + 0.3, 'and goes on from there');
  const after = readCheckpoint(new Uint8Array(readFileSync(resumed)));
  assert.deepEqual([after.progress.iter, after.config.model, after.config.layers], [15, 'gru', 2]);
});

it('train_ddp.py: a bad input is one line at once, on every rank, before any training', async () => {
  const python = torchPython();
  const text = join(dir, 'plain.txt');
  writeFileSync(text, 'to be, or not to be: that is the question\n'.repeat(40));
  const snowman = join(dir, 'snowman.txt');
  writeFileSync(snowman, 'to be \u2603 not to be\n');
  const notUtf8 = join(dir, 'latin1.txt');
  writeFileSync(notUtf8, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  const small = ['--model', 'rnn', '--layers', '1', '--hidden', '8', '--batch', '2', '--seq-length', '8'];
  const cases: [string, string[], RegExp][] = [
    [
      'an --eval-text with a character outside the vocabulary',
      [text, ...small, '--eval-text', snowman],
      /^train_ddp\.py: --eval-text '.*snowman\.txt': .*'\u2603' \(U\+2603\), which is not in the model's vocabulary$/,
    ],
    [
      'a missing --eval-text',
      [text, ...small, '--eval-text', join(dir, 'nowhere.txt')],
      /^train_ddp\.py: cannot read --eval-text '.*nowhere\.txt': No such file or directory$/,
    ],
    [
      'a text that is not UTF-8',
      [notUtf8, ...small],
      /^train_ddp\.py: the text '.*latin1\.txt' is not valid UTF-8 \(byte 3\); save it as UTF-8$/,
    ],
    [
      '--batch 0',
      [text, ...small, '--batch', '0'],
      /argument --batch: 0 is not a whole number of at least 1$/,
    ],
    [
      '--log-every 0',
      [text, ...small, '--log-every', '0'],
      /argument --log-every: 0 is not a whole number of at least 1$/,
    ],
    [
      '--iters -1',
      [text, ...small, '--iters', '-1'],
      /argument --iters: -1 is not a whole number of at least 0$/,
    ],
  ];
  const port = String(await freePort());
  for (const [what, args, message] of cases) {
    const output = join(dir, 'never.torch.safetensors');
    // --iters large enough that a run that trains first (then fails at the end) would show
    const r = await run(python, [join(INTEROP, 'train_ddp.py'), '--iters', '300', ...args, '-o', output], {
      cwd: dir,
      env: {
        ...process.env,
        ...{ RANK: '0', LOCAL_RANK: '0', WORLD_SIZE: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port },
        OMP_NUM_THREADS: '1',
      },
    });
    const lines = r.stderr.trimEnd().split('\n');
    const usage = what.startsWith('--');
    assert.equal(r.status, usage ? 2 : 1, `${what}: exit status (${r.stderr})`);
    assert.equal(r.stdout, '', `${what}: no training before the error: ${r.stdout}`);
    assert.match(lines.at(-1)!, message, what);
    if (!usage) assert.equal(lines.length, 1, `${what}: one line: ${r.stderr}`);
    assert.ok(!existsSync(output), `${what}: no model written`);
  }
});

it("train_ddp.py --init-from: the model's options must match the file's, and --dropout applies", async () => {
  const python = torchPython();
  const text = join(dir, 'plain2.txt');
  writeFileSync(text, 'to be, or not to be: that is the question\n'.repeat(40));
  const env = {
    ...process.env,
    ...{ RANK: '0', LOCAL_RANK: '0', WORLD_SIZE: '1', MASTER_ADDR: '127.0.0.1' },
    ...{ MASTER_PORT: String(await freePort()), OMP_NUM_THREADS: '1' },
  };
  const ddp = (...args: string[]) =>
    run(python, [join(INTEROP, 'train_ddp.py'), text, '--batch', '2', '--seq-length', '8', ...args], { env });
  const first = join(dir, 'gru8.torch.safetensors');
  const made = await ddp(
    ...['--model', 'gru', '--layers', '2', '--hidden', '8', '--embedding', '0'],
    '--iters',
    '1',
    '-o',
    first,
  );
  assert.equal(made.status, 0, made.stderr);
  assert.equal(decodeSafetensors(new Uint8Array(readFileSync(first))).metadata.dropout, '0.0');
  // an option that contradicts the file is one line, before any training
  for (const [option, value, has] of [
    ['--hidden', '16', 'hidden 8'],
    ['--model', 'lstm', 'model gru'],
    ['--embedding', '8', 'embedding 0'],
    ['--dtype', 'f64', 'dtype f32'],
  ]) {
    const out = join(dir, 'never2.torch.safetensors');
    const r = await ddp('--init-from', first, option!, value!, '--iters', '300', '-o', out);
    assert.equal(r.status, 1, `${option}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${option}: no training`);
    assert.match(
      r.stderr.trimEnd(),
      new RegExp(
        `^train_ddp\\.py: ${option} ${value} does not match --init-from '.*', whose model has ${has}; drop ${option}`,
      ),
    );
    assert.ok(!existsSync(out));
  }
  // options that agree with it are fine, and --dropout is how it trains on: the file says so
  const second = join(dir, 'gru8-dropout.torch.safetensors');
  const r = await ddp(
    '--init-from',
    first,
    '--model',
    'gru',
    '--hidden',
    '8',
    '--dropout',
    '0.25',
    '--iters',
    '1',
    '-o',
    second,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(decodeSafetensors(new Uint8Array(readFileSync(second))).metadata.dropout, '0.25');
});
