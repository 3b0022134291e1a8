// The command-line fuzzer in `npm test` (cli.ts): 40 runs of the real CLI (dist/cli/main.js, which
// `npm test` builds first) with random options of train and sample, unknown flags, missing and damaged
// files; each exits 0, or 1 or 2 with one line on stderr and no stack trace.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliTarget } from './cli.js';
import { formatSummary, runCases } from './harness.js';

const SEED = 20261201;
const CASES = 40;

describe('command-line fuzzer', () => {
  it(`${CASES} runs with random options and damaged files: exit 0, or one line and exit 1 or 2`, () => {
    const s = runCases(cliTarget, SEED, CASES);
    assert.equal(s.failures.length, 0, formatSummary(s));
    const accepted = [...s.accepted.values()].reduce((a, b) => a + b, 0);
    assert.ok(accepted >= 3 && s.refused.size >= 10, formatSummary(s));
  });
});
