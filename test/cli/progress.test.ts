// What `charrnn train` tells a person on stderr: the live progress line (from plain numbers, and drawn by the
// real CLI in a pseudo-terminal) with its elapsed time, ETA and last validation loss, and the line at the
// end, with the iterations, times, speed, best validation loss and the files the run wrote. stdout stays
// the seed's (test/cli/cli.test.ts holds it byte for byte).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import {
  etaSeconds,
  formatClock,
  type ProgressState,
  progressLine,
  type RunSummary,
  summaryLine,
} from '../../src/cli/progress.js';
import { CLI } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-progress-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpusFile = join(dir, 'corpus.txt');
writeFileSync(corpusFile, golden.corpus.repeat(4));

/** A run 250 iterations into --iters 1000, 10 s of wall-clock time in, 8 of them training. */
const STATE: ProgressState = {
  iter: 250,
  smoothLoss: 1.23456,
  iters: 1000,
  timeLimit: 0,
  trainSeconds: 8,
  runIters: 250,
  runSeconds: 10,
  runTrainSeconds: 8,
  charsPerStep: 100,
  valLoss: undefined,
  evaluating: undefined,
};

describe('the progress line', () => {
  it('ETA from the rate so far: iterations left at this run’s iterations per second', () => {
    assert.equal(etaSeconds(STATE), 30); // 750 left at 25/s
    // resumed at 500: this run's rate, not the whole run's
    assert.equal(etaSeconds({ ...STATE, iter: 600, runIters: 100 }), 40); // 400 left at 10/s
    assert.equal(etaSeconds({ ...STATE, iters: 0 }), undefined, 'unbounded: no ETA');
    assert.equal(etaSeconds({ ...STATE, runIters: 0, runSeconds: 0 }), undefined, 'no rate yet');
  });

  it('ETA for --time-limit from training time: the training time left, at this run’s wall-clock per training second', () => {
    const timed = {
      ...STATE,
      iters: 0,
      timeLimit: 300,
      trainSeconds: 100,
      runSeconds: 60,
      runTrainSeconds: 50,
    };
    assert.equal(etaSeconds(timed), 240); // 200 s of training left, 1.2 s of wall-clock each
    // with both bounds, the one reached first
    assert.equal(etaSeconds({ ...timed, iters: 1000, iter: 900, runIters: 600 }), 10);
    assert.equal(etaSeconds({ ...timed, trainSeconds: 301 }), 0);
  });

  it('shows the bar, iteration, loss, speed, elapsed time, ETA, and the last validation loss once there is one', () => {
    assert.equal(
      progressLine(STATE),
      '[######------------------]  25%  iter 250  loss 1.2346  2.5k chars/s  elapsed 0:10  ETA 0:30',
    );
    assert.equal(
      progressLine({ ...STATE, iters: 0, runSeconds: 3725, valLoss: 1.5, evaluating: 0.4 }),
      'iter 250  loss 1.2346  7 chars/s  elapsed 1:02:05  val loss 1.5000  evaluating 40%',
    );
    // a time limit alone: the bar goes by training time
    assert.match(progressLine({ ...STATE, iters: 0, timeLimit: 16 }), /^\[#{12}-{12}\] {2}50% .* ETA 0:10$/);
    assert.equal(formatClock(59.6), '1:00');
  });

  it('fits a narrow terminal: the bar gives way to its percentage, then the elapsed time, then the speed', () => {
    const s = { ...STATE, valLoss: 1.5 };
    const full =
      '[######------------------]  25%  iter 250  loss 1.2346  2.5k chars/s  elapsed 0:10  ETA 0:30  val loss 1.5000';
    assert.equal(progressLine(s), full);
    assert.equal(progressLine(s, full.length + 1), full, 'a line one column narrower than the terminal');
    assert.equal(
      progressLine(s, full.length),
      '25%  iter 250  loss 1.2346  2.5k chars/s  elapsed 0:10  ETA 0:30  val loss 1.5000',
      'the last column stays empty',
    );
    assert.equal(
      progressLine(s, 82),
      '25%  iter 250  loss 1.2346  2.5k chars/s  elapsed 0:10  ETA 0:30  val loss 1.5000',
    );
    assert.equal(progressLine(s, 80), '25%  iter 250  loss 1.2346  2.5k chars/s  ETA 0:30  val loss 1.5000');
    assert.equal(progressLine(s, 67), '25%  iter 250  loss 1.2346  ETA 0:30  val loss 1.5000');
    assert.equal(progressLine(s, 30), '25%  iter 250  loss 1.2346  E', 'cut where nothing else fits');
    assert.equal(
      progressLine({ ...s, iters: 0 }, 70),
      'iter 250  loss 1.2346  2.5k chars/s  elapsed 0:10  val loss 1.5000',
      'an unbounded run has no bar and no percentage',
    );
  });
});

function summary(over: Partial<RunSummary> = {}): string {
  return summaryLine({
    interrupted: false,
    iter: 1500,
    smoothLoss: 1.5,
    runIters: 1000,
    runSeconds: 20,
    runTrainSeconds: 16,
    charsPerStep: 64,
    bestValLoss: Math.LN2,
    saved: 'm.ckpt',
    best: 'm.best.ckpt',
    log: { path: 'run.jsonl', lines: 12 },
    ...over,
  });
}

describe('the line at the end', () => {
  it('sums up iterations, times, speed, losses and the files written', () => {
    assert.equal(
      summary(),
      'stopped at iteration 1500 (1000 in this run, 20.0 s, training 16.0 s); 50.0 iter/s, 3200 chars/s (4000 chars/s while training); ' +
        "smooth loss 1.500000; best val loss 0.6931 nats/char (1.0000 bits/char); saved 'm.ckpt', " +
        "best 'm.best.ckpt', log 'run.jsonl' (12 lines)",
    );
    assert.equal(
      summary({
        interrupted: true,
        bestValLoss: Infinity,
        saved: undefined,
        best: undefined,
        log: undefined,
      }),
      'interrupted at iteration 1500 (1000 in this run, 20.0 s, training 16.0 s); 50.0 iter/s, 3200 chars/s (4000 chars/s while training); ' +
        'smooth loss 1.500000; no files written',
    );
    assert.equal(
      summary({ early: true, bestValIter: 1200, log: undefined }),
      'stopped early (--patience) at iteration 1500 (1000 in this run, 20.0 s, training 16.0 s); 50.0 iter/s, ' +
        "3200 chars/s (4000 chars/s while training); smooth loss 1.500000; best val loss 0.6931 nats/char (1.0000 bits/char) at iteration 1200; saved 'm.ckpt', " +
        "best 'm.best.ckpt'",
    );
  });

  it('gives the rate while training only when the run trained', () => {
    assert.match(
      summary({ runIters: 0, runSeconds: 0.5, runTrainSeconds: 0 }),
      /; 0\.0 iter\/s, 0 chars\/s; smooth loss/,
      'a run with nothing left to train (a resume at its --iters) has no training rate to give',
    );
  });

  it('from the real CLI: the best validation loss is the checkpoint’s, and the log’s lines are counted', () => {
    const args = [
      'train',
      corpusFile,
      '--model',
      'gru',
      '--hidden',
      '8',
      '--batch',
      '2',
      '--seq-length',
      '16',
    ];
    const more = [
      '--val-fraction',
      '0.2',
      '--eval-every',
      '5',
      '--iters',
      '20',
      '--seed',
      '4',
      '--threads',
      '1',
    ];
    const files = ['--save', 'g.ckpt', '--log-file', 'g.jsonl', '--log-every', '5'];
    const r = spawnSync(process.execPath, [CLI, ...args, ...more, ...files], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    const progress = readCheckpoint(new Uint8Array(readFileSync(join(dir, 'g.ckpt')))).progress;
    const [best, bestIter] = [progress.bestValLoss, progress.bestValIter];
    assert.ok([5, 10, 15, 20].includes(bestIter), `the best at iteration ${bestIter}: an evaluation's`);
    const lines = readFileSync(join(dir, 'g.jsonl'), 'utf8').trimEnd().split('\n').length;
    assert.equal(lines, 8, 'iterations 0, 5, 10, 15 and four evaluations');
    assert.match(
      last,
      new RegExp(
        String.raw`^charrnn: stopped at iteration 20 \(20 in this run, \d+\.\d s, training \d+\.\d s\); ` +
          String.raw`\d+\.\d iter/s, \d+ chars/s \(\d+ chars/s while training\); smooth loss \d\.\d{6}; ` +
          `best val loss ${best.toFixed(4)} nats/char \\(${(best / Math.LN2).toFixed(4)} bits/char\\) at iteration ${bestIter}; ` +
          `saved 'g\\.ckpt', best 'g\\.best\\.ckpt', log 'g\\.jsonl' \\(${lines} lines\\)$`,
      ),
    );
    assert.doesNotMatch(r.stdout, /stopped at|chars\/s/, 'stdout stays the seed’s');
  });

  it('from the real CLI: --patience stops early, says so, and a resume of that run says how to go on', () => {
    const args = [
      'train',
      corpusFile,
      '--model',
      'gru',
      '--hidden',
      '16',
      '--batch',
      '2',
      '--seq-length',
      '16',
    ];
    const more = ['--lr', '0.05', '--val-fraction', '0.2', '--eval-every', '5', '--iters', '3000'];
    const files = [
      '--patience',
      '2',
      '--seed',
      '4',
      '--threads',
      '1',
      '--save',
      'p.ckpt',
      '--log-file',
      'p.jsonl',
    ];
    const r = spawnSync(process.execPath, [CLI, ...args, ...more, ...files], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    const m = last.match(
      /^charrnn: stopped early \(--patience\) at iteration (\d+) .* at iteration (\d+); saved/,
    );
    assert.ok(m, last);
    const [stop, best] = [Number(m[1]), Number(m[2])];
    assert.ok(stop < 3000, `it ran to the end: ${last}`);
    // the log's evaluations: the best at `best`, then exactly two without a better loss, the last at `stop`
    const evals = readFileSync(join(dir, 'p.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((x) => x.valLoss !== undefined);
    const after = evals.filter((x) => x.iter > best);
    assert.deepEqual(
      after.map((x) => x.iter),
      [best + 5, best + 10],
    );
    assert.equal(stop, best + 10);
    const lowest = Math.min(...evals.map((x) => x.valLoss));
    assert.equal(evals.find((x) => x.iter === best).valLoss, lowest);
    const again = spawnSync(process.execPath, [CLI, 'train', corpusFile, '--resume', 'p.ckpt'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(again.status, 2, again.stderr);
    assert.match(
      again.stderr.trimEnd().split('\n').at(-1)!,
      new RegExp(
        `^charrnn: the run stopped early at iteration ${stop}: 2 evaluations in a row have not beaten its best validation loss \\(\\d\\.\\d{4} at iteration ${best}\\), and --patience is 2; give a larger --patience, or 0 to train on regardless$`,
      ),
    );
  });

  /**
   * The rows of the screen the CLI drew on a pseudo-terminal (util-linux `script`, `stty` run first), its
   * terminal escapes taken out, that hold a progress line: `[bar] P%  iter N  loss X ...` or, fitted to a
   * narrow terminal, `P%  iter N  loss X ...`.
   */
  function drawnInTerminal(stty: string, args: string): string[] {
    const cmd = `${stty}${process.execPath} ${CLI} train ${corpusFile} ${args}`;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences
    const rows = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/);
    const drawn = rows.filter((l) => /^(?:\[[#-]+\] +)?\d+% {2}iter \d+ {2}loss [\d.]+/.test(l));
    assert.ok(drawn.length > 0, `no progress line in:\n${r.stdout.slice(-2000)}`);
    return drawn;
  }

  it('from the real CLI in a terminal: the progress line shows the elapsed time, ETA and validation loss', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no util-linux script');
    const drawn = drawnInTerminal(
      'stty rows 24 cols 200; ',
      '--hidden 16 --iters 30000 --val-fraction 0.2 --eval-every 2000 --seed 1',
    );
    const full =
      /^\[[#-]{24}\] +\d+% {2}iter \d+ {2}loss [\d.]+ {2}[\d.]+[kM]? chars\/s {2}elapsed \d+:\d\d {2}ETA \d+:\d\d/;
    assert.ok(
      drawn.every((l) => full.test(l)),
      `a line without the bar, speed, elapsed time or ETA: ${drawn.join('\n')}`,
    );
    assert.ok(
      drawn.some((l) => / {2}val loss \d+\.\d{4}/.test(l)),
      `no validation loss in: ${drawn.join('\n')}`,
    );
  });

  it('from the real CLI in a terminal that reports no size (0 x 0, as script from a pipe makes it): still drawn', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no util-linux script');
    // script sizes its pseudo-terminal as its own standard input, a pipe here: 0 rows and 0 columns; the
    // line is then fitted to 80 columns, so no row is wrapped
    const drawn = drawnInTerminal('stty size; ', '--hidden 16 --iters 20000 --seed 1');
    for (const l of drawn) assert.ok(l.length < 80, `a line of ${l.length} columns: ${l}`);
  });

  it('from the real CLI in a terminal 50 columns wide: each line fits', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no util-linux script');
    const drawn = drawnInTerminal('stty rows 24 cols 50; ', '--hidden 16 --iters 20000 --seed 1');
    for (const l of drawn) assert.ok(l.length < 50, `a line of ${l.length} columns: ${l}`);
  });
});
