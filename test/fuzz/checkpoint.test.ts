// The checkpoint fuzzer in `npm test`: 2000 cases from a fixed seed (valid checkpoints of every kind and
// version, and PyTorch-layout files, damaged by mutate.ts) must each load and sample, or be refused with
// one line, within 2 s and the allocation budget (harness.ts). `npm run fuzz` runs any number of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkpointTarget } from './checkpoint.js';
import { formatSummary, runCases } from './harness.js';

const SEED = 20261201;
const CASES = 2000;

describe('checkpoint fuzzer', () => {
  it(`${CASES} damaged checkpoints: each loads and samples, or is refused with one line`, () => {
    const s = runCases(checkpointTarget, SEED, CASES);
    assert.equal(s.failures.length, 0, formatSummary(s));
    // the mutations reach every kind of file and many kinds of damage
    const accepted = [...s.accepted.keys()].join(' | ');
    for (const kind of ['v1 rnn', 'v1 lstm', 'v1 gru', 'v2 rnn', 'v2 lstm', 'v2 gru'])
      assert.match(
        accepted,
        new RegExp(`(^| )${kind}`),
        `no damaged ${kind} file loaded:\n${formatSummary(s)}`,
      );
    assert.ok(s.refused.size >= 40, `only ${s.refused.size} kinds of refusal:\n${formatSummary(s)}`);
    const refused = [...s.refused.values()].reduce((a, b) => a + b, 0);
    assert.ok(refused > CASES / 2 && refused < CASES - 50, formatSummary(s));
  });
});
