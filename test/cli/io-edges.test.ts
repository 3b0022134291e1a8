// The real CLI (node dist/cli/main.js; build first) against what an outside review found: files a run writes
// that are the files it reads, paths given empty, standard output that fails or goes away, texts that are
// pipes, validation splits with no characters, and exports written over their own checkpoint. Each case is
// one line on stderr with the documented exit status, and no file is damaged.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertOneLineError, CLI, ROOT, type Run, runCli } from '../helpers/cli.js';

const TEXT = readFileSync(join(ROOT, 'test/fixtures/min-char-rnn-corpus.txt'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'charrnn-io-edges-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function charrnn(args: string[], options: { shell?: string } = {}): Run {
  if (options.shell === undefined) return runCli(args, { cwd: dir });
  const r = spawnSync('bash', ['-c', options.shell], {
    encoding: 'utf8',
    cwd: dir,
    timeout: 120_000,
    env: { ...process.env, CHARRNN: `${process.execPath} ${CLI}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string | Uint8Array): string {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), content);
  return name;
}

const SMALL = ['--hidden', '8', '--seq-length', '8', '--iters', '3', '--sample-every', '0', '--seed', '1'];
const QUIET = [...SMALL, '--quiet'];

describe('train: a file the run writes that is a file it reads', () => {
  it('--save equal to the training text (by any spelling, or inside a folder) is refused, the text intact', () => {
    const text = file('save-is-input/a.txt', TEXT);
    for (const [input, save] of [
      [text, text],
      [text, `./${text}`],
      ['save-is-input', text],
    ]) {
      const r = charrnn(['train', input, ...QUIET, '--save', save]);
      assertOneLineError(
        r,
        2,
        /--save '.*a\.txt' is the text file '.*a\.txt' this run reads.*choose another --save path/,
      );
      assert.equal(readFileSync(join(dir, text), 'utf8'), TEXT, 'the text was changed');
    }
  });

  it('--save whose best checkpoint is the text is refused too', () => {
    const text = file('best-is-input.best.txt', TEXT);
    const r = charrnn(['train', text, ...QUIET, '--save', 'best-is-input.txt']);
    assertOneLineError(r, 2, /the best checkpoint of --save 'best-is-input\.txt' is the text file/);
    assert.equal(readFileSync(join(dir, text), 'utf8'), TEXT);
  });

  it('--log-file equal to a training or a --val-file text is refused, the text intact', () => {
    const train = file('log-train.txt', TEXT);
    const held = file('log-held.txt', TEXT);
    for (const log of [train, held]) {
      const r = charrnn(['train', train, '--val-file', held, ...QUIET, '--log-file', log]);
      assertOneLineError(r, 2, /--log-file '.*' is the text file '.*' this run reads/);
    }
    assert.equal(readFileSync(join(dir, train), 'utf8'), TEXT);
    assert.equal(readFileSync(join(dir, held), 'utf8'), TEXT);
  });

  it('--log-file equal to --save, or to the --resume checkpoint, is refused before training', () => {
    const text = file('log-ckpt.txt', TEXT);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'log-ckpt.ckpt']).status, 0);
    const before = readFileSync(join(dir, 'log-ckpt.ckpt'));
    for (const args of [
      ['--save', 'log-new.ckpt', '--iters', '3', '--log-file', 'log-new.ckpt'],
      ['--resume', 'log-ckpt.ckpt', '--iters', '6', '--log-file', 'log-ckpt.ckpt'],
      ['--resume', 'log-ckpt.ckpt', '--iters', '6', '--save', 'other.ckpt', '--log-file', 'log-ckpt.ckpt'],
    ]) {
      const r = charrnn(['train', text, '--hidden', '8', '--seq-length', '8', '--quiet', ...args]);
      assertOneLineError(
        r,
        2,
        /--log-file '.*\.ckpt' is the checkpoint --(save|resume) '.*\.ckpt'; give the log a path of its own/,
      );
    }
    assert.deepEqual(readFileSync(join(dir, 'log-ckpt.ckpt')), before, 'the checkpoint was changed');
    assert.ok(
      !existsSync(join(dir, 'log-new.ckpt')),
      'the refused run left an empty file at its --save path',
    );
  });
});

describe('train: a path given empty', () => {
  it('--save, --resume and --log-file with an empty path are refused at once (exit 2), not trained without', () => {
    const text = file('empty-path.txt', TEXT);
    for (const flag of ['--save', '--resume', '--log-file']) {
      const r = charrnn(['train', text, ...SMALL, flag, '']);
      assertOneLineError(r, 2, new RegExp(`^charrnn: ${flag} needs a path; give ${flag} a file name$`));
      assert.equal(r.stdout, '', 'it trained');
    }
  });
});

describe('export and import: -o that is the file read', () => {
  it('is refused (exit 2), and the checkpoint or the torch file is left as it was', () => {
    const text = file('convert.txt', TEXT);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'convert.ckpt']).status, 0);
    assert.equal(charrnn(['export', 'convert.ckpt', '--format', 'torch', '-o', 'convert.st']).status, 0);
    const ckpt = readFileSync(join(dir, 'convert.ckpt'));
    const torch = readFileSync(join(dir, 'convert.st'));
    for (const format of ['torch', 'onnx']) {
      for (const out of ['convert.ckpt', './convert.ckpt']) {
        const r = charrnn(['export', 'convert.ckpt', '--format', format, '-o', out]);
        assertOneLineError(
          r,
          2,
          /-o '.*convert\.ckpt' is the checkpoint 'convert\.ckpt' itself.*give -o another path/,
        );
      }
    }
    assert.deepEqual(readFileSync(join(dir, 'convert.ckpt')), ckpt, 'the checkpoint was replaced');
    const r = charrnn(['import', 'convert.st', '-o', 'convert.st']);
    assertOneLineError(r, 2, /-o 'convert\.st' is the torch file 'convert\.st' itself/);
    assert.deepEqual(readFileSync(join(dir, 'convert.st')), torch, 'the torch file was replaced');
  });
});

describe('standard output that fails or goes away (sample, eval, info, download)', () => {
  const model = () => {
    if (!existsSync(join(dir, 'out.ckpt'))) {
      assert.equal(charrnn(['train', file('out.txt', TEXT), ...QUIET, '--save', 'out.ckpt']).status, 0);
    }
    return 'out.ckpt';
  };

  it('into a full disk (/dev/full): one line naming standard output, exit 1, no stack trace', () => {
    const ckpt = model();
    for (const args of [
      ['sample', ckpt, '--length', '100', '--seed', '1'],
      ['sample', ckpt, '--length', '100000', '--seed', '1'],
      ['eval', ckpt, 'out.txt'],
      ['info', ckpt],
      ['info', ckpt, '--json'],
      ['download'],
      ['--version'],
      ['train', '--help'],
    ]) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [CLI, ...args], {
          encoding: 'utf8',
          cwd: dir,
          timeout: 120_000,
          stdio: ['ignore', full, 'pipe'],
        });
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}, stderr: ${r.stderr}`);
        assert.equal(
          lines[lines.length - 1],
          'charrnn: cannot write to standard output: no space left on the device; free some space or fix the path',
          args.join(' '),
        );
        assert.doesNotMatch(r.stderr, /\bat .*\.(js|ts):\d+|ENOSPC/, 'a stack trace leaked');
      } finally {
        closeSync(full);
      }
    }
  });

  it('sample piped into a reader that goes away (| head): it stops at once, quietly, with exit 141', async () => {
    const ckpt = model();
    const child = spawn(process.execPath, [CLI, 'sample', ckpt, '--length', '1000000000', '--seed', '1'], {
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.equal(status, 141, stderr);
    assert.equal(stderr, '');
  });
});

