// `npm run mutate:known` (scripts/mutate-known.mjs) plants known bugs by exact text: each bug's text must stand
// in its file exactly once, or the bug has lost its place and guards nothing. A refactor that moves one fails
// here, at once, rather than in a mutation run nobody starts (two had been lost that way, unnoticed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from './helpers/cli.js';

it('every known bug of mutate:known still has its place in the source, exactly once', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/mutate-known.mjs'), '--list'], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const rows = r.stdout.trimEnd().split('\n');
  assert.ok(rows.length >= 11, `only ${rows.length} bugs listed:\n${r.stdout}`);
  for (const row of rows) assert.match(row, /\(1 match\)(?:, .*\(1 match\))*$/, row);
});
