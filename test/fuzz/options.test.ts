// The options fuzzer in `npm test` (options.ts): random text for every setting of the core's table,
// random configurations and resume overrides, random sampling options and primes; each accepted exactly
// when the table allows it, or refused with one line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSummary, runCases } from './harness.js';
import { optionsTarget } from './options.js';

const SEED = 20261201;
const CASES = 3000;

describe('options fuzzer', () => {
  it(`${CASES} option values, configurations and sampling options: accepted as the table says, or one line`, () => {
    const s = runCases(optionsTarget, SEED, CASES);
    assert.equal(s.failures.length, 0, formatSummary(s));
    for (const kind of [
      'int accepted',
      'number accepted',
      'choice accepted',
      'configuration accepted',
      'sampled',
    ])
      assert.ok((s.accepted.get(kind) ?? 0) > 20, `too few ${kind}:\n${formatSummary(s)}`);
    assert.ok(s.refused.size > 30, formatSummary(s));
  });
});