describe('standard error that goes away (2>&1 | head) or fails', () => {
  it('train into one pipe for both, closed by its reader: it stops, saves, and exits 141 as for stdout alone', () => {
    file('both.txt', TEXT);
    // the first line (train's status line on stderr) read, then the reader is gone: the next write to either
    // stream fails; stdout's ends the run (141), and stderr's summary line is dropped, not an uncaught error
    const r = charrnn([], {
      shell:
        '$CHARRNN train both.txt --hidden 8 --seq-length 8 --iters 100000 --log-every 1 --sample-every 0 ' +
        '--seed 1 --save both.ckpt 2>&1 | head -1 > first.txt; echo "$PIPESTATUS"',
    });
    assert.equal(r.stdout.trim(), '141', r.stderr);
    assert.match(readFileSync(join(dir, 'first.txt'), 'utf8'), /^charrnn: training rnn 1x8/);
    assert.ok(existsSync(join(dir, 'both.ckpt')), 'the run saved');
    // stderr gone, stdout not: the run ends as it would have (0), and a user error keeps its status (1)
    const done = charrnn([], {
      shell: `$CHARRNN train both.txt ${SMALL.join(' ')} --log-every 1 2>&1 >/dev/null | true; echo "$PIPESTATUS"`,
    });
    assert.equal(done.stdout.trim(), '0', done.stderr);
    const refused = charrnn([], {
      shell: '$CHARRNN eval both.ckpt missing.txt 2>&1 >/dev/null | true; echo "$PIPESTATUS"',
    });
    assert.equal(refused.stdout.trim(), '1', refused.stderr);
  });
});

