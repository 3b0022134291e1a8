// The command-line fuzzer: the real CLI (node dist/cli/main.js, which `npm run build` makes; or the file
// CHARRNN_FUZZ_CLI names, a .ts one run through tsx) spawned with random options of `train` (from the
// core's table, OPTIONS) and `sample`, unknown and repeated flags, missing and damaged files (mutate.ts).
// Every run must exit 0, or exit 1 or 2 with its error as the last line on stderr, `charrnn: ...`, every
// line before it a charrnn status line too (a file skipped in a folder), and never a stack trace, an
// internal error (exit 70), a signal or a timeout; with no command at all, the usage. Size options draw from values that are
// refused or small, so that an accepted run stays short (one iteration).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharrnnError } from '../../src/errors.js';
import { DEFAULTS, OPTIONS } from '../../src/training/config.js';
import { PRESET_NAMES } from '../../src/training/presets.js';
import { check, type Target } from './harness.js';
import { mutate } from './mutate.js';
import { specAllows } from './options.js';
import type { Rand } from './random.js';
import { SEED_TEXT, seedFiles } from './seeds.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 60_000;

/** The CLI to run: CHARRNN_FUZZ_CLI, else the build's. */
export function cliPath(): string {
  return process.env.CHARRNN_FUZZ_CLI ?? join(ROOT, 'dist/cli/main.js');
}

interface Files {
  dir: string;
  corpus: string;
  checkpoint: string;
  torch: string;
  binary: string;
  empty: string;
}

let files: Files | undefined;

