// MT19937 against numpy's legacy RandomState (fixture written by test/fixtures/make-numpy-rng.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MT19937 } from '../src/rng.js';

interface Case {
  seed: number;
  key: number[];
  uniform: number[];
  normal: number[];
  p: number[];
  choices: number[];
  after: number[];
}
const fixture: { cases: Case[] } = JSON.parse(
  readFileSync(new URL('./fixtures/numpy-rng.json', import.meta.url), 'utf8'),
);
/** random_sample is exact (integer arithmetic); randn goes through log and sqrt: allow a few ulps. */
const TOL = { uniform: 0, normal: 1e-15 } as const;

function assertClose(got: number[], want: number[], tol: number, what: string): void {
  let worst = 0;
  let where = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-300);
    if (d > worst || where < 0) {
      worst = Math.max(worst, d);
      where = i;
    }
  }
  assert.ok(
    worst <= tol,
    `${what}: largest relative difference ${worst} at [${where}]: got ${got[where]}, want ${want[where]}`,
  );
}

describe('MT19937 reproduces numpy', () => {
  for (const c of fixture.cases) {
    it(`seed ${c.seed}: state, random_sample, randn (with the cached value), choice`, () => {
      const rng = new MT19937(c.seed);
      assert.deepEqual(rng.getState().mt.slice(0, 4), c.key);
      assertClose(
        Array.from({ length: 5 }, () => rng.random()),
        c.uniform,
        TOL.uniform,
        'random_sample',
      );
      assertClose(
        Array.from({ length: 7 }, () => rng.randn()),
        c.normal,
        TOL.normal,
        'randn',
      );
      rng.random(); // numpy drew random_sample(6) for p here: keep the streams aligned
      for (let i = 0; i < 5; i++) rng.random();
      const cdf = new Float64Array(6);
      assert.deepEqual(
        Array.from({ length: 20 }, () => rng.choice(c.p, 6, cdf)),
        c.choices,
      );
      assertClose(
        Array.from({ length: 3 }, () => rng.randn()),
        c.after,
        TOL.normal,
        'randn after choice',
      );
    });
  }

  it('state round-trips exactly', () => {
    const a = new MT19937(7);
    for (let i = 0; i < 1000; i++) a.randn();
    const b = new MT19937(0);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    for (let i = 0; i < 2000; i++) assert.equal(b.randn(), a.randn());
  });

  it('rejects seeds numpy rejects', () => {
    assert.throws(() => new MT19937(-1), /seed must be an integer/);
    assert.throws(() => new MT19937(2 ** 32), /seed must be an integer/);
    assert.throws(() => new MT19937(1.5), /seed must be an integer/);
  });
});