describe('texts, primes and checkpoints that are pipes (<(zcat a.gz), a FIFO)', () => {
  it('train, eval, sample --prime-file and info read a pipe as they read the file', () => {
    const text = file('pipe.txt', TEXT);
    const direct = charrnn(['train', text, ...QUIET, '--save', 'pipe.ckpt']);
    assert.equal(direct.status, 0, direct.stderr);
    const cli = '$CHARRNN';
    const piped = charrnn([], { shell: `${cli} train <(cat ${text}) ${QUIET.join(' ')}` });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, direct.stdout);
    const evalDirect = charrnn(['eval', 'pipe.ckpt', text]);
    const evalPiped = charrnn([], { shell: `${cli} eval pipe.ckpt <(cat ${text})` });
    assert.equal(evalPiped.status, 0, evalPiped.stderr);
    assert.equal(evalPiped.stdout.split(' over ')[0], evalDirect.stdout.split(' over ')[0]);
    const sample = ['--length', '50', '--seed', '3'];
    const primed = charrnn(['sample', 'pipe.ckpt', '--prime', 'The', ...sample]);
    const primedPiped = charrnn([], {
      shell: `${cli} sample <(cat pipe.ckpt) --prime-file <(printf The) ${sample.join(' ')}`,
    });
    assert.equal(primedPiped.status, 0, primedPiped.stderr);
    assert.equal(primedPiped.stdout, primed.stdout);
    assert.match(primed.stdout, /^The/);
    const info = charrnn([], { shell: `${cli} info <(cat pipe.ckpt)` });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /charrnn checkpoint, version 2/);
  });

  it('a named FIFO is read whole; an empty pipe is still "empty"', () => {
    const text = file('fifo-src.txt', TEXT);
    const direct = charrnn(['train', text, ...QUIET]);
    const r = charrnn([], {
      shell: `rm -f t.fifo && mkfifo t.fifo && (cat ${text} > t.fifo &) && $CHARRNN train t.fifo ${QUIET.join(' ')}`,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, direct.stdout);
    const empty = charrnn([], { shell: `$CHARRNN train <(true) ${QUIET.join(' ')}` });
    assertOneLineError(empty, 1, /the text file '\/dev\/fd\/\d+' is empty; give a file with some text in it/);
  });
});

