// The status line `charrnn train` prints on stderr before training (what is trained, on what), spawned as a
// user runs it (node dist/cli/main.js; `npm test` builds first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { CLI } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-status-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('names the held-out share of --val-fraction as the percentage given, without float noise', () => {
  const text = join(dir, 'text.txt');
  writeFileSync(text, 'the quick brown fox jumps over the lazy dog. '.repeat(200));
  // 0.07 * 100 is 7.000000000000001 in floating point, 0.29 * 100 is 28.999999999999996
  for (const [fraction, shown] of [
    ['0.07', '7%'],
    ['0.29', '29%'],
    ['0.125', '12.5%'],
  ]) {
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        'train',
        text,
        ...['--model', 'gru', '--hidden', '4', '--layers', '1', '--batch', '2', '--seq-length', '8'],
        ...['--iters', '1', '--sample-every', '0', '--seed', '1', '--val-fraction', fraction],
      ],
      { encoding: 'utf8', cwd: dir, timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const status = run.stderr.split('\n').find((l) => l.startsWith('charrnn: training '));
    assert.ok(status, `no status line in:\n${run.stderr}`);
    assert.match(status, new RegExp(`; validation: last ${shown.replace('.', '\\.')} of the text;`), status);
  }
});