/** The files the runs read, written once per process into a temporary folder (removed at exit). */
function fixtures(): Files {
  if (files) return files;
  const dir = mkdtempSync(join(tmpdir(), 'charrnn-fuzz-cli-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { checkpoints, torch } = seedFiles();
  const f: Files = {
    dir,
    corpus: join(dir, 'corpus.txt'),
    checkpoint: join(dir, 'model.ckpt'),
    torch: join(dir, 'model.torch.safetensors'),
    binary: join(dir, 'binary.txt'),
    empty: join(dir, 'empty.txt'),
  };
  writeFileSync(f.corpus, SEED_TEXT.repeat(20));
  writeFileSync(f.checkpoint, checkpoints[0]!.bytes);
  writeFileSync(f.torch, torch[0]!.bytes);
  writeFileSync(f.binary, Uint8Array.of(0x61, 0x62, 0xff, 0x63));
  writeFileSync(f.empty, '');
  files = f;
  return f;
}

/** Values for the settings whose valid large values would make a run long: refused ones, and small ones. */
const BOUNDED: Record<string, string[]> = {
  hidden: ['0', '-1', '1.5', 'abc', '', '16385', '1e9', '3', '8', ' 4 '],
  layers: ['0', '65', '-2', 'x', '2', '1'],
  embedding: ['-1', '16385', '0', '4', '2.5'],
  batch: ['0', '65537', '2', '3', '1', '0x2'],
  seqLength: ['0', '100001', '4', '7', '-5', '1e3'],
  iters: ['-1', 'abc', '1.5', '', '2', '1e99', '9007199254740993'],
  timeLimit: ['-1', 'abc', '0.01', '3', '0', 'NaN', 'Infinity', 'off'],
  sampleLength: ['0', '5', '-1', '10000001', 'abc'],
  threads: ['0', '1', '2', '257', '-1', '3', 'two'],
  evalEvery: ['0', '1', '-3', 'x'],
};

const GENERIC = [
  '0',
  '1',
  '-1',
  '0.5',
  '1e3',
  'off',
  'Infinity',
  'NaN',
  '',
  ' ',
  'abc',
  '1e309',
  '0x10',
  '\u00e9',
];

function trainValue(rand: Rand, key: string): string {
  const spec = OPTIONS.find((s) => s.key === key)!;
  if (BOUNDED[key]) return rand.pick(BOUNDED[key]);
  if (rand.chance(0.5)) {
    // a valid value, so that runs get past the parsing
    if (spec.choices) return rand.pick(spec.choices);
    const valid = [String(DEFAULTS[spec.key]), String(spec.min), '0.5', '2', '10', '1e-3', 'off'].filter(
      (t) => specAllows(spec, /^off$/.test(t) ? Infinity : Number(t)),
    );
    if (valid.length > 0) return rand.pick(valid);
  }
  const own = spec.choices ? [...spec.choices, 'bogus', spec.choices[0]!.toUpperCase()] : [];
  for (const v of [spec.min, spec.max])
    if (v !== undefined) own.push(String(v), String(v + 1), String(v - 1));
  return rand.pick([...own, ...own, ...GENERIC]);
}

const SAMPLE_VALUES: Record<string, string[]> = {
  '--length': ['0', '1', '30', '-1', '1000000001', 'abc', '1.5', ''],
  '--temperature': ['1', '0.5', '0', '-1', 'NaN', 'Infinity', '1e-300', '5e-324', 'x'],
  '--top-k': ['1', '3', '0', '-1', '1.5', '1e9'],
  '--top-p': ['0.9', '1', '0', '1.5', '-0.1', 'NaN'],
  '--seed': ['1', '0', '4294967295', '4294967296', '-1', 'x'],
  '--num-samples': ['1', '2', '0', '1000001', '-1'],
  '--stop': ['', 'e', 'zz', '\u{1f600}', '\n'],
  '--prime': ['', 'The', '\u{1f600}', 'q', ' '],
  '--prime-file': ['corpus.txt', 'missing.txt', 'binary.txt', 'empty.txt'],
};

/** One run's arguments. */
function argsFor(rand: Rand, f: Files): { args: string[]; what: string; input?: Uint8Array; temp?: string } {
  const kind = rand.weighted([
    [5, 'train'],
    [2, 'resume'],
    [4, 'sample'],
    [2, 'damaged'],
    [1, 'other'],
  ]);
  if (kind === 'train' || kind === 'resume') {
    const text = rand.weighted([
      [8, ['corpus.txt']],
      [
        1,
        [rand.pick(['missing.txt', 'binary.txt', 'empty.txt', '-', '.', 'corpus.txt', 'tiny-shakespeare-x'])],
      ],
    ]);
    const args = ['train', ...text, '--iters', '1', '--sample-every', '0', '--quiet'];
    if (kind === 'resume')
      args.push('--resume', rand.pick(['model.ckpt', 'model.torch.safetensors', 'missing.ckpt']));
    else if (rand.chance(0.3)) args.push('--save', rand.pick(['out.ckpt', 'no/such/dir/out.ckpt', '.']));
    for (let n = rand.range(1, 3); n > 0; n--) {
      const r = rand.float();
      if (r < 0.85) {
        const spec = rand.pick(OPTIONS.filter((s) => s.flag));
        args.push(spec.flag!, trainValue(rand, spec.key));
      } else if (r < 0.9) args.push('--preset', rand.pick([...PRESET_NAMES, 'nope', '']));
      else if (r < 0.95) args.push(rand.pick(['--bogus', '--hidden', '-x', '--', '--iters=abc', '--help']));
      else args.push('--log-every', rand.pick(['0', '1', 'x', '-1']));
    }
    const input = text[0] === '-' ? rand.bytes(rand.range(0, 40)) : undefined;
    return { args, what: kind, ...(input ? { input } : {}) };
  }
  if (kind === 'sample') {
    const args = [
      'sample',
      rand.pick(['model.ckpt', 'model.ckpt', 'model.torch.safetensors', 'missing.ckpt', 'corpus.txt']),
    ];
    args.push('--length', '30');
    for (let n = rand.range(1, 3); n > 0; n--) {
      if (rand.chance(0.1)) args.push('--argmax');
      else {
        const flag = rand.pick(Object.keys(SAMPLE_VALUES));
        args.push(flag, rand.pick(SAMPLE_VALUES[flag]!));
      }
    }
    return { args, what: kind };
  }
  if (kind === 'damaged') {
    const { checkpoints, torch } = seedFiles();
    const seed = rand.chance(0.8) ? rand.pick(checkpoints) : rand.pick(torch);
    const m = mutate(rand, seed.bytes);
    const path = join(f.dir, `damaged-${rand.u32()}.ckpt`);
    writeFileSync(path, m.bytes);
    const command = rand.pick(['sample', 'sample', 'info', 'eval', 'export', 'import', 'resume']);
    const args =
      command === 'sample'
        ? ['sample', path, '--length', '20', '--seed', '1']
        : command === 'info'
          ? ['info', path, ...(rand.chance(0.5) ? ['--json'] : [])]
          : command === 'eval'
            ? ['eval', path, 'corpus.txt']
            : command === 'export'
              ? ['export', path, '--format', rand.pick(['torch', 'onnx']), '-o', join(f.dir, 'out.export')]
              : command === 'import'
                ? ['import', path, '-o', join(f.dir, 'imported.ckpt')]
                : [
                    'train',
                    'corpus.txt',
                    '--resume',
                    path,
                    '--iters',
                    '1',
                    '--quiet',
                    '--save',
                    join(f.dir, 'r.ckpt'),
                  ];
    return { args, what: `${command} ${seed.name}: ${m.mutation}`, temp: path };
  }
  return {
    args: rand.pick([
      [],
      ['bogus'],
      ['train', '--hidden'],
      ['sample'],
      ['info'],
      ['export', 'model.ckpt'],
      ['export', 'model.ckpt', '--format', 'pdf', '-o', 'x'],
      ['download', '--url', 'notaurl'],
      ['eval', 'model.ckpt'],
      ['--version'],
      ['info', 'model.ckpt', '--json'],
    ]),
    what: 'other',
  };
}

export const cliTarget: Target = {
  name: 'cli',
  maxMs: TIMEOUT_MS,
  make(rand) {
    const f = fixtures();
    const { args, what, input, temp } = argsFor(rand, f);
    const cli = cliPath();
    const execArgv = cli.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : []; // the runs' cwd has no tsx
    return {
      mutation: `${what}: charrnn ${args.map((a) => JSON.stringify(a)).join(' ')}`,
      inputBytes: args.join(' ').length + (input?.length ?? 0),
      run: () => {
        const run = () =>
          spawnSync(process.execPath, [...execArgv, cli, ...args], {
            cwd: f.dir,
            encoding: 'utf8',
            timeout: TIMEOUT_MS,
            input: input ?? '',
            env: {
              ...process.env,
              NO_COLOR: '1',
              XDG_CACHE_HOME: join(f.dir, 'cache'),
              CHARRNN_MIRROR: 'http://127.0.0.1:9',
            },
          });
        let r: ReturnType<typeof run>;
        try {
          r = run();
        } finally {
          if (temp) rmSync(temp, { force: true }); // so that the folder `train .` reads stays small
        }
        check(r.error === undefined, 'the run did not finish', String(r.error));
        check(r.signal === null, 'killed by a signal', String(r.signal));
        const stderr = r.stderr.replace(/\n$/, '');
        check(!/internal error|\n\s+at /.test(stderr), 'a stack trace', stderr.slice(0, 500));
        check(r.status === 0 || r.status === 1 || r.status === 2, `exit ${r.status}`, stderr.slice(0, 300));
        if (r.status === 0) return { category: `${args[0] ?? '(none)'} exit 0` };
        if (args.length === 0) {
          // no command at all: the usage, as command lines do, on stderr with a non-zero exit
          check(stderr.startsWith('Usage: charrnn '), 'no usage without a command', stderr.slice(0, 200));
          return { category: 'no command: the usage' };
        }
        // status lines may come first (a file skipped in a folder), each a charrnn line; the error is the last
        const lines = stderr.split('\n');
        const bad = lines.find((l) => !l.startsWith('charrnn: '));
        check(bad === undefined, 'stderr is not charrnn lines', JSON.stringify(stderr.slice(0, 300)));
        // the harness checks that the error is one line (no control character, not too long)
        throw new CharrnnError(
          `${r.status === 2 ? 'usage' : 'input'}: ${lines.at(-1)!.slice('charrnn: '.length)}`,
        );
      },
    };
  },
};
