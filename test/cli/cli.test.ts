// The real CLI, spawned as a user runs it (node dist/cli/main.js; `npm test` builds first): the seed's
// output, checkpoints and exact resume, Ctrl-C, sampling, and one clear line for every bad input.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertSameCheckpoint } from '../helpers/checkpoints.js';
import { assertOneLineError, CLI, ROOT, type Run, runCli } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const FIXTURE = join(ROOT, 'test/fixtures/min-char-rnn-corpus.txt');
const dir = mkdtempSync(join(tmpdir(), 'charrnn-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir });
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('charrnn train', () => {
  it("prints the seed's first sample and iteration line, identical to numpy's (seed 1, f64)", () => {
    const r = charrnn('train', FIXTURE, '--seed', '1', '--iters', '1', '--dtype', 'f64');
    assert.equal(r.status, 0, r.stderr);
    const firstBlock = golden.stdout
      .split('\n')
      .slice(0, golden.stdout.split('\n').indexOf('iter 0, loss: 100.633794') + 1);
    assert.equal(
      r.stdout,
      `data has ${golden.corpus.length} characters, ${golden.vocab.length} unique.\n${firstBlock.join('\n')}\n`,
    );
  });

  it('trains on the built-in corpus when no file is given, and says so in one line', () => {
    const r = charrnn('train', '--iters', '3', '--seed', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr.split('\n')[0], /no FILE given: training on the built-in corpus/);
    assert.match(
      r.stdout,
      /^data has \d+ characters, \d+ unique\.\n----\n [\s\S]*\n----\niter 0, loss: \d+\.\d{6}\n$/,
    );
  });

  it('resume is exact: 60 + 60 iterations give the same checkpoint bytes and log as 120 straight', () => {
    const common = ['--seed', '5', '--sample-every', '25', '--sample-length', '30', '--log-every', '10'];
    const straight = charrnn(
      'train',
      FIXTURE,
      ...common,
      '--iters',
      '120',
      '--save',
      'straight.ckpt',
      '--log-file',
      'straight.jsonl',
    );
    assert.equal(straight.status, 0, straight.stderr);
    const a = charrnn(
      'train',
      FIXTURE,
      ...common,
      '--iters',
      '60',
      '--save',
      'half.ckpt',
      '--log-file',
      'resumed.jsonl',
    );
    assert.equal(a.status, 0, a.stderr);
    const b = charrnn(
      'train',
      FIXTURE,
      '--resume',
      'half.ckpt',
      '--iters',
      '120',
      '--sample-every',
      '25',
      '--sample-length',
      '30',
      '--log-every',
      '10',
      '--log-file',
      'resumed.jsonl',
    );
    assert.equal(b.status, 0, b.stderr);
    assertSameCheckpoint(readFileSync(join(dir, 'half.ckpt')), readFileSync(join(dir, 'straight.ckpt')));
    const body = (s: string) => s.split('\n').slice(1).join('\n');
    assert.equal(body(a.stdout) + body(b.stdout), body(straight.stdout));
    const log = (name: string) =>
      readFileSync(join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const { elapsedSeconds: _t, ...rest } = JSON.parse(l);
          return rest;
        });
    const straightLog = log('straight.jsonl');
    assert.equal(straightLog.length, 12);
    assert.deepEqual(Object.keys(straightLog[0]).sort(), ['iter', 'loss', 'lr', 'smoothLoss']);
    assert.deepEqual(log('resumed.jsonl'), straightLog);
  });

  it('saves on Ctrl-C (exit 130) a checkpoint that samples', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'train', FIXTURE, '--save', 'sigint.ckpt', '--sample-every', '0'],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGINT'), 300));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 130, stderr);
    assert.match(stderr, /interrupted at iteration \d+.*saved 'sigint\.ckpt'/);
    const s = charrnn('sample', 'sigint.ckpt', '--length', '50', '--seed', '1');
    assert.equal(s.status, 0, s.stderr);
    assert.equal([...s.stdout.trimEnd()].length >= 40, true);
  });

  it('stops on a non-finite loss with a clear line and leaves the last checkpoint intact', () => {
    assert.equal(charrnn('train', FIXTURE, '--seed', '1', '--iters', '5', '--save', 'good.ckpt').status, 0);
    const before = readFileSync(join(dir, 'good.ckpt'));
    const r = charrnn(
      'train',
      FIXTURE,
      '--resume',
      'good.ckpt',
      '--iters',
      '100000',
      '--lr',
      '1000000',
      '--quiet',
    );
    assertOneLineError(r, 1, /training diverged at iteration \d+: the loss is (NaN|Infinity); lower --lr/);
    assert.deepEqual(readFileSync(join(dir, 'good.ckpt')), before);
  });

  it('writes checkpoints atomically: a path that cannot be written is refused before training, leaving no temporary file', () => {
    file('not-a-folder', 'a file where a folder should be');
    const r = charrnn('train', FIXTURE, '--iters', '2', '--save', join(dir, 'not-a-folder', 'x.ckpt'));
    assertOneLineError(r, 2, /cannot save to '.*not-a-folder\/x\.ckpt': its folder cannot be created/);
    assert.equal(r.stdout, '', 'refused before training started');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

describe('charrnn sample', () => {
  it('is deterministic with --seed, honours --length and --prime, and streams', () => {
    assert.equal(
      charrnn('train', FIXTURE, '--seed', '1', '--iters', '300', '--save', 's.ckpt', '--sample-every', '0')
        .status,
      0,
    );
    const a = charrnn('sample', 's.ckpt', '--length', '300', '--seed', '9', '--prime', 'The ');
    const b = charrnn('sample', 's.ckpt', '--length', '300', '--seed', '9', '--prime', 'The ');
    const c = charrnn('sample', 's.ckpt', '--length', '300', '--seed', '10', '--prime', 'The ');
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.notEqual(a.stdout, c.stdout);
    assert.ok(a.stdout.startsWith('The '));
    assert.equal([...a.stdout.trimEnd()].length <= 304, true);
    const greedy = charrnn('sample', 's.ckpt', '--length', '50', '--argmax', '--seed', '1');
    const greedy2 = charrnn('sample', 's.ckpt', '--length', '50', '--argmax', '--seed', '2');
    assert.equal(greedy.stdout, greedy2.stdout);
    const cold = charrnn(
      'sample',
      's.ckpt',
      '--length',
      '100',
      '--temperature',
      '0.2',
      '--top-k',
      '3',
      '--seed',
      '1',
    );
    assert.equal(cold.status, 0, cold.stderr);
    const fromFile = charrnn(
      'sample',
      's.ckpt',
      '--length',
      '300',
      '--seed',
      '9',
      '--prime-file',
      file('prime.txt', 'The '),
    );
    assert.equal(fromFile.stdout, a.stdout);
  });
});

describe('bad input: one line, non-zero exit, no stack trace', () => {
  const ckpt = () => {
    if (!existsSync(join(dir, 'ok.ckpt'))) charrnn('train', FIXTURE, '--iters', '2', '--save', 'ok.ckpt');
    return 'ok.ckpt';
  };
  mkdirSync(join(dir, 'a-directory'), { recursive: true });
  const cases: [string, () => string[], number, RegExp][] = [
    ['a missing file', () => ['train', 'missing.txt'], 1, /the text file 'missing\.txt' does not exist/],
    ['a directory', () => ['train', 'a-directory'], 1, /'a-directory' is a directory/],
    ['an empty file', () => ['train', file('empty.txt', '')], 1, /is empty/],
    [
      'a text shorter than seq-length + 1',
      () => ['train', file('short.txt', 'abcdefghij')],
      1,
      /has 10 characters, but a window of seq-length 25 needs at least 26/,
    ],
    [
      'invalid UTF-8',
      () => ['train', file('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x61, 0x62]))],
      1,
      /not valid UTF-8: an invalid byte at byte offset 3/,
    ],
    [
      'a bad number',
      () => ['train', FIXTURE, '--hidden', 'ten'],
      2,
      /--hidden must be an integer >= 1.*got 'ten'/,
    ],
    [
      'an out-of-range number',
      () => ['train', FIXTURE, '--lr', '-1'],
      2,
      /--lr must be a number > 0.*got -1/,
    ],
    ['an unknown option', () => ['train', FIXTURE, '--hiden', '10'], 2, /unknown option '--hiden'/],
    ['an unknown command', () => ['trian'], 2, /unknown command 'trian'/],
    [
      'a bad dtype',
      () => ['train', FIXTURE, '--dtype', 'f16'],
      2,
      /--dtype must be one of f32, f64, got 'f16'/,
    ],
    [
      'a prime outside the vocabulary',
      () => ['sample', ckpt(), '--prime', 'The €'],
      1,
      /the prime text contains '€' \(U\+20AC\), which is not in the model's vocabulary/,
    ],
    [
      'both --prime and --prime-file',
      () => ['sample', ckpt(), '--prime', 'a', '--prime-file', FIXTURE],
      2,
      /give --prime or --prime-file, not both/,
    ],
    [
      'a prime file that is not UTF-8',
      () => ['sample', ckpt(), '--prime-file', file('bad-prime.txt', Uint8Array.from([0x41, 0xff]))],
      1,
      /the prime file '.*bad-prime\.txt': the text is not valid UTF-8: an invalid byte at byte offset 1/,
    ],
    [
      'an empty prime file (not the default prime in silence)',
      () => ['sample', ckpt(), '--prime-file', file('empty-prime.txt', '')],
      1,
      /the prime file '.*empty-prime\.txt' is empty; give it some text/,
    ],
    [
      'a prime file starting with a UTF-8 byte-order mark: kept as a character, as training keeps it',
      () => ['sample', ckpt(), '--prime-file', file('bom-prime.txt', '\uFEFFThe')],
      1,
      /the prime text contains U\+FEFF \(a byte-order mark\), which is not in the model's vocabulary/,
    ],
    [
      'a prime file in UTF-16',
      () => ['sample', ckpt(), '--prime-file', file('u16-prime.txt', Uint8Array.from([0xfe, 0xff, 0, 0x41]))],
      1,
      /the prime file '.*u16-prime\.txt': the text is UTF-16 \(it starts with a UTF-16 byte-order mark\)/,
    ],
    [
      'a temperature of 0 (names --argmax)',
      () => ['sample', ckpt(), '--temperature', '0'],
      2,
      /--temperature 0: expected a number > 0 \(for the most likely character every time: --argmax\)/,
    ],
    [
      'a negative temperature',
      () => ['sample', ckpt(), '--temperature', '-1'],
      2,
      /--temperature -1: expected a number > 0; /,
    ],
    ['a missing checkpoint', () => ['sample', 'nope.ckpt'], 1, /the checkpoint 'nope\.ckpt' does not exist/],
    [
      'a corrupt checkpoint',
      () => ['sample', file('junk.ckpt', 'this is not a checkpoint at all')],
      1,
      /not a valid charrnn checkpoint/,
    ],
    [
      'a truncated checkpoint',
      () => {
        const bytes = readFileSync(join(dir, ckpt()));
        return ['sample', file('trunc.ckpt', bytes.subarray(0, bytes.length - 100))];
      },
      1,
      /not a valid charrnn checkpoint: .*truncated/,
    ],
    [
      'resuming on text with new symbols',
      () => ['train', file('new.txt', 'Zebras and €uros '.repeat(5)), '--resume', ckpt(), '--quiet'],
      1,
      /symbols? outside the model's vocabulary/,
    ],
    [
      'changing the model size on resume',
      () => ['train', FIXTURE, '--resume', ckpt(), '--hidden', '50', '--quiet'],
      2,
      /trained with --hidden 100; it cannot be changed to 50 on resume, because it defines the weights/,
    ],
  ];
  for (const [what, args, status, pattern] of cases) {
    it(what, () => assertOneLineError(charrnn(...args()), status, pattern));
  }

  it('--help works for every command', () => {
    for (const args of [['--help'], ['train', '--help'], ['sample', '--help']]) {
      const r = charrnn(...args);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /Usage: charrnn/);
    }
  });
});
