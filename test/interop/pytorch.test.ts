// charrnn's models in PyTorch: every model kind, exported by the real CLI (`charrnn export --format torch`),
// loads into interop/pytorch/charrnn_torch.py's module, and PyTorch's loss of a text is charrnn's (`charrnn
// eval`, from a zero state: a model of several streams evaluated as it is, and every exported file
// evaluated as charrnn imports it) within RELATIVE. Needs Debian's PyTorch (apt-get install python3-torch)
// and the build (`npm run build`).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';
import { charrnnAsync, evalLoss, INTEROP, type Run, relative, run, torchPython } from './helpers.js';

/** PyTorch's loss against charrnn eval's (printed to 4 decimals); measured: below 1e-5 */
const RELATIVE = 1e-4;

const dir = mkdtempSync(join(tmpdir(), 'charrnn-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 1,300 characters: more than one of charrnn_torch.eval's 1024-step windows, with the state carried */
const TEXT =
  'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n' +
  'First Citizen:\nYou are all resolved, rather to die than to famish?\n\nAll:\nResolved. resolved.\n'.repeat(
    14,
  );
const small = { hidden: 16, batch: 2, seqLength: 12, init: 'torch', optimizer: 'adam', lr: 0.01 } as const;
const CASES: [string, Partial<TrainConfig>][] = [
  ['seed', {}],
  ['rnn-2-embed', { ...small, model: 'rnn', layers: 2, embedding: 8 }],
  ['lstm-1-onehot', { ...small, model: 'lstm', layers: 1, embedding: 0 }],
  ['lstm-2-embed', { ...small, model: 'lstm', layers: 2, embedding: 8 }],
  ['gru-1-onehot', { ...small, model: 'gru', layers: 1, embedding: 0 }],
  ['gru-2-embed-f64', { ...small, model: 'gru', layers: 2, embedding: 8, dtype: 'f64' }],
];
const textPath = join(dir, 'text.txt');

before(async () => {
  await initKernels();
  writeFileSync(textPath, TEXT);
  const corpus = corpusFromString(TEXT);
  for (const [name, settings] of CASES) {
    const t = Trainer.create(corpus, { seed: 3, sampleEvery: 0, ...settings });
    for (let i = 0; i < 30; i++) t.step();
    writeFileSync(join(dir, `${name}.ckpt`), t.toCheckpoint());
    t.close();
  }
});

it('PyTorch loads every exported model and scores a text as charrnn eval does', async (t) => {
  const python = torchPython();
  const path = (name: string, ext: string) => join(dir, `${name}${ext}`);
  const ok = async (r: Promise<Run>) => {
    const done = await r;
    assert.equal(done.status, 0, done.stderr);
    return done;
  };
  // export every model with the CLI; then PyTorch's losses, and the files imported back
  await Promise.all(
    CASES.map(([name]) =>
      ok(
        charrnnAsync(
          dir,
          'export',
          path(name, '.ckpt'),
          '--format',
          'torch',
          '-o',
          path(name, '.torch.safetensors'),
        ),
      ),
    ),
  );
  const [py] = await Promise.all([
    ok(
      run(
        python,
        [
          join(INTEROP, 'charrnn_torch.py'),
          'eval',
          textPath,
          ...CASES.map(([n]) => path(n, '.torch.safetensors')),
        ],
        {
          env: { ...process.env, OMP_NUM_THREADS: '1' },
        },
      ),
    ),
    ...CASES.map(([name]) =>
      ok(charrnnAsync(dir, 'import', path(name, '.torch.safetensors'), '-o', path(name, '.back.ckpt'))),
    ),
  ]);
  const torchLoss = new Map(
    [...py!.stdout.matchAll(/^(.*): loss (\d+\.\d+) nats\/char/gm)].map((m) => [m[1], Number(m[2])]),
  );
  // charrnn eval of the imported checkpoints (zero state), of the models of several streams as they are
  // (they start from zero too), and of one exported file read directly
  const evals = await Promise.all(
    CASES.flatMap(([name, settings]) =>
      [path(name, '.back.ckpt'), ...((settings.batch ?? 1) > 1 ? [path(name, '.ckpt')] : [])].map(
        async (file) => ({
          name,
          file,
          loss: evalLoss(await charrnnAsync(dir, 'eval', file, textPath)),
        }),
      ),
    ).concat(
      (async () => ({
        name: 'seed',
        file: path('seed', '.torch.safetensors'),
        loss: evalLoss(await charrnnAsync(dir, 'eval', path('seed', '.torch.safetensors'), textPath)),
      }))(),
    ),
  );
  for (const [name] of CASES) {
    const want = torchLoss.get(path(name, '.torch.safetensors'));
    assert.ok(want !== undefined, `charrnn_torch.py printed no loss for ${name}: ${py!.stdout}`);
    // the imported model from the library, to more digits than the CLI prints
    const lib = Trainer.restore(readCheckpoint(new Uint8Array(readFileSync(path(name, '.back.ckpt')))));
    const exact = lib.score(corpusFromString(TEXT)).valLoss;
    lib.close();
    const c = readCheckpoint(new Uint8Array(readFileSync(path(name, '.ckpt')))).config;
    t.diagnostic(
      `${name} (${c.dtype}, batch ${c.batch}): PyTorch ${want.toFixed(10)}, charrnn ${exact.toFixed(10)} ` +
        `nats/char, relative difference ${relative(exact, want).toExponential(2)}`,
    );
    assert.ok(relative(exact, want) <= RELATIVE / 10, `${name}: charrnn ${exact} vs PyTorch ${want}`);
    for (const e of evals.filter((x) => x.name === name)) {
      assert.ok(relative(e.loss, want) <= RELATIVE, `charrnn eval ${e.file}: ${e.loss} vs PyTorch ${want}`);
    }
  }
  assert.equal(evals.length, 2 * CASES.length);
});

it('charrnn_torch.py eval: a bad text or model file is one line and status 1, no traceback', async () => {
  const python = torchPython();
  const script = join(INTEROP, 'charrnn_torch.py');
  const model = join(dir, 'lstm-1-onehot.torch.safetensors'); // written by the test above
  const snowman = join(dir, 'snowman.txt');
  writeFileSync(snowman, 'First \u2603 Citizen\n');
  const cases: [string, string[], RegExp][] = [
    [
      'a character outside the vocabulary',
      [snowman, model],
      /^charrnn_torch\.py: .*lstm-1-onehot\.torch\.safetensors: the text contains '\u2603' \(U\+2603\), which is not in the model's vocabulary$/,
    ],
    [
      'a missing text',
      [join(dir, 'nowhere.txt'), model],
      /^charrnn_torch\.py: cannot read the text '.*nowhere\.txt': No such file or directory$/,
    ],
    [
      'a charrnn checkpoint, not its export',
      [textPath, join(dir, 'lstm-1-onehot.ckpt')],
      /^charrnn_torch\.py: .*lstm-1-onehot\.ckpt: metadata 'format' is 'charrnn-checkpoint', expected 'charrnn-torch'; export it with `charrnn export CKPT --format torch`$/,
    ],
  ];
  for (const [what, args, message] of cases) {
    const r = await run(python, [script, 'eval', ...args], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 1, `${what}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), message, what);
  }
});
