// Scoring a text (`charrnn eval`, Trainer.score): every character after the first, as one stream, from the
// documented starting state (a one-stream model's carried state, else zero), against the float64
// reference of the same weights over the whole text. Texts shorter than one scoring window, an exact
// number of windows, and windows plus a tail all go through both of scoring's paths (batched windows,
// then one character at a time).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { referenceLossAndGrad } from '../../src/models/reference.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const corpus = corpusFromString(golden.corpus.repeat(3));
/** Named tolerance: float64 on the ref backend against the float64 reference, relative. */
const TOL = 1e-11;

function trained(preset: string, over: Partial<TrainConfig>): Trainer {
  const t = Trainer.create(
    corpus,
    presetConfig(preset, {
      hidden: 8,
      seqLength: 6,
      sampleEvery: 0,
      seed: 4,
      backend: 'ref',
      dtype: 'f64',
      threads: 1,
      ...over,
    }),
  );
  for (let i = 0; i < 7; i++) t.step();
  return t;
}

/** The reference's loss of the text as one window from `start`, per character. */
function reference(t: Trainer, text: string, start: Float64Array): number {
  const ids = Array.from(text, (ch) => t.vocab.id(ch.codePointAt(0)!)!);
  const c = t.config;
  const cfg = {
    vocabSize: t.vocab.size,
    hidden: c.hidden,
    layers: c.layers,
    embedding: c.embedding,
    batch: 1,
    seqLength: ids.length - 1,
    dropout: 0,
    dtype: 'f64' as const,
  };
  const r = referenceLossAndGrad(c.model, cfg, t.model.theta, ids.slice(0, -1), ids.slice(1), start);
  return r.loss / (ids.length - 1);
}

describe('Trainer.score: one stream, every character after the first', () => {
  const cases: [string, string, Partial<TrainConfig>][] = [
    ["the seed's rnn (one stream: from its carried state)", 'min-char-rnn', {}],
    ['an lstm of 2 streams (from zero)', 'char-lstm', { layers: 2, embedding: 3, batch: 2 }],
    ['a gru, one-hot, 3 streams (from zero)', 'char-gru', { layers: 1, embedding: 0, batch: 3 }],
  ];
  // 2 characters (one prediction); under one window; exactly 128 predictions (one scoring window); windows and a tail
  const lengths = [2, 50, 129, 300];
  for (const [what, preset, over] of cases) {
    it(`${what}: texts of ${lengths.join(', ')} characters`, () => {
      const t = trained(preset, over);
      const carried = t.model.getState();
      const start = t.config.batch === 1 ? carried : new Float64Array(t.model.stateBuffers * t.config.hidden);
      if (t.config.batch === 1)
        assert.ok(
          carried.some((x) => x !== 0),
          'the seed carries a state',
        );
      for (const n of lengths) {
        const text = golden.corpus.slice(100, 100 + n);
        const got = t.score(corpusFromString(text));
        const want = reference(t, text, start);
        assert.equal(got.characters, n - 1);
        assert.ok(
          Math.abs(got.valLoss - want) / want < TOL,
          `${n} characters: ${got.valLoss} vs the reference's ${want}`,
        );
        assert.ok(Math.abs(got.valBits - got.valLoss / Math.LN2) < 1e-12);
      }
      assert.deepEqual(t.model.getState(), carried, 'scoring leaves the training state as it was');
    });
  }

  it('refuses a text of one character, and characters outside the vocabulary', () => {
    const t = trained('min-char-rnn', {});
    assert.throws(
      () => t.score(corpusFromString('a')),
      (e: unknown) => e instanceof CharrnnError && /at least 2/.test(e.message),
    );
    assert.throws(() => t.score(corpusFromString('a€b')), CharrnnError);
  });
});