describe("a checkpoint on standard input ('-')", () => {
  it('sample, eval, info, export and import read it as they read the file, named standard input', () => {
    const text = file('stdin.txt', TEXT);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'stdin.ckpt']).status, 0);
    const cli = '$CHARRNN';
    const sample = ['--length', '50', '--seed', '3', '--prime', 'The'].join(' ');
    const direct = charrnn([], { shell: `${cli} sample stdin.ckpt ${sample}` });
    const piped = charrnn([], { shell: `cat stdin.ckpt | ${cli} sample - ${sample}` });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, direct.stdout);
    assert.match(direct.stdout, /^The.{50}\n$/s);
    const evalDirect = charrnn(['eval', 'stdin.ckpt', text]);
    const evalPiped = charrnn([], { shell: `${cli} eval - ${text} < stdin.ckpt` });
    assert.equal(evalPiped.status, 0, evalPiped.stderr);
    assert.equal(evalPiped.stdout, evalDirect.stdout);
    const info = charrnn([], { shell: `${cli} info - < stdin.ckpt` });
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^file +standard input: charrnn checkpoint, version 2/);
    for (const out of ['stdin.onnx', 'stdin.safetensors']) {
      assert.equal(charrnn(['export', 'stdin.ckpt', '-o', `direct-${out}`]).status, 0);
      const r = charrnn([], { shell: `${cli} export - -o ${out} < stdin.ckpt` });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, / of standard input\n$/);
      assert.deepEqual(readFileSync(join(dir, out)), readFileSync(join(dir, `direct-${out}`)));
    }
    const imported = charrnn([], { shell: `${cli} import - -o stdin-imported.ckpt < stdin.safetensors` });
    assert.equal(imported.status, 0, imported.stderr);
    const again = charrnn(['import', 'stdin.safetensors', '-o', 'direct-imported.ckpt']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(
      readFileSync(join(dir, 'stdin-imported.ckpt')),
      readFileSync(join(dir, 'direct-imported.ckpt')),
    );
  });

  it('empty, a text, a terminal, twice, or resumed: one line each', () => {
    const cli = '$CHARRNN';
    assertOneLineError(
      charrnn([], { shell: `${cli} sample - < /dev/null` }),
      1,
      /^charrnn: the checkpoint on standard input is empty; pipe a file into it, or give its path$/,
    );
    assertOneLineError(
      charrnn([], { shell: `echo hello | ${cli} info -` }),
      1,
      /^charrnn: standard input is not a valid charrnn checkpoint: it is a text file/,
    );
    assertOneLineError(
      charrnn([], { shell: `${cli} eval - - < stdin.ckpt` }),
      2,
      /'-' \(standard input\) is given as both the checkpoint and a text/,
    );
    assertOneLineError(
      charrnn([], { shell: `${cli} train --resume - < stdin.ckpt` }),
      2,
      /--resume - \(standard input\) cannot be resumed: a resumed run saves back to its file/,
    );
    // a terminal (script, of Debian's essential bsdutils, gives the command one): refused at once instead
    // of waiting for Ctrl-D
    if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) return;
    const tty = charrnn([], { shell: `script -qec "${cli} sample -" /dev/null < /dev/null` });
    assert.equal(tty.status, 2, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /the checkpoint '-' is standard input, and that is a terminal/);
  });
});

describe('--val-fraction that holds out too little', () => {
  it('none of the text: refused in one line, not a run that says it validates and never does', () => {
    const text = file('tiny-val.txt', TEXT.slice(0, 1000)); // 0.0005 of 1000 characters is none
    const r = charrnn(['train', text, ...SMALL, '--val-fraction', '0.0005', '--eval-every', '1']);
    assertOneLineError(
      r,
      1,
      /^charrnn: the validation split \(--val-fraction 0\.0005\) has 0 characters, but a window of seq-length 8 needs at least 9; .*a larger --val-fraction/,
    );
  });

  it('too few characters: the hint says a larger --val-fraction, not a smaller one', () => {
    const text = file('short-val.txt', TEXT.slice(0, 1000)); // 0.005: 5 characters
    const r = charrnn(['train', text, ...SMALL, '--val-fraction', '0.005']);
    assertOneLineError(r, 1, /^charrnn: the validation split has 5 characters, .*a larger --val-fraction/);
    assert.doesNotMatch(r.stderr, /smaller --batch, --seq-length or --val-fraction/);
    const train = charrnn(['train', text, ...SMALL, '--val-fraction', '0.9', '--batch', '20']);
    assertOneLineError(train, 1, /^charrnn: the training split has 100 characters, .*or --val-fraction$/);
  });
});

