// Version-1 checkpoints through the real CLI, as a user resumes them: `train --resume` continues the run
// that the first release would have continued (the losses of the next 10 iterations against the ones
// that release's CLI logged, on the same relaxed-simd kernels), and `sample` and `eval` read them.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { ROOT, type Run, runCli, succeeded } from '../helpers/cli.js';

const FIXTURES = join(ROOT, 'test/fixtures/v1');
const CORPUS = join(ROOT, 'test/fixtures/min-char-rnn-corpus.txt');
const dir = mkdtempSync(join(tmpdir(), 'charrnn-v1-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Named tolerances, relative, on the resumed losses: the LSTM and GRU run the first release's kernels on
 * the same build, so they continue bit for bit; the vanilla RNN now runs on the shared recurrent path, so
 * its float32 sums round in another order.
 */
const TOL = { sameKernels: 0, rnnF32: 1e-6, rnnF64: 1e-12 } as const;

const CASES = [
  ['seed', TOL.rnnF32],
  ['seed-f64', TOL.rnnF64],
  ['lstm', TOL.sameKernels],
  ['gru', TOL.sameKernels],
  ['rnn-recipe', TOL.rnnF32],
] as const;

function charrnn(...args: string[]): Run {
  return succeeded(runCli(args, { cwd: dir }), `charrnn ${args.join(' ')}`);
}

const losses = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => 'loss' in r) as { iter: number; loss: number }[];

describe('version-1 checkpoints through the CLI', () => {
  for (const [name, tol] of CASES) {
    it(`${name}.ckpt: resume continues that release's run; sample and eval read it`, () => {
      const file = join(dir, `${name}.ckpt`);
      copyFileSync(join(FIXTURES, `${name}.ckpt`), file);
      const iter = readCheckpoint(new Uint8Array(readFileSync(file))).progress.iter;
      const log = join(dir, `${name}.jsonl`);
      charrnn(
        'train',
        CORPUS,
        '--resume',
        file,
        '--iters',
        String(iter + 10),
        '--log-every',
        '1',
        '--log-file',
        log,
      );
      const got = losses(log);
      const want = losses(join(FIXTURES, `resume-${name}.jsonl`));
      assert.deepEqual(
        got.map((r) => r.iter),
        want.map((r) => r.iter),
      );
      let worst = { rel: 0, at: -1 };
      got.forEach((r, i) => {
        const rel = Math.abs(r.loss - want[i].loss) / want[i].loss;
        if (rel > worst.rel) worst = { rel, at: r.iter };
      });
      console.log(
        `  ${name}: largest relative difference of the resumed losses ${worst.rel.toExponential(2)}`,
      );
      assert.ok(worst.rel <= tol, `iteration ${worst.at}: relative difference ${worst.rel}`);
      // the resumed file is a version-2 checkpoint now
      assert.equal(readCheckpoint(new Uint8Array(readFileSync(file))).version, 2);
      const fresh = join(dir, `${name}-fresh.ckpt`);
      copyFileSync(join(FIXTURES, `${name}.ckpt`), fresh);
      const s = charrnn('sample', fresh, '--length', '40', '--seed', '3', '--prime', 'The ');
      assert.ok(s.stdout.startsWith('The ') && [...s.stdout.trimEnd()].length >= 40);
      assert.match(
        charrnn('eval', fresh, CORPUS).stdout,
        /^loss \d+\.\d{4} nats\/char, \d+\.\d{4} bits\/char over 1024 characters/,
      );
    });
  }
});
