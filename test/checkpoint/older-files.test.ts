// Checkpoints as older releases wrote them; every later reader must still take them.
// - Version 1, as the first release wrote it (test/fixtures/v1, made by its make-v1.sh with that release):
//   the seed's (f32 and f64), an LSTM on two threads with dropout and its .best file, a one-hot GRU with
//   AdamW and a cosine schedule, and the seed's rnn through the old recipe trainer.
// - Version 2, as the first release of the one pipeline wrote it (test/fixtures/v2-first, made by its
//   make.sh with commit 820945a): the same kinds, and a 2-layer rnn with an embedding, RMSprop and a step
//   schedule; fields added to version 2 since (valDigest, bestValIter, evalsSinceBest...) are absent.
// Each loads, samples, scores a text and resumes; resuming continues the very run that release would have
// continued: the losses of the next 10 iterations match the ones that release logged when it resumed the
// same file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { corpusFromString } from '../../src/data/text.js';
import { initKernels } from '../../src/kernels/index.js';
import { nodeHost } from '../../src/node/threads.js';
import { Trainer } from '../../src/training/trainer.js';

const corpus = corpusFromString(
  readFileSync(new URL('../fixtures/min-char-rnn-corpus.txt', import.meta.url), 'utf8'),
);

/**
 * Named tolerances, relative, on the losses of the 10 resumed iterations. That release logged them from its
 * CLI, on the relaxed-simd (FMA) kernels; this test process runs the plain SIMD build, which rounds float32
 * products differently in the last bit, and the vanilla RNN now runs on the shared recurrent path (another
 * summation order). In float64 only the summation order differs. (test/cli/v1-resume.test.ts resumes the
 * same files through the CLI, on the FMA build, where the LSTM and GRU losses agree exactly.)
 */
const TOL = { f32: 1e-6, f64: 1e-10 } as const;

/** The kinds both sets hold, by the same names; each set adds its own rnn. */
const COMMON = [
  { file: 'seed.ckpt', log: 'resume-seed.jsonl', model: 'rnn', tol: TOL.f32 },
  { file: 'seed-f64.ckpt', log: 'resume-seed-f64.jsonl', model: 'rnn', tol: TOL.f64 },
  { file: 'lstm.ckpt', log: 'resume-lstm.jsonl', model: 'lstm', tol: TOL.f32 },
  { file: 'lstm.best.ckpt', log: undefined, model: 'lstm', tol: 0 },
  { file: 'gru.ckpt', log: 'resume-gru.jsonl', model: 'gru', tol: TOL.f32 },
] as const;

const SETS = [
  {
    dir: 'v1',
    version: 1,
    cases: [
      ...COMMON,
      { file: 'rnn-recipe.ckpt', log: 'resume-rnn-recipe.jsonl', model: 'rnn', tol: TOL.f32 },
    ],
  },
  {
    dir: 'v2-first',
    version: 2,
    cases: [...COMMON, { file: 'rnn.ckpt', log: 'resume-rnn.jsonl', model: 'rnn', tol: TOL.f32 }],
  },
] as const;

before(async () => {
  await initKernels();
});

for (const { dir, version, cases } of SETS) {
  const fixture = (name: string) => new URL(`../fixtures/${dir}/${name}`, import.meta.url);
  describe(`checkpoints of ${dir}`, () => {
    for (const c of cases) {
      it(`${c.file}: loads, samples, scores a text and resumes`, () => {
        const bytes = new Uint8Array(readFileSync(fixture(c.file)));
        const ck = readCheckpoint(bytes, c.file);
        assert.equal(ck.version, version);
        assert.equal(ck.config.model, c.model);
        // sampling: deterministic for a seed, from the model's vocabulary
        const a = Trainer.fromCheckpoint(bytes, undefined, { threads: 1 }, c.file);
        a.rng.seed(1);
        const text = [...a.sample(80, 'The ')].join('');
        const b = Trainer.fromCheckpoint(bytes, undefined, { threads: 1 }, c.file);
        b.rng.seed(1);
        assert.equal([...b.sample(80, 'The ')].join(''), text);
        assert.equal([...text].length, 80);
        // scoring: every character after the first, better than a uniform guess (these models trained)
        const score = a.score(corpus);
        assert.equal(score.characters, corpus.ids.length - 1);
        assert.ok(score.valLoss < Math.log(ck.vocab.size), `${score.valLoss} nats/char`);
        // resuming on the text it trained on
        // the release resumed with --iters at the logged run's end, which a schedule decays over
        const want = c.log
          ? readFileSync(fixture(c.log), 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as { iter: number; loss?: number; smoothLoss: number })
              .filter((r): r is { iter: number; loss: number; smoothLoss: number } => r.loss !== undefined)
          : [];
        const iters = want.length > 0 ? want.at(-1)!.iter + 1 : ck.config.iters;
        const t = Trainer.fromCheckpoint(bytes, corpus, { iters }, c.file, nodeHost);
        try {
          assert.equal(t.iter, ck.progress.iter);
          if (!c.log) {
            for (let i = 0; i < 3; i++) assert.ok(Number.isFinite(t.step().loss));
            return;
          }
          let worst = { rel: 0, at: '' };
          for (const w of want) {
            const e = t.step();
            assert.equal(e.iter, w.iter);
            for (const [name, got, exp] of [
              ['loss', e.loss, w.loss],
              ['smoothLoss', e.smoothLoss, w.smoothLoss],
            ] as const) {
              const rel = Math.abs(got - exp) / Math.abs(exp);
              if (rel > worst.rel) worst = { rel, at: `${name} of iteration ${w.iter}: ${got} vs ${exp}` };
            }
          }
          console.log(`  ${c.file}: largest relative difference ${worst.rel.toExponential(2)} ${worst.at}`);
          assert.ok(worst.rel <= c.tol, `largest relative difference ${worst.rel} at ${worst.at}`);
        } finally {
          t.close();
        }
      });
    }
  });
}

describe('version-1 checkpoints', () => {
  const fixture = (name: string) => new URL(`../fixtures/v1/${name}`, import.meta.url);
  it("the seed's file with an Infinity clip, which that release wrote as null, loads with the clip off", () => {
    const bytes = new Uint8Array(readFileSync(fixture('seed.ckpt')));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    const config = JSON.parse(header.__metadata__.config);
    assert.equal(config.clip, 5);
    config.clip = null;
    header.__metadata__.config = JSON.stringify(config);
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(bytes.subarray(8 + n), 8 + json.length);
    assert.equal(Trainer.fromCheckpoint(out).config.clip, Infinity);
  });
});