describe('resume on a text too short for the checkpoint', () => {
  it('says --batch and --seq-length stay on resume, not to make them smaller (which resume refuses)', () => {
    const text = file('resume-long.txt', TEXT);
    const save = ['--model', 'gru', '--hidden', '8', '--layers', '1', '--batch', '4', '--seq-length', '16'];
    const made = charrnn([
      'train',
      text,
      ...save,
      '--iters',
      '2',
      '--sample-every',
      '0',
      '--quiet',
      '--save',
      'rs.ckpt',
    ]);
    assert.equal(made.status, 0, made.stderr);
    const short = file('resume-short.txt', TEXT.slice(0, 100)); // validation: 10 characters, training: 90
    const r = charrnn(['train', short, '--resume', 'rs.ckpt', '--iters', '4', '--quiet']);
    assertOneLineError(
      r,
      1,
      /the validation split has 10 characters, but 4 streams of seq-length 16 need at least 65; the checkpoint's --batch 4 and --seq-length 16 stay on resume: use a longer text, or a larger --val-fraction/,
    );
    const t = charrnn([
      'train',
      short,
      '--resume',
      'rs.ckpt',
      '--iters',
      '4',
      '--quiet',
      '--val-fraction',
      '0.5',
    ]);
    assertOneLineError(
      t,
      1,
      /the training split has 50 characters, .*stay on resume: use a longer text, or a smaller --val-fraction$/,
    );
    const none = charrnn([
      'train',
      file('resume-tiny.txt', TEXT.slice(0, 30)),
      '--resume',
      'rs.ckpt',
      '--iters',
      '4',
      '--val-fraction',
      '0',
    ]);
    assertOneLineError(none, 1, /the text has 30 characters, .*stay on resume: use a longer text$/);
  });
});

describe('--resume of a checkpoint that is not there', () => {
  it('is one line, and creates no folder for it (the save path defaults to it)', () => {
    const text = file('typo.txt', TEXT);
    const r = charrnn(['train', text, '--resume', 'typo/runs/x.ckpt', '--iters', '3']);
    assertOneLineError(
      r,
      1,
      /^charrnn: the checkpoint 'typo\/runs\/x\.ckpt' does not exist; check the path$/,
    );
    assert.equal(
      existsSync(join(dir, 'typo')),
      false,
      'a folder was created for a checkpoint that is not there',
    );
  });
});

