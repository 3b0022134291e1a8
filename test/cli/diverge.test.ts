// A diverging run, through the real CLI, for every model: --lr 1e4 blows the weights up in one update, and the
// next loss is infinite. The run stops with one line (exit 1, no stack trace); a checkpoint written before
// stays byte for byte; with --save-every 1 every checkpoint written is finite and loads (the trainer's guards:
// test/training/divergence.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { MODEL_KINDS } from '../../src/models/types.js';
import { type Run, runCli } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-diverge-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TEXT = join(dir, 'text.txt');
writeFileSync(TEXT, golden.corpus);

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir, timeout: 60_000 });
}

/** Exit 1 and one line saying where and why it diverged; returns that iteration. */
function assertDiverged(r: { status: number | null; stderr: string }): number {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  const m =
    /^charrnn: training diverged at iteration (\d+): the loss is (Infinity|NaN); lower --lr \(or set --clip or --clip-norm\) and resume from the last checkpoint$/.exec(
      lines[0],
    );
  assert.ok(m, lines[0]);
  return Number(m[1]);
}

function assertFinite(path: string): number {
  const ck = readCheckpoint(new Uint8Array(readFileSync(path)), path);
  const finite = (a: ArrayLike<number>) => Array.prototype.every.call(a, Number.isFinite);
  for (const [name, t] of ck.params) assert.ok(finite(t.data), `${path}: ${name} is not finite`);
  for (const [name, s] of ck.slots) assert.ok(finite(s), `${path}: optim.${name} is not finite`);
  assert.ok(finite(ck.state), `${path}: the carried state is not finite`);
  return ck.progress.iter;
}

describe('a diverging run, for every model', () => {
  for (const model of MODEL_KINDS) {
    it(`${model}: stops with one line, and no checkpoint it wrote holds a NaN or an infinity`, () => {
      const path = `${model}.ckpt`;
      const small = [
        '--model',
        model,
        '--hidden',
        '16',
        '--layers',
        '1',
        '--batch',
        '2',
        '--seq-length',
        '16',
      ];
      const good = charrnn('train', TEXT, ...small, '--iters', '3', '--save-every', '1', '--save', path);
      assert.equal(good.status, 0, good.stderr);
      const before = readFileSync(join(dir, path));
      // diverging before the next save: the last checkpoint stays, byte for byte
      const resume = ['train', TEXT, '--resume', path, '--iters', '1000', '--lr', '1e4', '--quiet'];
      const at = assertDiverged(charrnn(...resume, '--save-every', '5'));
      assert.ok(at > 3 && at < 5, `diverged at ${at}`);
      assert.deepEqual(readFileSync(join(dir, path)), before);
      // saving every iteration up to the divergence: what is on disk is finite and loads
      const last = assertDiverged(charrnn(...resume, '--save-every', '1'));
      assert.ok(assertFinite(join(dir, path)) <= last);
    });
  }
});
