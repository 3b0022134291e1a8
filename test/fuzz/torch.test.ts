// The torch-layout fuzzer in `npm test` (torch.ts): files exportTorch wrote, damaged, then imported,
// sampled, saved and loaded again, or refused with one line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSummary, runCases } from './harness.js';
import { torchTarget } from './torch.js';

const SEED = 20261201;
const CASES = 600;

describe('torch-layout fuzzer', () => {
  it(`${CASES} damaged torch files: each imports and samples, or is refused with one line`, () => {
    const s = runCases(torchTarget, SEED, CASES);
    assert.equal(s.failures.length, 0, formatSummary(s));
    const accepted = [...s.accepted.keys()].join(' | ');
    for (const kind of ['rnn', 'lstm', 'gru'])
      assert.match(accepted, new RegExp(`imported ${kind}`), formatSummary(s));
    assert.ok(s.refused.size > 20, formatSummary(s));
  });
});