describe('download -o that cannot be a file', () => {
  it('a folder, or an empty path: one line before anything is downloaded, exit 2', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end(TEXT);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/t.txt`;
      mkdirSync(join(dir, 'dl-folder'), { recursive: true });
      const run = (out: string) =>
        new Promise<Run>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'download', '--url', url, '-o', out], { cwd: dir });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => {
            stdout += d;
          });
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.on('close', (status) => resolve({ status, stdout, stderr }));
        });
      const folder = await run('dl-folder');
      assert.equal(folder.status, 2, folder.stderr);
      assert.match(
        folder.stderr.trimEnd().split('\n').pop()!,
        /^charrnn: cannot write 'dl-folder': it is a folder; give -o the path of a file$/,
      );
      const empty = await run('');
      assert.equal(empty.status, 2, empty.stderr);
      assert.match(empty.stderr, /the download needs a path to write; give -o a file name/);
      assert.equal(requests, 0, 'it downloaded before finding that it cannot write');
      assert.doesNotMatch(folder.stderr + empty.stderr, /EISDIR|ENOENT/);
    } finally {
      server.close();
    }
  });
});

describe('a one-symbol text (aaaa...)', () => {
  it('trains, samples, scores 0 and is described as 1 symbol, not "1 symbols"', () => {
    const text = file('one.txt', 'a'.repeat(60));
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'one.ckpt']).status, 0);
    const info = charrnn(['info', 'one.ckpt']);
    assert.match(info.stdout, /^vocabulary {5}1 symbol: "a"$/m);
    assert.equal(charrnn(['sample', 'one.ckpt', '--length', '5', '--seed', '1']).stdout, 'aaaaa\n');
    assert.match(charrnn(['eval', 'one.ckpt', text]).stdout, /^loss 0\.0000 nats\/char/);
    const prime = charrnn(['sample', 'one.ckpt', '--prime', 'b']);
    assertOneLineError(prime, 1, /the model's vocabulary of 1 symbol; /);
    assert.equal(charrnn(['export', 'one.ckpt', '--format', 'torch', '-o', 'one.st']).status, 0);
    assert.match(charrnn(['import', 'one.st', '-o', 'one2.ckpt']).stderr, /, 1 symbol, f32;/);
  });
});

describe('a run that diverges', () => {
  it('with no checkpoint to go back to, says to start again; with one, to resume from it', () => {
    const text = file('diverge.txt', TEXT);
    const wild = ['--lr', '1e6', '--clip', 'off'];
    for (const extra of [[], ['--save', 'never.ckpt']]) {
      const r = charrnn(['train', text, ...QUIET, ...wild, ...extra]);
      assertOneLineError(
        r,
        1,
        /training diverged at iteration \d+: .*; nothing was saved: start again with a lower --lr \(or with --clip or --clip-norm\)$/,
      );
    }
    assert.equal(existsSync(join(dir, 'never.ckpt')), false);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'kept.ckpt']).status, 0);
    const r = charrnn(['train', text, '--resume', 'kept.ckpt', '--iters', '6', '--quiet', ...wild]);
    assertOneLineError(r, 1, /training diverged .* and resume from the last checkpoint$/);
  });
});

describe('a file of another kind given as a checkpoint', () => {
  it('is named by its kind, with a hint to give a checkpoint, not to "save it again"', () => {
    const text = file('kind.txt', TEXT);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'kind.ckpt']).status, 0);
    assert.equal(charrnn(['export', 'kind.ckpt', '--format', 'onnx', '-o', 'kind.onnx']).status, 0);
    for (const [args, kind] of [
      [['sample', 'kind.onnx'], 'an ONNX model'],
      [['info', text], 'a text file'],
      [['train', text, '--resume', text, '--save', 'k2.ckpt'], 'a text file'],
    ] as const) {
      const r = charrnn([...args]);
      assertOneLineError(
        r,
        1,
        new RegExp(
          `is not a valid charrnn checkpoint: it is ${kind}.*; give a checkpoint that charrnn train --save wrote$`,
        ),
      );
    }
  });
});

describe('a path to write that is a device or a pipe (--save /dev/null)', () => {
  it('is refused, and the device or the pipe stays what it was (a rename would replace it)', (t) => {
    const text = file('dev.txt', TEXT);
    assert.equal(charrnn(['train', text, ...QUIET, '--save', 'dev.ckpt']).status, 0);
    const nodes = [['fifo', 'mkfifo dev-fifo', 'p', /it is a pipe \(FIFO\), not a file/]] as [
      string,
      string,
      string,
      RegExp,
    ][];
    // a null device of our own, as /dev/null is one: only root can make it (and only root could replace /dev/null)
    if (process.getuid?.() === 0)
      nodes.push(['device', 'mknod dev-null c 1 3', 'c', /it is a device, not a file/]);
    else t.diagnostic('not root: the device case is left out');
    for (const [, make, type, why] of nodes) {
      const name = make.split(' ')[1];
      assert.equal(charrnn([], { shell: `rm -f ${name} && ${make}` }).status, 0);
      const train = charrnn(['train', text, ...QUIET, '--save', name]);
      assertOneLineError(
        train,
        2,
        new RegExp(`cannot save to '${name}': ${why.source}; give the path of a file`),
      );
      for (const args of [
        ['export', 'dev.ckpt', '--format', 'torch', '-o', name],
        ['export', 'dev.ckpt', '--format', 'onnx', '-o', name],
      ]) {
        assertOneLineError(
          charrnn(args),
          1,
          new RegExp(`cannot write the (torch|onnx) export '${name}': ${why.source}`),
        );
      }
      assert.equal(charrnn(['export', 'dev.ckpt', '--format', 'torch', '-o', 'dev.st']).status, 0);
      assertOneLineError(
        charrnn(['import', 'dev.st', '-o', name]),
        1,
        new RegExp(`cannot write the checkpoint '${name}'`),
      );
      const kind = charrnn([], { shell: `stat -c %A ${name} | cut -c1` }).stdout.trim();
      assert.equal(kind, type, `${name} was replaced by a regular file`);
    }
  });
});

describe('--save that names a folder (runs/)', () => {
  it('is refused before training, not after it with the state in a rescue file', () => {
    const text = file('slash.txt', TEXT);
    for (const save of ['runs/', 'runs/..', '.']) {
      const r = charrnn(['train', text, ...QUIET, '--save', save]);
      assertOneLineError(
        r,
        2,
        new RegExp(
          `^charrnn: cannot save to '${save.replace(/\./g, '\\.')}': it names a folder; give the path of a file$`,
        ),
      );
      assert.equal(r.stdout, '', 'it trained');
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('charrnn-rescue-')),
      [],
      'a rescue file was written',
    );
    assertOneLineError(
      charrnn(['export', 'nowhere.ckpt', '--format', 'onnx', '-o', 'out/']),
      1,
      /does not exist|names a folder/,
    );
  });
});
