// The conformance suite again, against the relaxed-simd build (fused multiply-add), which the CLI prefers
// where the engine has relaxed-simd. Node 20 needs a V8 flag for it, so the suite runs in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The child is a test run of its own: without the parent runner's NODE_TEST_CONTEXT it prints TAP. */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  return { ...env, KERNELS_WASM: 'build/kernels-relaxed.wasm' };
}

it('the kernel conformance suite passes on the relaxed-simd build', () => {
  assert.ok(
    existsSync(`${root}/build/kernels-relaxed.wasm`),
    'build/kernels-relaxed.wasm is missing: run npm run build',
  );
  const r = spawnSync(
    process.execPath,
    [
      '--experimental-wasm-relaxed-simd',
      '--import',
      'tsx',
      '--test',
      '--test-reporter=tap',
      'test/kernels/kernels.test.ts',
    ],
    { cwd: root, encoding: 'utf8', env: childEnv(), timeout: 300_000 },
  );
  const summary = r.stdout.split('\n').filter((l) => /^# (pass|fail)/.test(l));
  console.log(`  relaxed-simd build: ${summary.map((l) => l.slice(2)).join(', ')}`);
  assert.equal(
    r.status,
    0,
    r.stdout
      .split('\n')
      .filter((l) => /not ok|error:/.test(l))
      .slice(0, 10)
      .join('\n'),
  );
  assert.match(summary.join(' '), /# pass [1-9]\d*/);
});
