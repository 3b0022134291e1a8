// The real CLI (node dist/cli/main.js; build first): resuming a run's `.best` file without --save writes
// the continued run over that file, so the best weights must first be kept where this run's best goes
// (`x.best.best.ckpt`), or a continued run that never beats them would destroy them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, ROOT } from '../helpers/cli.js';

const TEXT = join(ROOT, 'test/fixtures/min-char-rnn-corpus.txt');
const dir = mkdtempSync(join(tmpdir(), 'charrnn-resume-best-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function train(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [CLI, 'train', TEXT, '--model', 'lstm', '--hidden', '16', '--batch', '2', '--seq-length', '16'].concat(
      [
        '--val-fraction',
        '0.1',
        '--eval-every',
        '5',
        '--optimizer',
        'sgd',
        '--sample-every',
        '0',
        '--seed',
        '1',
      ],
      args,
    ),
    { encoding: 'utf8', cwd: dir, timeout: 120_000 },
  );
  return { status: r.status, stderr: r.stderr };
}

function evalLoss(path: string): number {
  const r = spawnSync(process.execPath, [CLI, 'eval', path, TEXT], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const m = /loss ([\d.]+) nats/.exec(r.stdout + r.stderr);
  assert.ok(m, `no loss in: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

describe('resuming a .best file', () => {
  it('keeps the best weights when the continued run, saved over that file, never beats them', () => {
    const first = train(['--lr', '0.5', '--iters', '40', '--save', 'b.ckpt']);
    assert.equal(first.status, 0, first.stderr);
    const bestBytes = readFileSync(join(dir, 'b.best.ckpt'));
    // a resume refused before training (already past --iters) writes nothing
    const refused = train(['--iters', '1', '--resume', 'b.best.ckpt']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(!existsSync(join(dir, 'b.best.best.ckpt')), 'a refused resume wrote a file');
    // a learning rate far too large: every evaluation of the continued run is worse than the best
    const second = train(['--lr', '5', '--iters', '60', '--resume', 'b.best.ckpt']);
    assert.equal(second.status, 0, second.stderr);
    const kept = join(dir, 'b.best.best.ckpt');
    assert.ok(existsSync(kept), `the best weights are in no file any more; stderr:\n${second.stderr}`);
    assert.ok(readFileSync(kept).equals(bestBytes), "'b.best.best.ckpt' is not the resumed best file");
    assert.match(second.stderr, /best 'b\.best\.best\.ckpt'/);
    // and the continued run, worse, is what 'b.best.ckpt' now holds
    assert.ok(evalLoss('b.best.ckpt') > evalLoss('b.best.best.ckpt'));
  });

  it('leaves an existing best file alone: resuming the checkpoint itself writes nothing new', () => {
    const first = train(['--lr', '0.5', '--iters', '40', '--save', 'c.ckpt']);
    assert.equal(first.status, 0, first.stderr);
    const before = readFileSync(join(dir, 'c.best.ckpt'));
    const second = train(['--lr', '5', '--iters', '50', '--resume', 'c.ckpt']);
    assert.equal(second.status, 0, second.stderr);
    assert.ok(readFileSync(join(dir, 'c.best.ckpt')).equals(before));
    assert.ok(!existsSync(join(dir, 'c.best.best.ckpt')));
  });
});
