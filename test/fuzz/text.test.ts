// The corpus fuzzer in `npm test` (text.ts): random bytes and damaged UTF-8, whole, in random chunks and
// as several documents, each decoded exactly as TextDecoder does or refused at the right byte offset;
// and the independent oracle itself checked on known texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSummary, runCases } from './harness.js';
import { referenceBadOffset, textTarget } from './text.js';

const SEED = 20261201;
const CASES = 3000;

describe('corpus fuzzer', () => {
  it('the oracle finds the first bad sequence', () => {
    const at = (...b: number[]) => referenceBadOffset(Uint8Array.from(b));
    assert.equal(at(0x61, 0xff), 1);
    assert.equal(at(0x61, 0xe2, 0x82), 1); // truncated at the end
    assert.equal(at(0x61, 0xe2, 0x82, 0x41), 1); // cut short by ASCII
    assert.equal(at(0xed, 0xa0, 0x80), 0); // a surrogate
    assert.equal(at(0xc3, 0xa9, 0xf0, 0x80, 0x80, 0x80), 2); // an overlong after é
    assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0); // beyond U+10FFFF
  });

  it(`${CASES} texts: each decodes as TextDecoder does, or is refused at its first bad byte`, () => {
    const s = runCases(textTarget, SEED, CASES);
    assert.equal(s.failures.length, 0, formatSummary(s));
    for (const kind of ['valid text', 'valid documents'])
      assert.ok((s.accepted.get(kind) ?? 0) > 100, `too few accepted as ${kind}:\n${formatSummary(s)}`);
    assert.ok([...s.refused.values()].reduce((a, b) => a + b, 0) > CASES / 4, formatSummary(s));
  });
});
